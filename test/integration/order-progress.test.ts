import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

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
    stack: sharedStack('test/fixtures/fulfilment.config.json'),
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
    const history = done.history as unknown as { to: string; eventId?: string; by: { type: string } }[];
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

interface ShipmentPage {
  items: { shipmentId: string; orderId: string; locationId: string; status: string; requestedAt: string }[];
  nextCursor?: string;
}

describe('partners catch up: GET /fulfillments?status=open and GET /orders/{orderId}/shipments', () => {
  test('open shipments at the partner’s locations, oldest first, a page at a time; shipped ones leave', async () => {
    // Three orders, each one MUG-WHT (only at dc-newark: partner-east).
    const orderIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      orderIds.push(await h.placeOrder([{ sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 }]));
    }
    const requested: Requested[] = [];
    for (const orderId of orderIds) requested.push(...(await h.shipmentRequested(orderId)));
    const mine = new Set(requested.map((s) => s.shipmentId));

    // Page through partner-east's open shipments one at a time.
    const seen: ShipmentPage['items'] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const query = `status=open&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await h.as('partner-east')('GET', `/fulfillments?${query}`);
      expect(page.status).toBe(200);
      const body = page.body as ShipmentPage;
      expect(body.items.length).toBeLessThanOrEqual(1);
      seen.push(...body.items);
      cursor = body.nextCursor;
      if (cursor === undefined) break;
    }
    expect(cursor).toBeUndefined();
    const ids = seen.map((s) => s.shipmentId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of mine) expect(ids).toContain(id);
    for (const s of seen) {
      expect(['dc-newark', 'store-nyc-soho']).toContain(s.locationId);
      expect(['REQUESTED', 'ACCEPTED']).toContain(s.status);
      expect(JSON.stringify(s)).not.toMatch(/taskToken|processedEventIds|GSI4/);
    }
    const keys = seen.map((s) => `${s.requestedAt}#${s.shipmentId}`);
    expect(keys).toEqual([...keys].sort());

    // Another partner sees none of them; it cannot ask for the other's location.
    const west = await h.as('partner-west')('GET', '/fulfillments?status=open');
    expect(west.status).toBe(200);
    expect((west.body as ShipmentPage).items.filter((s) => mine.has(s.shipmentId))).toEqual([]);
    expect((await h.as('partner-west')('GET', '/fulfillments?locationId=dc-newark')).status).toBe(403);
    const badStatus = await h.as('partner-east')('GET', '/fulfillments?status=lost');
    expect(badStatus.status).toBe(400);
    expect(JSON.stringify(badStatus.body)).toContain('status');
    expect((await h.as('partner-east')('GET', '/fulfillments?cursor=bm9wZQ')).status).toBe(400);

    // The order's shipments: the owner and the partner see it, the other partner gets 404.
    const [first] = requested;
    const byOwner = await h.as('web')('GET', `/orders/${orderIds[0]}/shipments`);
    expect(byOwner.status).toBe(200);
    expect((byOwner.body as ShipmentPage).items.map((s) => s.shipmentId)).toEqual([first!.shipmentId]);
    const byPartner = await h.as('partner-east')('GET', `/orders/${orderIds[0]}/shipments`);
    expect((byPartner.body as ShipmentPage).items.map((s) => s.shipmentId)).toEqual([first!.shipmentId]);
    expect((await h.as('partner-west')('GET', `/orders/${orderIds[0]}/shipments`)).status).toBe(404);
    expect((await h.as('marketplace')('GET', `/orders/${orderIds[0]}/shipments`)).status).toBe(404);

    // Shipped: no longer open.
    expect((await h.ship(first!)).status).toBe(200);
    const after = await h.as('partner-east')('GET', '/fulfillments?status=open&limit=100');
    expect((after.body as ShipmentPage).items.map((s) => s.shipmentId)).not.toContain(first!.shipmentId);
    const shipped = await h.as('partner-east')('GET', `/orders/${orderIds[0]}/shipments`);
    expect((shipped.body as ShipmentPage).items[0]).toMatchObject({ status: 'SHIPPED' });
  }, 120_000);

  test('an order with more shipments than a page: cursor-paginated by shipment id', async () => {
    // ×3 so the hoodie ships from dc-reno (partner-west): store-nyc-soho (partner-east) holds only 2.
    const orderId = await h.placeOrder([
      { sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 },
      { sku: 'HOODIE-GRY-L', quantity: 3, unitPrice: 4999 },
    ]);
    const requested = await h.shipmentRequested(orderId, 2);
    const first = await h.as('web')('GET', `/orders/${orderId}/shipments?limit=1`);
    const page1 = first.body as ShipmentPage;
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).toBeDefined();
    const page2 = (
      await h.as('web')('GET', `/orders/${orderId}/shipments?limit=1&cursor=${page1.nextCursor}`)
    ).body as ShipmentPage;
    expect(page2.items).toHaveLength(1);
    expect(page2.nextCursor).toBeUndefined();
    expect([...page1.items, ...page2.items].map((s) => s.shipmentId)).toEqual(
      requested.map((s) => s.shipmentId).sort(),
    );
    // Each partner only its own, and a cursor of the other listing is refused.
    const west = (await h.as('partner-west')('GET', `/orders/${orderId}/shipments`)).body as ShipmentPage;
    expect(west.items.map((s) => s.locationId)).toEqual(['dc-reno']);
    const open = (await h.as('partner-east')('GET', '/fulfillments?limit=1')).body as ShipmentPage;
    if (open.nextCursor) {
      const mixed = await h.as('web')('GET', `/orders/${orderId}/shipments?cursor=${open.nextCursor}`);
      expect(mixed.status).toBe(400);
    }
  }, 120_000);
});
