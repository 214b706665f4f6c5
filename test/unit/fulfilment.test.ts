import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import { DomainError } from '../../shared/domain/errors.ts';
import { parseEvent } from '../../shared/events/catalog.ts';
import { makeStartFulfilment } from '../../shared/usecases/start-fulfilment.ts';
import { EAST, fulfilmentUnit, INITIAL, WEB, WEST } from '../support/fulfilment-unit.ts';
import { FakeWorkflowEngine } from '../support/in-memory-shipments.ts';

const setup = fulfilmentUnit;

describe('fulfilment steps', () => {
  it('happy path, single shipment: released, shipped (stock consumed), completed', async () => {
    const t = setup({ TEE: { 'WH-A': 10 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    expect(await t.steps.checkHold({ orderId: order.orderId, correlationId: 'c' })).toEqual({
      onHold: false,
    });
    const allocation = await t.round(order.orderId, INITIAL);
    expect(allocation.shipments).toHaveLength(1);
    const [planned] = allocation.shipments;
    expect(planned).toMatchObject({
      locationId: 'WH-A',
      kind: 'ship',
      lines: [{ lineId: '1', quantity: 2 }],
    });
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 10, reserved: 2 });

    const { shipment, applied } = await t.ship(EAST, planned!.shipmentId);
    expect(applied).toBe(true);
    expect(shipment.status).toBe('SHIPPED');
    expect(shipment).not.toHaveProperty('taskToken');
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 8, reserved: 0 });
    expect(t.engine.signals).toEqual([
      { kind: 'success', token: `token-${planned!.shipmentId}`, detail: expect.anything() },
    ]);

    const next = await t.steps.reconcile({
      orderId: order.orderId,
      loop: INITIAL,
      results: [{ outcome: 'shipped', shipmentId: planned!.shipmentId, locationId: 'WH-A' }],
    });
    expect(next.next).toBe('complete');
    // The run ends once everything shipped; the order completes when the carrier reports delivery.
    expect(await t.steps.complete({ orderId: order.orderId, correlationId: 'c' })).toEqual({
      status: 'SHIPPED',
    });
    expect(t.eventTypes()).toEqual(
      expect.arrayContaining(['OrderAllocated', 'ShipmentRequested', 'ShipmentShipped', 'OrderShipped']),
    );
    expect(t.eventTypes()).not.toContain('OrderCompleted');
    const delivered = await t.report(EAST, planned!.shipmentId, {
      type: 'delivered',
      eventId: 'ev-delivered',
    });
    expect(delivered.shipment.status).toBe('DELIVERED');
    expect((await t.orders.get(order.orderId))?.status).toBe('COMPLETED');
    const history = await t.orders.history(order.orderId);
    expect(history.map((h) => h.to)).toEqual(['ALLOCATED', 'RELEASED', 'SHIPPED', 'DELIVERED', 'COMPLETED']);
    expect(t.orders.events.map((e) => e.type).slice(-2)).toEqual(['OrderDelivered', 'OrderCompleted']);
    expect(t.eventTypes()).toContain('ShipmentDelivered');
    // Every event is a valid catalog event.
    for (const event of t.allEvents()) expect(() => parseEvent(event)).not.toThrow();
    t.assertInventoryInvariants();
  });

  it('split across two locations: one shipment per location, each answered by its own partner', async () => {
    const t = setup({ TEE: { 'WH-A': 5 }, MUG: { 'WH-B': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'MUG', quantity: 1 },
    ]);
    const { shipments } = await t.round(order.orderId, INITIAL);
    expect(shipments.map((s) => s.locationId).sort()).toEqual(['WH-A', 'WH-B']);
    const a = shipments.find((s) => s.locationId === 'WH-A')!;
    const b = shipments.find((s) => s.locationId === 'WH-B')!;
    await t.ship(EAST, a.shipmentId);
    // One of two shipments shipped: PARTIALLY_SHIPPED; the lines show their own progress.
    const midway = await t.orders.get(order.orderId);
    expect(midway?.status).toBe('PARTIALLY_SHIPPED');
    expect(midway?.lines.map((l) => l.status)).toEqual(['SHIPPED', 'RELEASED']);
    await t.ship(WEST, b.shipmentId);
    expect((await t.orders.get(order.orderId))?.status).toBe('SHIPPED');
    const next = await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [] });
    expect(next.next).toBe('complete');
    await t.steps.complete({ orderId: order.orderId, correlationId: 'c' });
    expect((await t.orders.get(order.orderId))?.status).toBe('SHIPPED');
    await t.report(WEST, b.shipmentId, { type: 'delivered', eventId: 'ev-b-delivered' });
    expect((await t.orders.get(order.orderId))?.status).toBe('PARTIALLY_DELIVERED');
    await t.report(EAST, a.shipmentId, { type: 'delivered', eventId: 'ev-a-delivered' });
    expect((await t.orders.get(order.orderId))?.status).toBe('COMPLETED');
    expect((await t.orders.history(order.orderId)).map((h) => h.to).slice(2)).toEqual([
      'PARTIALLY_SHIPPED',
      'SHIPPED',
      'PARTIALLY_DELIVERED',
      'DELIVERED',
      'COMPLETED',
    ]);
    expect(t.eventTypes().filter((e) => /^Order(Partially|Shipped|Delivered|Completed)/.test(e))).toEqual([
      'OrderPartiallyShipped',
      'OrderShipped',
      'OrderPartiallyDelivered',
      'OrderDelivered',
      'OrderCompleted',
    ]);
    t.assertInventoryInvariants();
  });

  it('a rejection releases that location and re-sources the lines elsewhere', async () => {
    const t = setup({ TEE: { 'WH-A': 5, 'WH-B': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    const first = (await t.round(order.orderId, INITIAL)).shipments[0]!;
    expect(first.locationId).toBe('WH-A');
    await t.report(EAST, first.shipmentId, { type: 'rejected', eventId: 'rej-1', reason: 'damaged-stock' });
    expect(t.engine.signals.at(-1)).toMatchObject({
      kind: 'failure',
      detail: { error: 'ShipmentRejected' },
    });
    const failed = await t.steps.shipmentFailed({
      orderId: order.orderId,
      shipmentId: first.shipmentId,
      error: { Error: 'ShipmentRejected', Cause: 'damaged' },
    });
    expect(failed).toEqual({ outcome: 'failed', shipmentId: first.shipmentId, locationId: 'WH-A' });
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ reserved: 0 });

    const loop = await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [failed] });
    expect(loop).toMatchObject({
      next: 'resource',
      round: 2,
      resourceAttempts: 1,
      excludedLocationIds: ['WH-A'],
    });
    const second = (await t.round(order.orderId, loop)).shipments;
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ locationId: 'WH-B' });
    expect(second[0]!.shipmentId).not.toBe(first.shipmentId);
    expect(t.inventory.position('TEE', 'WH-B')).toMatchObject({ reserved: 2 });
    expect(t.eventTypes()).toContain('ShipmentRejected');
    t.assertInventoryInvariants();
  });

  it('a timeout is handled like a rejection (TIMED_OUT); after the attempts run out the lines are backordered', async () => {
    const t = setup({ TEE: { 'WH-A': 5, 'WH-B': 5 } }, { maxResourceAttempts: 0 });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    const first = (await t.round(order.orderId, INITIAL)).shipments[0]!;
    const failed = await t.steps.shipmentFailed({
      orderId: order.orderId,
      shipmentId: first.shipmentId,
      error: { Error: 'States.Timeout' },
    });
    expect((await t.shipments.get(first.shipmentId))?.status).toBe('TIMED_OUT');
    const loop = await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [failed] });
    const again = await t.round(order.orderId, loop);
    expect(again.shipments).toEqual([]);
    expect(again.backorderedUnits).toBe(1);
    expect((await t.orders.get(order.orderId))?.status).toBe('BACKORDERED');
    t.assertInventoryInvariants();
  });

  it('partial backorder: the rest ships, the deadline cancels and refunds the backordered units', async () => {
    const t = setup({ TEE: { 'WH-A': 5 }, MUG: { 'WH-A': 0 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'MUG', quantity: 2 },
    ]);
    const allocation = await t.round(order.orderId, INITIAL);
    expect(allocation.backorderedUnits).toBe(2);
    expect(allocation.shipments).toHaveLength(1);
    await t.ship(EAST, allocation.shipments[0]!.shipmentId);
    const loop = await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [] });
    expect(loop.next).toBe('backorder');
    await t.steps.awaitStock({ orderId: order.orderId, taskToken: 'stock-token' });
    expect(await t.shipments.listWaiters(order.orderId)).toMatchObject([
      { kind: 'backorder', skus: ['MUG'] },
    ]);

    expect(await t.steps.cancelBackorderedLines({ orderId: order.orderId, correlationId: 'c' })).toEqual({
      cancelledUnits: 2,
    });
    const refund = t.allEvents().find((e) => e.type === 'RefundRequested');
    expect(refund?.data).toMatchObject({ amount: 2000, reason: 'partial-cancellation' });
    expect(t.eventTypes()).toContain('OrderLinesCancelled');
    const settled = await t.steps.reconcile({ orderId: order.orderId, loop, results: [] });
    expect(settled.next).toBe('complete');
    await t.steps.complete({ orderId: order.orderId, correlationId: 'c' });
    const history = await t.orders.history(order.orderId);
    // The deadline cancelled the rest: what shipped is everything the order still wants.
    expect(history.map((h) => h.to).slice(-2)).toEqual(['PARTIALLY_SHIPPED', 'SHIPPED']);
    expect(history.at(-1)?.by).toEqual({ type: 'workflow', id: 'fulfilment' });
    for (const event of t.allEvents()) expect(() => parseEvent(event)).not.toThrow();
    t.assertInventoryInvariants();
  });

  it('orders tagged for review go ON_HOLD and wait with a stored token', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }], ['review']);
    expect(await t.steps.checkHold({ orderId: order.orderId, correlationId: 'c' })).toEqual({ onHold: true });
    expect((await t.orders.get(order.orderId))?.status).toBe('ON_HOLD');
    expect(t.eventTypes()).toContain('OrderOnHold');
    await t.steps.awaitRelease({ orderId: order.orderId, taskToken: 'hold-token' });
    expect(await t.shipments.listWaiters(order.orderId)).toMatchObject([{ kind: 'hold' }]);
  });

  it('ops release the hold: CREATED again, OrderReleasedFromHold, the hold token answered', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }], ['review']);
    await t.steps.checkHold({ orderId: order.orderId, correlationId: 'c' });
    expect(await t.steps.awaitRelease({ orderId: order.orderId, taskToken: 'hold-token' })).toEqual({
      waiting: true,
    });
    const ops: Caller = { channel: 'ops', admin: true, scopes: [] };
    await expect(
      t.releaseHold({ caller: WEB, orderId: order.orderId, body: {}, correlationId: 'c' }),
    ).rejects.toMatchObject({ kind: 'forbidden' });
    const { order: released } = await t.releaseHold({
      caller: ops,
      orderId: order.orderId,
      body: { note: 'checked by phone' },
      correlationId: 'c',
    });
    expect(released.status).toBe('CREATED');
    expect(t.eventTypes()).toContain('OrderReleasedFromHold');
    expect(t.engine.signals).toEqual([{ kind: 'success', token: 'hold-token', detail: { released: true } }]);
    expect((await t.round(order.orderId, INITIAL)).shipments).toHaveLength(1);
  });

  it('a release that lands before the hold token is stored is not lost: the step answers its own token', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }], ['review']);
    await t.steps.checkHold({ orderId: order.orderId, correlationId: 'c' });
    const ops: Caller = { channel: 'ops', admin: true, scopes: [] };
    await t.releaseHold({ caller: ops, orderId: order.orderId, body: {}, correlationId: 'c' });
    expect(t.engine.signals).toEqual([]);
    expect(await t.steps.awaitRelease({ orderId: order.orderId, taskToken: 'late-token' })).toEqual({
      waiting: false,
    });
    expect(t.engine.signals).toEqual([{ kind: 'success', token: 'late-token', detail: { released: true } }]);
  });

  it('backordered lines cancelled before the stock token is stored: the step answers its own token', async () => {
    const t = setup({ TEE: { 'WH-A': 5 }, MUG: { 'WH-A': 0 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'MUG', quantity: 2 },
    ]);
    await t.round(order.orderId, INITIAL);
    expect((await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [] })).next).toBe(
      'backorder',
    );
    await t.steps.cancelBackorderedLines({ orderId: order.orderId, correlationId: 'c' });
    expect(await t.steps.awaitStock({ orderId: order.orderId, taskToken: 'late-stock' })).toEqual({
      waiting: false,
    });
    expect(t.engine.signals).toEqual([
      { kind: 'success', token: 'late-stock', detail: { wokenBy: 'cancellation' } },
    ]);
    expect(await t.shipments.listWaiters(order.orderId)).toEqual([]);
  });

  it('an order cancelled before the stock token is stored: the wait ends in OrderCancelled, off the waitlist', async () => {
    const t = setup({ MUG: { 'WH-A': 0 } });
    const order = t.placeOrder([{ sku: 'MUG', quantity: 2 }]);
    await t.round(order.orderId, INITIAL);
    await t.cancelOrder({
      caller: WEB,
      orderId: order.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'c',
    });
    // The step read the order just before the cancellation landed.
    const get = t.orders.get.bind(t.orders);
    let reads = 0;
    t.orders.get = async (id: string) => {
      const o = await get(id);
      return reads++ === 0 && o ? { ...o, status: 'BACKORDERED' } : o;
    };
    await expect(
      t.steps.awaitStock({ orderId: order.orderId, taskToken: 'late-stock' }),
    ).rejects.toMatchObject({
      name: 'OrderCancelled',
    });
    expect(await t.shipments.listBackorderWaiters('MUG', 10)).toEqual([]);
  });

  it('compensation leaves the order resumable: status, reservations and live shipments kept, an explicit fulfilmentFailure marker and a history entry for ops; a retry changes nothing twice', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 3 }]);
    await t.round(order.orderId, INITIAL);
    const failure = { orderId: order.orderId, error: { Error: 'Boom', Cause: 'a bug' } };
    expect(await t.steps.compensate(failure)).toEqual({ released: 0, held: 3, status: 'RELEASED' });
    // The stock the order claims stays reserved for it: no ALLOCATED/RELEASED order without its stock.
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 3 });
    const stored = (await t.orders.get(order.orderId))!;
    expect(stored.status).toBe('RELEASED');
    expect(stored.fulfilmentFailure).toMatchObject({ error: 'Boom', cause: 'a bug' });
    const history = await t.orders.history(order.orderId);
    const last = history.at(-1);
    expect(last).toMatchObject({ from: 'RELEASED', to: 'RELEASED', by: { type: 'workflow' } });
    expect(last?.reason).toMatch(
      /fulfilment failed: Boom: a bug.*3 unit\(s\) reserved.*re-drive the execution, or cancel/,
    );
    // The shipment is still with its location, which may still ship it.
    expect([...t.shipments.shipments.values()].map((s) => s.status)).toEqual(['REQUESTED']);
    t.assertInventoryInvariants();

    // A retried compensation writes nothing twice.
    expect(await t.steps.compensate(failure)).toEqual({ released: 0, held: 3, status: 'RELEASED' });
    expect(await t.orders.history(order.orderId)).toHaveLength(history.length);

    // Fulfilment goes on (a re-driven execution reconciles): the marker is cleared.
    await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [] });
    expect((await t.orders.get(order.orderId))!.fulfilmentFailure).toBeUndefined();
  });

  it('every step raises OrderCancelled once the order is cancelled', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    await t.cancelOrder({
      caller: WEB,
      orderId: order.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'c',
    });
    await expect(
      t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL }),
    ).rejects.toMatchObject({
      name: 'OrderCancelled',
    });
    expect((await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL })).next).toBe('cancelled');
  });
});

describe('catalog events the release and drop-ship flows publish (issue 13.2)', () => {
  it("OrderReleased: once per round, with the release that makes the order RELEASED, listing the round's shipments and purchase orders", async () => {
    const t = setup({ TEE: { 'WH-A': 1, 'WH-B': 1 }, DESK: { 'VEN-1': 2 } }, { vendors: ['VEN-1'] });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 2 },
      { sku: 'DESK', quantity: 1 },
    ]);
    const allocation = await t.round(order.orderId, INITIAL);
    expect(allocation.shipments).toHaveLength(3);
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');
    const released = t.allEvents().filter((e) => e.type === 'OrderReleased');
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({ orderId: order.orderId, channel: 'web' });
    expect(() => parseEvent(released[0])).not.toThrow();
    const data = released[0]!.data as {
      shipments: { shipmentId: string; locationId: string; kind: string; lines: unknown[] }[];
      dropShips: { purchaseOrderId: string; vendorId: string; lines: unknown[] }[];
    };
    const own = allocation.shipments.filter((s) => s.kind !== 'drop-ship');
    const po = allocation.shipments.find((s) => s.kind === 'drop-ship')!;
    expect(data.shipments.map((s) => s.shipmentId).sort()).toEqual(own.map((s) => s.shipmentId).sort());
    expect(data.shipments.map((s) => [s.locationId, s.kind]).sort()).toEqual([
      ['WH-A', 'ship'],
      ['WH-B', 'ship'],
    ]);
    expect(data.dropShips).toEqual([
      {
        purchaseOrderId: po.shipmentId,
        vendorId: 'VEN-1',
        lines: [{ lineId: '2', sku: 'DESK', quantity: 1 }],
      },
    ]);
    // The history entry of the release names the event.
    const history = await t.orders.history(order.orderId);
    expect(history.find((h) => h.to === 'RELEASED')?.eventId).toBe(released[0]!.eventId);
  });

  it('a drop-ship vendor accepting its purchase order publishes DropShipAcknowledged (not ShipmentAccepted); a repeat publishes nothing', async () => {
    const VENDOR: Caller = {
      channel: 'partner-vendor',
      admin: false,
      scopes: ['fulfillment'],
      locationIds: ['VEN-1'],
    };
    const t = setup({ DESK: { 'VEN-1': 2 } }, { vendors: ['VEN-1'] });
    const order = t.placeOrder([{ sku: 'DESK', quantity: 1 }]);
    const [po] = (await t.round(order.orderId, INITIAL)).shipments;
    expect(po).toMatchObject({ kind: 'drop-ship', locationId: 'VEN-1' });
    await t.report(VENDOR, po!.shipmentId, { type: 'accepted', eventId: 'ack-1' });
    await t.report(VENDOR, po!.shipmentId, { type: 'accepted', eventId: 'ack-1' });
    const acknowledged = t.allEvents().filter((e) => e.type === 'DropShipAcknowledged');
    expect(acknowledged).toHaveLength(1);
    expect(acknowledged[0]!.data).toEqual({
      purchaseOrderId: po!.shipmentId,
      orderId: order.orderId,
      vendorId: 'VEN-1',
    });
    expect(() => parseEvent(acknowledged[0])).not.toThrow();
    expect(t.eventTypes()).not.toContain('ShipmentAccepted');
    expect(t.engine.signals.map((s) => s.kind)).toEqual(['heartbeat', 'heartbeat']);
  });
});

describe('callback API (record-fulfillment-event)', () => {
  async function released() {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    const shipment = (await t.round(order.orderId, INITIAL)).shipments[0]!;
    return { t, order, shipment };
  }

  it("a partner may act only on its own locations' shipments (404 otherwise), and needs the scope (403)", async () => {
    const { t, shipment } = await released();
    await expect(t.ship(WEST, shipment.shipmentId)).rejects.toMatchObject({ kind: 'not-found' });
    await expect(t.ship(WEB, shipment.shipmentId)).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(t.ship(EAST, 'shp_unknown')).rejects.toMatchObject({ kind: 'not-found' });
    expect((await t.shipments.get(shipment.shipmentId))?.status).toBe('REQUESTED');
    expect(t.engine.signals).toEqual([]);
  });

  it('accepted sends a heartbeat; a repeat of the same eventId changes nothing', async () => {
    const { t, shipment } = await released();
    const first = await t.report(EAST, shipment.shipmentId, { type: 'accepted', eventId: 'acc-1' });
    expect(first).toMatchObject({ applied: true, shipment: { status: 'ACCEPTED' } });
    const again = await t.report(EAST, shipment.shipmentId, { type: 'accepted', eventId: 'acc-1' });
    expect(again.applied).toBe(false);
    expect(t.shipments.events.filter((e) => e.type === 'ShipmentAccepted')).toHaveLength(1);
    expect(t.engine.signals.map((s) => s.kind)).toEqual(['heartbeat', 'heartbeat']);
  });

  it('a repeated shipped report consumes the stock once', async () => {
    const { t, shipment } = await released();
    await t.ship(EAST, shipment.shipmentId, 'ship-1');
    await t.ship(EAST, shipment.shipmentId, 'ship-1');
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 4, reserved: 0 });
    expect(t.shipments.events.filter((e) => e.type === 'ShipmentShipped')).toHaveLength(1);
    t.assertInventoryInvariants();
  });

  it('refuses reports that do not fit the shipment (409) and bad bodies (400)', async () => {
    const { t, shipment } = await released();
    await expect(
      t.report(EAST, shipment.shipmentId, { type: 'delivered', eventId: 'd-1' }),
    ).rejects.toMatchObject({ kind: 'conflict' });
    await expect(
      t.report(EAST, shipment.shipmentId, { type: 'shipped', eventId: 's-1' }),
    ).rejects.toMatchObject({
      kind: 'validation',
    });
    await expect(t.report(EAST, shipment.shipmentId, { type: 'lost', eventId: 'x' })).rejects.toBeInstanceOf(
      DomainError,
    );
  });
});

describe('cancellation', () => {
  it('after release: shipments closed, the waiting task fails with OrderCancelled, reservations released', async () => {
    // TEE is released; MUG (none in stock) waits for stock.
    const t = setup({ TEE: { 'WH-A': 5 }, MUG: { 'WH-A': 0 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 2 },
      { sku: 'MUG', quantity: 1 },
    ]);
    const shipment = (await t.round(order.orderId, INITIAL)).shipments[0]!;
    expect(await t.steps.awaitStock({ orderId: order.orderId, taskToken: 'stock-token' })).toEqual({
      waiting: true,
    });
    await t.cancelFulfilment.assertCancellable(order.orderId);
    const { order: cancelled } = await t.cancelOrder({
      caller: WEB,
      orderId: order.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'c',
    });
    expect(cancelled.status).toBe('CANCELLED');
    expect(await t.cancelFulfilment.afterCancel(order, 'c')).toEqual({
      shipmentsCancelled: 1,
      tasksSignalled: 2,
    });
    expect((await t.shipments.get(shipment.shipmentId))?.status).toBe('CANCELLED');
    expect(t.engine.signals).toEqual([
      {
        kind: 'failure',
        token: `token-${shipment.shipmentId}`,
        detail: expect.objectContaining({ error: 'OrderCancelled' }),
      },
      { kind: 'failure', token: 'stock-token', detail: expect.objectContaining({ error: 'OrderCancelled' }) },
    ]);
    expect(await t.shipments.listBackorderWaiters('MUG', 10)).toEqual([]);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 0 });
    expect(t.eventTypes()).toContain('OrderCancelled');
    // The location hears about its own shipment (OrderCancelled names no location).
    const shipmentCancelled = t.allEvents().filter((e) => e.type === 'ShipmentCancelled');
    expect(shipmentCancelled.map((e) => e.data)).toEqual([
      {
        shipmentId: shipment.shipmentId,
        orderId: order.orderId,
        locationId: 'WH-A',
        kind: 'ship',
        lines: [{ lineId: '1', sku: 'TEE', quantity: 2 }],
        reason: 'order-cancelled',
      },
    ]);
    for (const e of shipmentCancelled) expect(() => parseEvent(e)).not.toThrow();
    // Repeating it closes nothing again and announces nothing again.
    await t.cancelFulfilment.afterCancel(order, 'c');
    expect(t.allEvents().filter((e) => e.type === 'ShipmentCancelled')).toHaveLength(1);
    // A late callback from the location is refused.
    await expect(t.ship(EAST, shipment.shipmentId)).rejects.toMatchObject({ kind: 'conflict' });
    t.assertInventoryInvariants();
  });

  it('a shipment that already shipped makes the order uncancellable (409)', async () => {
    const t = setup({ TEE: { 'WH-A': 5 }, MUG: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    const shipment = (await t.round(order.orderId, INITIAL)).shipments[0]!;
    await t.ship(EAST, shipment.shipmentId);
    await expect(t.cancelFulfilment.assertCancellable(order.orderId)).rejects.toMatchObject({
      kind: 'conflict',
    });
  });

  it('a request that races a cancellation closes its shipment and raises OrderCancelled', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    const allocation = await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    const planned = allocation.shipments[0]!;
    // Cancelled between the shipment write and the order update.
    const original = t.shipments.request.bind(t.shipments);
    t.shipments.request = async (shipment, events) => {
      const out = await original(shipment, events);
      await t.cancelOrder({
        caller: WEB,
        orderId: order.orderId,
        body: { reason: 'other' },
        correlationId: 'c',
      });
      return out;
    };
    await expect(
      t.steps.requestShipment({
        orderId: order.orderId,
        correlationId: 'c',
        round: 1,
        shipment: planned,
        taskToken: 'tk',
      }),
    ).rejects.toMatchObject({ name: 'OrderCancelled' });
    expect((await t.shipments.get(planned.shipmentId))?.status).toBe('CANCELLED');
    t.assertInventoryInvariants();
  });
});

describe('start-fulfilment', () => {
  it('names the execution by the order id; a duplicate OrderCreated starts nothing', async () => {
    const engine = new FakeWorkflowEngine();
    const start = makeStartFulfilment({ engine });
    const orderId = 'ord_01JD7W8Y3Q9T2M4N6P8R0S2V4X';
    expect(await start({ orderId, correlationId: 'c' })).toEqual({ orderId, outcome: 'started' });
    expect(await start({ orderId, correlationId: 'c' })).toEqual({ orderId, outcome: 'already-exists' });
    expect([...engine.started]).toEqual([orderId]);
  });
});

describe('escalation of a silent location (Escalate overdue shipment, Wait after escalation)', () => {
  const VENDOR: Caller = {
    channel: 'partner-vendor',
    admin: false,
    scopes: ['fulfillment'],
    locationIds: ['VEN-1'],
  };
  const GRACE = 43_200;

  async function silent(stock: Record<string, Record<string, number>>, sku = 'TEE') {
    const t = setup(stock, { vendors: ['VEN-1'] });
    const order = t.placeOrder([{ sku, quantity: 1 }]);
    const shipment = (await t.round(order.orderId, INITIAL)).shipments[0]!;
    // The heartbeat passed without a word from the location.
    t.clock.advance(86_400);
    const escalate = () =>
      t.steps.escalateShipment({
        orderId: order.orderId,
        correlationId: 'c',
        shipmentId: shipment.shipmentId,
        graceSeconds: GRACE,
      });
    const awaitEscalated = (taskToken = 'escalated-token') =>
      t.steps.awaitEscalatedShipment({ orderId: order.orderId, shipmentId: shipment.shipmentId, taskToken });
    return { t, order, shipment, escalate, awaitEscalated };
  }

  it('records the escalation and ShipmentOverdue in one write, status unchanged; a retry changes nothing', async () => {
    const { t, order, shipment, escalate } = await silent({ TEE: { 'WH-A': 5 } });
    const before = await t.shipments.get(shipment.shipmentId);
    const result = await escalate();
    const escalatedAt = t.clock.now().toISOString();
    const nextDeadline = new Date(t.clock.now().getTime() + GRACE * 1000).toISOString();
    expect(result).toEqual({ escalated: true, escalatedAt, nextDeadline });
    const stored = await t.shipments.get(shipment.shipmentId);
    expect(stored).toMatchObject({
      status: 'REQUESTED',
      escalatedAt,
      taskToken: `token-${shipment.shipmentId}`,
      version: before!.version + 1,
    });
    const overdue = t.shipments.events.filter((e) => e.type === 'ShipmentOverdue');
    expect(overdue).toHaveLength(1);
    expect(() => parseEvent(overdue[0])).not.toThrow();
    expect(overdue[0]).toMatchObject({ orderId: order.orderId, channel: 'web' });
    expect(overdue[0]!.data).toEqual({
      shipmentId: shipment.shipmentId,
      orderId: order.orderId,
      locationId: 'WH-A',
      kind: 'ship',
      lines: [{ lineId: '1', sku: 'TEE', quantity: 1 }],
      requestedAt: before!.requestedAt,
      escalatedAt,
      nextDeadline,
    });
    // A retried step (the first attempt wrote, then crashed) escalates nothing twice.
    t.clock.advance(60);
    expect(await escalate()).toEqual({ escalated: true, escalatedAt, nextDeadline });
    expect(t.shipments.events.filter((e) => e.type === 'ShipmentOverdue')).toHaveLength(1);
  });

  it('drop-ship: the vendor answers during the grace on the new token and the order completes without reroute', async () => {
    const { t, order, shipment, escalate, awaitEscalated } = await silent({ DESK: { 'VEN-1': 3 } }, 'DESK');
    expect(shipment).toMatchObject({ kind: 'drop-ship', locationId: 'VEN-1' });
    expect(shipment.shipmentId).toMatch(/^po_/);
    await escalate();
    expect(t.shipments.events.find((e) => e.type === 'ShipmentOverdue')?.data).toMatchObject({
      shipmentId: shipment.shipmentId,
      purchaseOrderId: shipment.shipmentId,
      kind: 'drop-ship',
      locationId: 'VEN-1',
    });
    expect(await awaitEscalated()).toEqual({ waiting: true });
    expect((await t.shipments.get(shipment.shipmentId))?.taskToken).toBe('escalated-token');
    // The partner callback reads the token from the shipment: accepted → heartbeat, shipped → success.
    await t.report(VENDOR, shipment.shipmentId, { type: 'accepted', eventId: 'po-acc' });
    await t.ship(VENDOR, shipment.shipmentId);
    expect(t.engine.signals).toEqual([
      { kind: 'heartbeat', token: 'escalated-token' },
      { kind: 'success', token: 'escalated-token', detail: expect.objectContaining({ status: 'SHIPPED' }) },
    ]);
    const loop = await t.steps.reconcile({
      orderId: order.orderId,
      loop: INITIAL,
      results: [{ outcome: 'shipped', shipmentId: shipment.shipmentId, locationId: 'VEN-1' }],
    });
    expect(loop.next).toBe('complete');
    await t.steps.complete({ orderId: order.orderId, correlationId: 'c' });
    expect((await t.orders.get(order.orderId))?.status).toBe('SHIPPED');
    expect(t.eventTypes().filter((e) => e === 'DropShipRequested')).toHaveLength(1);
    for (const event of t.allEvents()) expect(() => parseEvent(event)).not.toThrow();
    t.assertInventoryInvariants();
  });

  it('no answer within the grace: TIMED_OUT, the vendor reservation released and the line rerouted to own stock', async () => {
    const { t, order, shipment, escalate, awaitEscalated } = await silent(
      { DESK: { 'VEN-1': 3, 'WH-B': 2 } },
      'DESK',
    );
    // The vendor was preferred over own stock in the first round.
    expect(shipment.locationId).toBe('VEN-1');
    await escalate();
    await awaitEscalated();
    t.clock.advance(GRACE);
    const failed = await t.steps.shipmentFailed({
      orderId: order.orderId,
      shipmentId: shipment.shipmentId,
      error: { Error: 'States.Timeout' },
    });
    expect(failed).toEqual({ outcome: 'failed', shipmentId: shipment.shipmentId, locationId: 'VEN-1' });
    const closed = await t.shipments.get(shipment.shipmentId);
    expect(closed).toMatchObject({ status: 'TIMED_OUT', escalatedAt: expect.any(String) });
    expect(closed).not.toHaveProperty('taskToken');
    expect(t.inventory.position('DESK', 'VEN-1')).toMatchObject({ reserved: 0 });
    const loop = await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [failed] });
    expect(loop).toMatchObject({ next: 'resource', excludedLocationIds: ['VEN-1'] });
    const rerouted = (await t.round(order.orderId, loop)).shipments;
    expect(rerouted).toMatchObject([{ locationId: 'WH-B', kind: 'ship' }]);
    // The late vendor is refused.
    await expect(t.ship(VENDOR, shipment.shipmentId)).rejects.toMatchObject({ kind: 'conflict' });
    t.assertInventoryInvariants();
  });

  it('a report that landed before the new token was stored: shipped answers the token, rejected fails it', async () => {
    const shippedMeanwhile = await silent({ TEE: { 'WH-A': 5 } });
    await shippedMeanwhile.escalate();
    // Shipped between the escalation and the wait: the success went to the first wait's dead token.
    await shippedMeanwhile.t.ship(EAST, shippedMeanwhile.shipment.shipmentId);
    expect(await shippedMeanwhile.awaitEscalated('late-token')).toEqual({ waiting: false });
    expect(shippedMeanwhile.t.engine.signals.at(-1)).toMatchObject({
      kind: 'success',
      token: 'late-token',
      detail: { status: 'SHIPPED' },
    });

    const rejectedMeanwhile = await silent({ TEE: { 'WH-A': 5 } });
    await rejectedMeanwhile.t.report(EAST, rejectedMeanwhile.shipment.shipmentId, {
      type: 'rejected',
      eventId: 'rej',
      reason: 'no-capacity',
    });
    // Not escalated: the location did answer.
    expect(await rejectedMeanwhile.escalate()).toEqual({ escalated: false });
    expect(rejectedMeanwhile.t.eventTypes()).not.toContain('ShipmentOverdue');
    await expect(rejectedMeanwhile.awaitEscalated()).rejects.toMatchObject({ name: 'ShipmentRejected' });
  });

  it('a cancelled order ends the escalation in OrderCancelled and its shipment is closed', async () => {
    const cancelledFirst = await silent({ TEE: { 'WH-A': 5 } });
    await cancelledFirst.t.cancelOrder({
      caller: WEB,
      orderId: cancelledFirst.order.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'c',
    });
    await cancelledFirst.t.cancelFulfilment.afterCancel(cancelledFirst.order, 'c');
    await expect(cancelledFirst.escalate()).rejects.toMatchObject({ name: 'OrderCancelled' });
    await expect(cancelledFirst.awaitEscalated()).rejects.toMatchObject({ name: 'OrderCancelled' });

    // Cancelled while the new token is being stored: the cancellation signalled the old token, and
    // its shipment write lost to ours; the step sees the order cancelled and closes the shipment.
    const racing = await silent({ TEE: { 'WH-A': 5 } });
    await racing.escalate();
    const original = racing.t.shipments.update.bind(racing.t.shipments);
    let raced = false;
    racing.t.shipments.update = async (shipment, expected, events) => {
      const out = await original(shipment, expected, events);
      if (!raced && shipment.taskToken === 'escalated-token') {
        raced = true;
        await racing.t.cancelOrder({
          caller: WEB,
          orderId: racing.order.orderId,
          body: { reason: 'customer-request' },
          correlationId: 'c',
        });
      }
      return out;
    };
    await expect(racing.awaitEscalated()).rejects.toMatchObject({ name: 'OrderCancelled' });
    expect((await racing.t.shipments.get(racing.shipment.shipmentId))?.status).toBe('CANCELLED');
    racing.t.assertInventoryInvariants();
  });
});
