import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { synthesizeStack } from '../../local/template/template.ts';
import { fulfilmentHarness, until } from '../support/fulfilment-harness.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Issue 13.3 through the HTTP API on the local runtime: a split order's status follows its
 * shipments (PARTIALLY_SHIPPED → SHIPPED → PARTIALLY_DELIVERED → DELIVERED → COMPLETED), with a
 * history entry and an event at each change, and OrderCompleted only once everything is delivered.
 */
let stack: TestStack;
let machineArn: string;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);

beforeAll(async () => {
  stack = await startTestStack({
    stack: synthesizeStack({ configFile: 'test/fixtures/fulfilment.config.json' }),
    eventFanout: { visibilityTimeoutMs: 200, pollIntervalMs: 50 },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
});
afterAll(async () => {
  await stack?.close();
});

const PROGRESS_EVENTS = [
  'OrderPartiallyShipped',
  'OrderShipped',
  'OrderPartiallyDelivered',
  'OrderDelivered',
  'OrderCompleted',
];

describe('order status follows split shipments (local runtime)', () => {
  test('ship one → PARTIALLY_SHIPPED, ship the other → SHIPPED, deliver one → PARTIALLY_DELIVERED, both → COMPLETED', async () => {
    // MUG-WHT is only at dc-newark (partner-east), HOODIE-GRY-L ×3 only at dc-reno (partner-west).
    const orderId = await h.placeOrder([
      { sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 },
      { sku: 'HOODIE-GRY-L', quantity: 3, unitPrice: 4999 },
    ]);
    const shipments = await h.shipmentRequested(orderId, 2);
    const newark = shipments.find((s) => s.locationId === 'dc-newark')!;
    const reno = shipments.find((s) => s.locationId === 'dc-reno')!;
    await until('RELEASED', async () => ((await h.order(orderId)).status === 'RELEASED' ? true : undefined));
    const status = async () => (await h.order(orderId)).status;

    expect((await h.ship(newark)).status).toBe(200);
    expect(await status()).toBe('PARTIALLY_SHIPPED');
    expect((await h.ship(reno)).status).toBe(200);
    expect(await status()).toBe('SHIPPED');
    // Fulfilment's part is done: the run ends while the parcels are on their way.
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect(h.statesEntered(events).at(-1)).toBe('Fulfilled');
    expect(await status()).toBe('SHIPPED');
    expect(h.eventsOf(orderId, 'OrderCompleted')).toEqual([]);

    expect((await h.report(reno, { type: 'delivered' })).status).toBe(200);
    expect(await status()).toBe('PARTIALLY_DELIVERED');
    expect((await h.report(newark, { type: 'delivered' })).status).toBe(200);
    const done = await h.order(orderId);
    expect(done.status).toBe('COMPLETED');
    expect(done.lines.map((l) => [l.status, l.quantities.shipped, l.quantities.delivered])).toEqual([
      ['DELIVERED', 1, 1],
      ['DELIVERED', 3, 3],
    ]);
    const history = done.history as { to: string; eventId?: string; by: { type: string } }[];
    expect(history.map((c) => c.to)).toEqual([
      'CREATED',
      'ALLOCATED',
      'RELEASED',
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'PARTIALLY_DELIVERED',
      'DELIVERED',
      'COMPLETED',
    ]);

    // One event per change, each joined to its history entry, published in order.
    const published = await until('the progress events on the bus', () => {
      const found = PROGRESS_EVENTS.map((type) => h.eventsOf(orderId, type));
      return found.every((list) => list.length === 1) ? found.map((list) => list[0]!) : undefined;
    });
    const byEventId = new Map(history.map((c) => [c.eventId, c.to]));
    expect(published.map((e) => byEventId.get((e as unknown as { eventId: string }).eventId))).toEqual([
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'PARTIALLY_DELIVERED',
      'DELIVERED',
      'COMPLETED',
    ]);
    expect(published[0]!.data).toMatchObject({
      previousStatus: 'RELEASED',
      status: 'PARTIALLY_SHIPPED',
      units: { ordered: 4, cancelled: 0, shipped: 1, delivered: 0 },
    });
    expect(published[2]!.data).toMatchObject({ units: { shipped: 4, delivered: 3 } });
    expect(published[4]!.data).toMatchObject({ basis: 'delivered' });
    // OrderCompleted comes after the last delivery, never before.
    const occurred = (type: string) =>
      h.eventsOf(orderId, type).map((e) => (e as unknown as { occurredAt: string }).occurredAt);
    const lastDelivery = occurred('ShipmentDelivered').sort().at(-1)!;
    expect(occurred('OrderCompleted')[0]! >= lastDelivery).toBe(true);

    // A repeated delivery report changes nothing and announces nothing.
    expect((await h.report(newark, { type: 'delivered' })).status).toBe(200);
    expect((await h.order(orderId)).history).toHaveLength(history.length);
    expect(h.eventsOf(orderId, 'OrderCompleted')).toHaveLength(1);
    await h.assertInventoryInvariants(['MUG-WHT', 'HOODIE-GRY-L']);
  }, 90_000);
});
