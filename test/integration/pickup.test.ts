import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Pickup in store (click & collect) through the HTTP API on the local runtime: the store reports
 * ready-for-pickup (OrderReadyForPickup), then picked-up (COMPLETED, on hand consumed); an order not
 * collected by its pickupBy is cancelled by the template's not-collected sweep (run on demand here),
 * restocked at the store and refunded; picked-up and the sweep racing have exactly one winner.
 * test/fixtures/pickup.config.json sets pickup.holdDays to 0.00005 (≈4.3 s).
 */
let stack: TestStack;
let machineArn: string;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);
const SKU = 'TSHIRT-BLK-M';
const STORE = 'store-nyc-soho';
const pickupOrder = () =>
  h.placeOrder([{ sku: SKU, quantity: 1, unitPrice: 1999 }], {
    delivery: { method: 'pickup', locationId: STORE, contact: { name: 'Grace Hopper' } },
  });

beforeAll(async () => {
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/pickup.config.json'),
    eventFanout: { visibilityTimeoutMs: 200, pollIntervalMs: 50 },
    stepFunctions: { timeScale: 0.0001 },
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

const sweepRule = () => {
  const rule = stack.runtime.schedules.schedules.find((s) =>
    s.targets.some((t) => /ExpirePickups/.test(t.functionName)),
  );
  if (!rule) throw new Error('no not-collected sweep rule in the template');
  return rule.ruleLogicalId;
};
/** The sweep, run once through the local runtime's schedule mechanism (as EventBridge would). */
const sweep = () => stack.runtime.schedules.runNow(sweepRule());

/** A pickup order released to the store, accepted, and reported ready; returns its shipment. */
async function readyPickup() {
  const orderId = await pickupOrder();
  const [shipment] = await h.shipmentRequested(orderId);
  expect(shipment).toMatchObject({ locationId: STORE, kind: 'pickup' });
  expect((await h.report(shipment!, { type: 'accepted' })).status).toBe(200);
  const ready = await h.report(shipment!, { type: 'ready-for-pickup' });
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({ status: 'READY_FOR_PICKUP' });
  return { orderId, shipment: shipment!, pickupBy: (ready.body as { pickupBy: string }).pickupBy };
}

describe('pickup in store: ready, collected, or not collected (local runtime)', () => {
  test('ready-for-pickup tells the customer (OrderReadyForPickup), picked-up completes the order and consumes on hand', async () => {
    const before = await h.at(SKU, STORE);
    const { orderId, shipment } = await readyPickup();
    const ready = await until('OrderReadyForPickup', () => h.eventsOf(orderId, 'OrderReadyForPickup')[0]);
    expect(ready.data).toMatchObject({
      shipmentId: shipment.shipmentId,
      locationId: STORE,
      pickupContact: { name: 'Grace Hopper' },
    });
    expect(Date.parse(String(ready.data.pickupBy))).toBeGreaterThan(Date.parse(String(ready.data.readyAt)));
    // The run settles: the store did its part; the order waits RELEASED with the units still reserved.
    const { record } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect((await h.order(orderId)).status).toBe('RELEASED');
    expect(await h.at(SKU, STORE)).toMatchObject({ onHand: before!.onHand, reserved: before!.reserved + 1 });

    // Partial pickup is refused, naming the field.
    const partial = await h.report(shipment, {
      type: 'picked-up',
      eventId: `${shipment.shipmentId}-partial`,
      lines: [{ lineId: shipment.lines[0]!.lineId, quantity: 2 }],
    });
    expect(partial.status).toBe(409);
    expect(JSON.stringify(partial.body)).toContain('lines[0].quantity');

    const collected = await h.report(shipment, { type: 'picked-up' });
    expect(collected.status).toBe(200);
    expect(collected.body).toMatchObject({ status: 'PICKED_UP' });
    await until('COMPLETED', async () =>
      (await h.order(orderId)).status === 'COMPLETED' ? true : undefined,
    );
    expect(h.eventsOf(orderId, 'ShipmentDelivered')[0]?.data).toMatchObject({ handover: 'pickup' });
    expect(await h.at(SKU, STORE)).toMatchObject({ onHand: before!.onHand - 1, reserved: before!.reserved });
    await h.assertInventoryInvariants([SKU]);
  }, 120_000);

  test('not collected by pickupBy: the sweep cancels it (not-collected), restocks the store and requests the refund', async () => {
    const before = await h.at(SKU, STORE);
    const { orderId, shipment, pickupBy } = await readyPickup();
    await h.finished(orderId);
    // Before pickupBy the sweep leaves it alone.
    await sweep();
    if (Date.now() < Date.parse(pickupBy)) expect((await h.order(orderId)).status).toBe('RELEASED');
    await until('pickupBy passed', () => (Date.now() > Date.parse(pickupBy) ? true : undefined));
    await sweep();
    const order = await h.order(orderId);
    expect(order.status).toBe('CANCELLED');
    expect(order.history.at(-1)?.reason).toContain('not-collected');
    expect(await h.at(SKU, STORE)).toMatchObject({ onHand: before!.onHand, reserved: before!.reserved });
    const refund = await until('RefundRequested', () => h.eventsOf(orderId, 'RefundRequested')[0]);
    expect(refund.data).toMatchObject({ reason: 'not-collected', amount: 1999, currency: 'USD' });
    await until('OrderCancelled', () => h.eventsOf(orderId, 'OrderCancelled')[0]);
    expect(h.eventsOf(orderId, 'ShipmentCancelled')[0]?.data).toMatchObject({ reason: 'not-collected' });
    // Too late at the counter.
    const late = await h.report(shipment, { type: 'picked-up' });
    expect(late.status).toBe(409);
    await h.assertInventoryInvariants([SKU]);
  }, 120_000);

  test('picked-up and the sweep at the same moment: exactly one wins and the stock is right either way', async () => {
    const before = await h.at(SKU, STORE);
    const { orderId, shipment, pickupBy } = await readyPickup();
    await h.finished(orderId);
    await until('pickupBy passed', () => (Date.now() > Date.parse(pickupBy) ? true : undefined));
    const [collected] = await Promise.all([h.report(shipment, { type: 'picked-up' }), sweep()]);
    const order = await until('settled', async () => {
      const o = await h.order(orderId);
      return o.status === 'COMPLETED' || o.status === 'CANCELLED' ? o : undefined;
    });
    const position = await h.at(SKU, STORE);
    if (collected.status === 200) {
      expect(order.status).toBe('COMPLETED');
      expect(position).toMatchObject({ onHand: before!.onHand - 1, reserved: before!.reserved });
      expect(h.eventsOf(orderId, 'RefundRequested')).toEqual([]);
    } else {
      expect(collected.status).toBe(409);
      expect(order.status).toBe('CANCELLED');
      expect(position).toMatchObject({ onHand: before!.onHand, reserved: before!.reserved });
    }
    await h.assertInventoryInvariants([SKU]);
  }, 120_000);
});
