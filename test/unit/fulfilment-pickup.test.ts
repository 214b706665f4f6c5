import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import type { Location } from '../../shared/domain/location.ts';
import { newOrder, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { makeCancelFulfilment } from '../../shared/usecases/cancel-fulfilment.ts';
import { makeExpirePickups } from '../../shared/usecases/expire-pickups.ts';
import { makeFulfilmentSteps } from '../../shared/usecases/fulfilment-steps.ts';
import { makeRecordFulfillmentEvent } from '../../shared/usecases/record-fulfillment-event.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from '../support/in-memory-inventory.ts';
import { FakeWorkflowEngine, InMemoryShipmentRepository } from '../support/in-memory-shipments.ts';

const store: Location = {
  locationId: 'STORE-1',
  name: 'Store',
  type: 'store',
  geo: { lat: 0, lon: 0 },
  capabilities: ['pickup', 'ship-from-store'],
  dailyShipmentCapacity: 100,
  shipmentFixedCost: 500,
  unitHandlingCost: 100,
  status: 'active',
  transferToStores: false,
};
const STORE_PARTNER: Caller = {
  channel: 'partner-east',
  admin: false,
  scopes: ['fulfillment'],
  locationIds: ['STORE-1'],
};

function setup() {
  const inventory = new InMemoryInventoryStore();
  inventory.seed({ sku: 'SKU-1', locationId: 'STORE-1', onHand: 5 });
  const orders = new InMemoryOrderRepository();
  const shipments = new InMemoryShipmentRepository();
  const engine = new FakeWorkflowEngine();
  const clock = new ManualClock();
  const ids = sequentialIds();
  const locations = new InMemoryLocationRepository([store]);
  const steps = makeFulfilmentSteps({ orders, inventory, locations, shipments, clock, ids, engine });
  const record = makeRecordFulfillmentEvent({
    shipments,
    orders,
    inventory,
    engine,
    clock,
    ids,
    pickupHoldDays: 2,
  });
  const expirePickups = makeExpirePickups({ shipments, orders, inventory, clock, ids });
  const request = PlaceOrderRequestSchema.parse({
    customer: { customerId: 'c-1' },
    currency: 'USD',
    lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1000 }],
    delivery: { method: 'pickup', locationId: 'STORE-1', contact: { name: 'Sam' } },
  });
  const order = newOrder({ orderId: ids.orderId(), channel: 'web', request, now: clock.now().toISOString() });
  orders.add(order);
  return { inventory, orders, shipments, engine, steps, record, expirePickups, clock, order };
}

const LOOP = { round: 1, resourceAttempts: 0, excludedLocationIds: [] };

/** The order allocated at the store and its pickup shipment released (the workflow waits on it). */
async function released(t: ReturnType<typeof setup>) {
  const allocation = await t.steps.allocate({ orderId: t.order.orderId, correlationId: 'c', loop: LOOP });
  const planned = allocation.shipments[0]!;
  await t.steps.requestShipment({
    orderId: t.order.orderId,
    correlationId: 'c',
    round: 1,
    shipment: planned,
    taskToken: 'token-pickup',
  });
  const report = (body: Record<string, unknown>) =>
    t.record({ caller: STORE_PARTNER, shipmentId: planned.shipmentId, body, correlationId: 'c' });
  const position = () => t.inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' });
  const events = (type: string) =>
    [...t.orders.events, ...t.shipments.events].filter((e) => e.type === type).map((e) => e.data);
  return { shipmentId: planned.shipmentId, report, position, events };
}

describe('pickup in store: the store reports the hand-over', () => {
  it('accepts `delivered` (collected) without tracking, consumes the reservation and answers the workflow', async () => {
    const { inventory, shipments, engine, steps, record, order } = setup();
    const loop = { round: 1, resourceAttempts: 0, excludedLocationIds: [] };
    const allocation = await steps.allocate({ orderId: order.orderId, correlationId: 'c', loop });
    expect(allocation.shipments).toHaveLength(1);
    const planned = allocation.shipments[0]!;
    expect(planned).toMatchObject({ locationId: 'STORE-1', kind: 'pickup' });
    await steps.requestShipment({
      orderId: order.orderId,
      correlationId: 'c',
      round: 1,
      shipment: planned,
      taskToken: 'token-pickup',
    });
    expect(await inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' })).toMatchObject({
      onHand: 5,
      reserved: 2,
    });

    const body = { type: 'delivered', eventId: 'collected-1' };
    const result = await record({
      caller: STORE_PARTNER,
      shipmentId: planned.shipmentId,
      body,
      correlationId: 'c',
    });
    // `delivered` on a pickup shipment is the collection (the same report as `picked-up`).
    expect(result).toMatchObject({ applied: true, shipment: { status: 'PICKED_UP' } });
    expect(await inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' })).toMatchObject({
      onHand: 3,
      reserved: 0,
    });
    expect(engine.signals).toEqual([
      {
        kind: 'success',
        token: 'token-pickup',
        detail: { shipmentId: planned.shipmentId, status: 'PICKED_UP' },
      },
    ]);
    // A repeat changes nothing more.
    const again = await record({
      caller: STORE_PARTNER,
      shipmentId: planned.shipmentId,
      body,
      correlationId: 'c',
    });
    expect(again.applied).toBe(false);
    expect(await inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' })).toMatchObject({
      onHand: 3,
      reserved: 0,
    });
    expect((await shipments.get(planned.shipmentId))?.status).toBe('PICKED_UP');
    const outcome = await steps.reconcile({ orderId: order.orderId, loop, results: [] });
    expect(outcome.next).toBe('complete');
  });

  it('still refuses `delivered` before shipping for a shipment to the customer', async () => {
    const { shipments, record } = setup();
    await shipments.request(
      {
        shipmentId: 'shp_carrier',
        orderId: 'ord_x',
        locationId: 'STORE-1',
        kind: 'ship',
        lines: [],
        status: 'REQUESTED',
        round: 1,
        processedEventIds: [],
        requestedAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:00.000Z',
        version: 1,
      },
      [],
    );
    await expect(
      record({
        caller: STORE_PARTNER,
        shipmentId: 'shp_carrier',
        body: { type: 'delivered', eventId: 'd-1' },
        correlationId: 'c',
      }),
    ).rejects.toMatchObject({ kind: 'conflict' });
  });
});

describe('pickup lifecycle: ready-for-pickup, picked-up, not collected', () => {
  it('ready-for-pickup keeps the units on hand and reserved, sets pickupBy, tells the customer and ends the run; picked-up completes the order', async () => {
    const t = setup();
    const p = await released(t);
    const ready = await p.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    expect(ready).toMatchObject({
      applied: true,
      shipment: {
        status: 'READY_FOR_PICKUP',
        readyAt: '2025-06-01T12:00:00.000Z',
        // pickup.holdDays = 2
        pickupBy: '2025-06-03T12:00:00.000Z',
      },
    });
    expect(p.events('OrderReadyForPickup')).toEqual([
      {
        shipmentId: p.shipmentId,
        orderId: t.order.orderId,
        locationId: 'STORE-1',
        lines: [{ lineId: '1', sku: 'SKU-1', quantity: 2 }],
        readyAt: '2025-06-01T12:00:00.000Z',
        pickupBy: '2025-06-03T12:00:00.000Z',
        pickupContact: { name: 'Sam' },
      },
    ]);
    // Picked from the shelf, not yet gone: on hand and reserved unchanged.
    expect(await p.position()).toMatchObject({ onHand: 5, reserved: 2 });
    // The store's part is done: the waiting step is answered and the run settles with the order RELEASED.
    expect(t.engine.signals).toEqual([
      {
        kind: 'success',
        token: 'token-pickup',
        detail: { shipmentId: p.shipmentId, status: 'READY_FOR_PICKUP' },
      },
    ]);
    expect((await t.steps.reconcile({ orderId: t.order.orderId, loop: LOOP, results: [] })).next).toBe(
      'complete',
    );
    expect(await t.steps.complete({ orderId: t.order.orderId, correlationId: 'c' })).toEqual({
      status: 'RELEASED',
    });

    const collected = await p.report({ type: 'picked-up', eventId: 'collected-1' });
    expect(collected).toMatchObject({ applied: true, shipment: { status: 'PICKED_UP' } });
    expect(await p.position()).toMatchObject({ onHand: 3, reserved: 0 });
    expect(p.events('ShipmentDelivered')).toMatchObject([{ handover: 'pickup', locationId: 'STORE-1' }]);
    const order = await t.orders.get(t.order.orderId);
    expect(order?.status).toBe('COMPLETED');
    expect(order?.lines[0]).toMatchObject({ status: 'DELIVERED', quantities: { shipped: 2, delivered: 2 } });
    // Nothing is due any more: the sweep finds nothing.
    t.clock.advance(3 * 86_400);
    expect((await t.expirePickups()).expired).toEqual([]);
  });

  it('refuses a partial pickup (409 naming the line) and changes nothing; the full quantity is accepted', async () => {
    const t = setup();
    const p = await released(t);
    await p.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    const partial = p.report({
      type: 'picked-up',
      eventId: 'collected-1',
      lines: [{ lineId: '1', quantity: 1 }],
    });
    await expect(partial).rejects.toMatchObject({
      kind: 'conflict',
      details: { errors: [expect.objectContaining({ field: 'lines[0].quantity' })] },
    });
    await expect(
      p.report({ type: 'picked-up', eventId: 'collected-2', lines: [{ lineId: '9', quantity: 2 }] }),
    ).rejects.toMatchObject({
      details: { errors: expect.arrayContaining([expect.objectContaining({ field: 'lines[0].lineId' })]) },
    });
    expect((await t.shipments.get(p.shipmentId))?.status).toBe('READY_FOR_PICKUP');
    expect(await p.position()).toMatchObject({ onHand: 5, reserved: 2 });
    const whole = await p.report({
      type: 'picked-up',
      eventId: 'collected-3',
      lines: [{ lineId: '1', quantity: 2 }],
    });
    expect(whole.shipment.status).toBe('PICKED_UP');
  });

  it('refuses pickup reports on a shipment to the customer (409 naming type) and lines on other reports (400)', async () => {
    const { shipments, record } = setup();
    await shipments.request(
      {
        shipmentId: 'shp_carrier',
        orderId: 'ord_x',
        locationId: 'STORE-1',
        kind: 'ship',
        lines: [],
        status: 'ACCEPTED',
        round: 1,
        processedEventIds: [],
        requestedAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:00.000Z',
        version: 1,
      },
      [],
    );
    const report = (body: Record<string, unknown>) =>
      record({ caller: STORE_PARTNER, shipmentId: 'shp_carrier', body, correlationId: 'c' });
    await expect(report({ type: 'ready-for-pickup', eventId: 'r-1' })).rejects.toMatchObject({
      kind: 'conflict',
      details: { errors: [expect.objectContaining({ field: 'type' })] },
    });
    await expect(
      report({ type: 'accepted', eventId: 'a-1', lines: [{ lineId: '1', quantity: 1 }] }),
    ).rejects.toMatchObject({
      kind: 'validation',
      details: { errors: [expect.objectContaining({ field: 'lines' })] },
    });
  });

  it('not collected by pickupBy: the sweep cancels it (not-collected), gives the units back to the store and requests the refund', async () => {
    const t = setup();
    const p = await released(t);
    await p.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    // Not before pickupBy (2 days).
    t.clock.advance(2 * 86_400 - 1);
    expect((await t.expirePickups()).expired).toEqual([]);
    expect((await t.shipments.get(p.shipmentId))?.status).toBe('READY_FOR_PICKUP');

    t.clock.advance(1);
    const swept = await t.expirePickups();
    expect(swept.expired).toEqual([
      { shipmentId: p.shipmentId, orderId: t.order.orderId, outcome: 'not-collected', unitsRestocked: 2 },
    ]);
    const shipment = await t.shipments.get(p.shipmentId);
    expect(shipment).toMatchObject({ status: 'CANCELLED', reason: 'not-collected' });
    expect(shipment?.notCollectedPending).toBeUndefined();
    const order = await t.orders.get(t.order.orderId);
    expect(order).toMatchObject({ status: 'CANCELLED', cancellation: { reason: 'not-collected' } });
    expect(order?.lines[0]).toMatchObject({ status: 'CANCELLED', quantities: { cancelled: 2 } });
    // Back on the shelf's stock: reserved released, on hand never moved.
    expect(await p.position()).toMatchObject({ onHand: 5, reserved: 0 });
    expect(p.events('ShipmentCancelled')).toMatchObject([{ reason: 'not-collected', locationId: 'STORE-1' }]);
    expect(p.events('OrderCancelled')).toMatchObject([
      { reason: 'not-collected', previousStatus: 'RELEASED' },
    ]);
    expect(p.events('RefundRequested')).toEqual([
      {
        refundId: expect.stringMatching(/^rf_/),
        orderId: t.order.orderId,
        amount: 2000,
        currency: 'USD',
        reason: 'not-collected',
        lines: [{ lineId: '1', sku: 'SKU-1', quantity: 2, amount: 2000 }],
      },
    ]);
    // Too late at the counter: 409, nothing consumed.
    await expect(p.report({ type: 'picked-up', eventId: 'late' })).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(await p.position()).toMatchObject({ onHand: 5, reserved: 0 });
    // A second sweep changes nothing.
    expect((await t.expirePickups()).expired).toEqual([]);
    expect(p.events('RefundRequested')).toHaveLength(1);
  });

  it('picked-up and the sweep at the same moment: the one that writes first wins, the other changes nothing', async () => {
    // The sweep read the shipment, then the customer collected it before the sweep's write.
    const t = setup();
    const p = await released(t);
    await p.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    t.clock.advance(2 * 86_400);
    const list = t.shipments.listPickupsDue.bind(t.shipments);
    t.shipments.listPickupsDue = async (now, limit) => {
      const due = await list(now, limit);
      await p.report({ type: 'picked-up', eventId: 'just-in-time' });
      return due;
    };
    const swept = await t.expirePickups();
    expect(swept.expired).toMatchObject([{ outcome: 'collected', unitsRestocked: 0 }]);
    expect((await t.shipments.get(p.shipmentId))?.status).toBe('PICKED_UP');
    expect((await t.orders.get(t.order.orderId))?.status).toBe('COMPLETED');
    expect(await p.position()).toMatchObject({ onHand: 3, reserved: 0 });
    expect(p.events('RefundRequested')).toEqual([]);

    // The other way round: the sweep wrote first, the store's report (read before it) loses.
    const u = setup();
    const q = await released(u);
    await q.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    u.clock.advance(2 * 86_400);
    const get = u.shipments.get.bind(u.shipments);
    let swept2: Awaited<ReturnType<typeof u.expirePickups>> | undefined;
    let raced = false;
    u.shipments.get = async (id) => {
      const read = await get(id);
      if (!raced) {
        raced = true; // once: between the report's read and its write
        swept2 = await u.expirePickups();
      }
      return read;
    };
    await expect(q.report({ type: 'picked-up', eventId: 'too-late' })).rejects.toMatchObject({
      kind: 'conflict',
    });
    expect(swept2?.expired).toMatchObject([{ outcome: 'not-collected', unitsRestocked: 2 }]);
    expect((await get(q.shipmentId))?.status).toBe('CANCELLED');
    expect(await q.position()).toMatchObject({ onHand: 5, reserved: 0 });
    expect((await u.orders.get(u.order.orderId))?.status).toBe('CANCELLED');
  });

  it('a sweep that crashed after cancelling the shipment is finished by the next one (once)', async () => {
    const t = setup();
    const p = await released(t);
    await p.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    t.clock.advance(3 * 86_400);
    const update = t.orders.update.bind(t.orders);
    t.orders.update = async () => {
      throw new Error('crash before the order write');
    };
    await expect(t.expirePickups()).rejects.toThrow('crash');
    expect(await t.shipments.get(p.shipmentId)).toMatchObject({
      status: 'CANCELLED',
      notCollectedPending: true,
    });
    expect(await p.position()).toMatchObject({ onHand: 5, reserved: 2 });
    t.orders.update = update;
    expect((await t.expirePickups()).expired).toMatchObject([
      { outcome: 'not-collected', unitsRestocked: 2 },
    ]);
    expect((await t.orders.get(t.order.orderId))?.status).toBe('CANCELLED');
    expect(await p.position()).toMatchObject({ onHand: 5, reserved: 0 });
    expect(p.events('RefundRequested')).toHaveLength(1);
    expect(p.events('ShipmentCancelled')).toHaveLength(1);
    expect((await t.expirePickups()).expired).toEqual([]);
  });

  it('a whole-order cancel closes a pickup waiting at the counter and gives its units back', async () => {
    const t = setup();
    const p = await released(t);
    await p.report({ type: 'ready-for-pickup', eventId: 'ready-1' });
    const cancelFulfilment = makeCancelFulfilment({
      shipments: t.shipments,
      engine: t.engine,
      clock: t.clock,
      ids: sequentialIds(),
    });
    await cancelFulfilment.assertCancellable(t.order.orderId);
    await cancelFulfilment.afterCancel(t.order, 'c');
    expect(await t.shipments.get(p.shipmentId)).toMatchObject({
      status: 'CANCELLED',
      reason: 'order cancelled',
    });
    expect(p.events('ShipmentCancelled')).toMatchObject([{ reason: 'order-cancelled', kind: 'pickup' }]);
    t.clock.advance(3 * 86_400);
    expect((await t.expirePickups()).expired).toEqual([]);
  });
});
