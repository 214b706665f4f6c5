import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Per-line cancellation through the local HTTP API, and cancellation after allocation but before
 * the shipment is released. test/fixtures/cancel-lines.config.json sets a 30-day backorder deadline
 * (~4 min here, longer than any test may take), so an execution that finishes did not wait for it;
 * its east WMS partner also receives OrderLinesCancelled and RefundRequested.
 *
 * "After allocation, before release" is pinned deterministically: the test holds the steps
 * function's `requestShipment` invocation of one order (a wrapper around the local Lambda service's
 * invoke) until it has cancelled, so the execution sits between Allocate and the shipment request
 * with the stock reserved.
 */
const TIME_SCALE = 0.0001;
let stack: TestStack;
let machineArn: string;
let eastWms: WebhookReceiver;
const EAST_SECRET = `whsec_${Buffer.from('local-secret-east-wms').toString('base64')}`;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);

/** Orders whose requestShipment invocations are held, until `open` is called. */
const gates = new Map<string, { reached: Promise<void>; open: () => void }>();
function holdRequestShipment(orderId: string) {
  let reached!: () => void;
  let open!: () => void;
  const reachedP = new Promise<void>((r) => {
    reached = r;
  });
  const opened = new Promise<void>((r) => {
    open = r;
  });
  gates.set(orderId, { reached: reachedP, open });
  return { reached: reachedP, open, opened, hit: () => reached() };
}
const held = new Map<string, ReturnType<typeof holdRequestShipment>>();

beforeAll(async () => {
  eastWms = await startWebhookReceiver({ secret: EAST_SECRET });
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/cancel-lines.config.json'),
    eventFanout: {
      partners: { 'east-wms': { url: eastWms.url, secret: EAST_SECRET } },
      visibilityTimeoutMs: 200,
      pollIntervalMs: 50,
    },
    stepFunctions: { timeScale: TIME_SCALE },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
  const lambda = stack.runtime.lambda;
  const invoke = lambda.invoke.bind(lambda);
  lambda.invoke = async (name: string, event: unknown) => {
    const e = (event ?? {}) as { step?: string; orderId?: string };
    const gate = e.step === 'requestShipment' && e.orderId ? held.get(e.orderId) : undefined;
    if (gate) {
      gate.hit();
      await gate.opened;
    }
    return invoke(name, event);
  };
  await h.as('partner-east')('POST', '/fulfillments/shp_warm-up/events', {
    type: 'accepted',
    eventId: 'warm',
  });
});
afterAll(async () => {
  for (const gate of held.values()) gate.open();
  await stack?.close();
  await eastWms?.close();
});

const webhooks = (orderId: string, type: string) =>
  eastWms.received
    .map((w) => w.body as { type?: string; orderId?: string; data?: Record<string, unknown> })
    .filter((b) => b.orderId === orderId && b.type === type);

/** Sum of on hand and reserved of a SKU over the network. */
async function totals(sku: string) {
  const { positions } = await h.inventory(sku);
  return {
    onHand: positions.reduce((s, p) => s + p.onHand, 0),
    reserved: positions.reduce((s, p) => s + p.reserved, 0),
  };
}

/** Until the execution waits in `state` with its task token stored (the Task's call returned). */
async function waitingIn(orderId: string, state: string) {
  const sfn = stack.runtime.stepFunctions;
  return until(`${orderId} waiting in ${state}`, async () => {
    const { events } = await sfn
      .getExecutionHistory({ executionArn: h.executionArn(orderId) })
      .catch(() => ({ events: [] as { type: string }[] }));
    const entered = events.findLastIndex(
      (e) =>
        e.type.endsWith('StateEntered') &&
        (e as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails?.name === state,
    );
    return entered >= 0 && events.slice(entered).some((e) => e.type === 'TaskSubmitted') ? true : undefined;
  });
}

describe('per-line cancellation (local runtime)', () => {
  test('cancel the backordered line while the other shipment is pending: events to the partner, no wait for the deadline', async () => {
    // Nobody stocks POSTER-XL: line 2 is backordered, line 1 is released to a location.
    const orderId = await h.placeOrder([
      { sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 },
      { sku: 'POSTER-XL', quantity: 2, unitPrice: 1500 },
    ]);
    const [shipment] = await h.shipmentRequested(orderId);
    expect(shipment!.lines.map((l) => l.sku)).toEqual(['TSHIRT-BLK-M']);

    // The released line cannot be cancelled on its own: 409 naming the location and shipment.
    const refused = await h.as('web')('POST', `/orders/${orderId}/cancel`, {
      reason: 'customer-request',
      lines: [{ lineId: '1' }],
    });
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.stringify(refused.body)).toContain(`shipment ${shipment!.shipmentId}`);
    // Client errors: unknown line (400), too many units (409), both naming the field.
    const unknown = await h.as('web')('POST', `/orders/${orderId}/cancel`, {
      reason: 'customer-request',
      lines: [{ lineId: '7' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ errors: [{ field: 'lines[0].lineId' }] });
    const tooMany = await h.as('web')(
      'POST',
      `/orders/${orderId}/cancel`,
      { reason: 'customer-request', lines: [{ lineId: '2', quantity: 3 }] },
      { idempotencyKey: `too-many-${orderId}` },
    );
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({
      errors: [{ field: 'lines[0].quantity', message: 'only 2 unit(s) of line 2 can be cancelled' }],
    });

    const cancel = await h.as('web')('POST', `/orders/${orderId}/cancel`, {
      reason: 'customer-request',
      lines: [{ lineId: '2' }],
    });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({
      status: 'RELEASED',
      lines: [{ status: 'RELEASED' }, { status: 'CANCELLED', quantities: { cancelled: 2, backordered: 0 } }],
    });
    const linesCancelled = await until(
      'OrderLinesCancelled webhook',
      () => webhooks(orderId, 'OrderLinesCancelled')[0],
    );
    expect(linesCancelled.data).toMatchObject({
      reason: 'customer-request',
      lines: [{ lineId: '2', sku: 'POSTER-XL', quantity: 2 }],
    });
    const refund = await until('RefundRequested webhook', () => webhooks(orderId, 'RefundRequested')[0]);
    expect(refund.data).toMatchObject({ amount: 3000, currency: 'USD', reason: 'partial-cancellation' });

    expect((await h.ship(shipment!)).status).toBe(200);
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const entered = h.statesEntered(events);
    expect(entered).toContain('Fulfilled');
    expect(entered).not.toContain('Wait for stock');
    expect(entered).not.toContain('Cancel backordered lines');
    const done = await h.order(orderId);
    expect(done.status).toBe('SHIPPED');
    expect(done.lines.map((l) => [l.status, l.quantities.shipped, l.quantities.cancelled])).toEqual([
      ['SHIPPED', 1, 0],
      ['CANCELLED', 0, 2],
    ]);
    await h.assertInventoryInvariants(['TSHIRT-BLK-M']);
  }, 60_000);

  test("an execution waiting in 'Wait for stock' is woken by the cancellation and completes", async () => {
    const orderId = await h.placeOrder([
      { sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 },
      { sku: 'POSTER-XL', quantity: 1, unitPrice: 1500 },
    ]);
    const [shipment] = await h.shipmentRequested(orderId);
    expect((await h.ship(shipment!)).status).toBe(200);
    // Waiting for stock, its task token stored (the Task's call returned: TaskSubmitted).
    await waitingIn(orderId, 'Wait for stock');
    const cancel = await h.as('web')('POST', `/orders/${orderId}/cancel`, {
      reason: 'customer-request',
      lines: [{ lineId: '2' }],
    });
    expect(cancel.status).toBe(200);
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const entered = h.statesEntered(events);
    expect(entered).toContain('Wait for stock');
    expect(entered).toContain('Fulfilled');
    expect(entered).not.toContain('Cancel backordered lines');
    expect((await h.order(orderId)).status).toBe('SHIPPED');
  }, 60_000);
});

describe('cancel after allocation, before release (local runtime)', () => {
  test('full cancel: reservations released, no shipment requested, execution ends Cancelled', async () => {
    const before = await totals('TSHIRT-BLK-M');
    const orderId = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 }], {
      externalId: `pin-full-${Date.now()}`,
    });
    const gate = holdRequestShipment(orderId);
    held.set(orderId, gate);
    await gate.reached;
    // Allocated: the stock is reserved, no shipment exists yet.
    expect(await totals('TSHIRT-BLK-M')).toEqual({ onHand: before.onHand, reserved: before.reserved + 2 });
    expect((await h.order(orderId)).status).toBe('ALLOCATED');

    const cancel = await h.as('web')('POST', `/orders/${orderId}/cancel`, { reason: 'customer-request' });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ status: 'CANCELLED' });
    expect(await totals('TSHIRT-BLK-M')).toEqual(before);

    gate.open();
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const entered = h.statesEntered(events);
    expect(entered).toContain('Allocate');
    expect(entered).toContain('Cancelled');
    expect(entered).not.toContain('Compensate');
    expect(h.eventsOf(orderId, 'ShipmentRequested')).toEqual([]);
    await until('OrderCancelled webhook', () => webhooks(orderId, 'OrderCancelled')[0]);
    expect(webhooks(orderId, 'ShipmentRequested')).toEqual([]);
    expect(await totals('TSHIRT-BLK-M')).toEqual(before);
    await h.assertInventoryInvariants(['TSHIRT-BLK-M']);
  }, 60_000);

  test('per-line partial cancel: the cancelled units are given back and never requested; a retry changes nothing', async () => {
    const before = await totals('TSHIRT-BLK-M');
    const orderId = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 3, unitPrice: 1999 }]);
    const gate = holdRequestShipment(orderId);
    held.set(orderId, gate);
    await gate.reached;
    expect((await totals('TSHIRT-BLK-M')).reserved).toBe(before.reserved + 3);

    const body = { reason: 'customer-request', lines: [{ lineId: '1', quantity: 1 }] };
    const key = `cancel-one-${orderId}`;
    const noKey = await h.as('web')('POST', `/orders/${orderId}/cancel`, body);
    expect(noKey.status).toBe(400);
    expect(noKey.body).toMatchObject({ errors: [{ field: 'header:Idempotency-Key' }] });
    const first = await h.as('web')('POST', `/orders/${orderId}/cancel`, body, { idempotencyKey: key });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      status: 'ALLOCATED',
      lines: [{ quantities: { cancelled: 1, allocated: 2 } }],
    });
    expect((await totals('TSHIRT-BLK-M')).reserved).toBe(before.reserved + 2);
    const retry = await h.as('web')('POST', `/orders/${orderId}/cancel`, body, { idempotencyKey: key });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ lines: [{ quantities: { cancelled: 1 } }] });
    expect((await totals('TSHIRT-BLK-M')).reserved).toBe(before.reserved + 2);
    expect(h.eventsOf(orderId, 'OrderLinesCancelled').length).toBeLessThanOrEqual(1);

    gate.open();
    const [shipment] = await h.shipmentRequested(orderId);
    expect(shipment!.lines.map((l: Requested['lines'][number]) => l.quantity)).toEqual([2]);
    expect((await h.ship(shipment!)).status).toBe(200);
    const { record } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect((await h.order(orderId)).status).toBe('SHIPPED');
    expect(await totals('TSHIRT-BLK-M')).toEqual({ onHand: before.onHand - 2, reserved: before.reserved });
    expect(
      await until('OrderLinesCancelled', () => h.eventsOf(orderId, 'OrderLinesCancelled')[0]),
    ).toBeDefined();
    expect(h.eventsOf(orderId, 'OrderLinesCancelled')).toHaveLength(1);
    await h.assertInventoryInvariants(['TSHIRT-BLK-M']);
  }, 60_000);
});
