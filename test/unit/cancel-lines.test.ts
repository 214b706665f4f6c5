import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain/errors.ts';
import { parseEvent } from '../../shared/events/catalog.ts';
import { EAST, fulfilmentUnit, INITIAL, WEB } from '../support/fulfilment-unit.ts';

/** Per-line cancellation (POST /orders/{id}/cancel with `lines`), at the use-case level. */

function setup(stock: Record<string, Record<string, number>>) {
  const t = fulfilmentUnit(stock);
  const cancel = (orderId: string, body: Record<string, unknown>, idempotencyKey?: string) =>
    t.cancelOrder({ caller: WEB, orderId, body, correlationId: 'c', idempotencyKey });
  const refused = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the cancellation to be refused');
      },
      (e: unknown) => {
        expect(e).toBeInstanceOf(DomainError);
        return e as DomainError;
      },
    );
  return {
    ...t,
    /** The first round as the state machine runs it. */
    round: (orderId: string) => t.round(orderId, INITIAL),
    cancel,
    refused,
    ship: (shipmentId: string) => t.ship(EAST, shipmentId, `ev-${shipmentId}`),
    eventsOf: (type: string) => t.orders.events.filter((e) => e.type === type),
  };
}

const customer = { reason: 'customer-request' };

describe('per-line cancellation: client errors write nothing', () => {
  it('an unknown lineId is a 400 naming lines[i].lineId', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    const error = await t.refused(t.cancel(order.orderId, { ...customer, lines: [{ lineId: '9' }] }));
    expect(error.kind).toBe('validation');
    expect(error.details.errors).toEqual([expect.objectContaining({ field: 'lines[0].lineId' })]);
    expect(await t.orders.get(order.orderId)).toEqual(order);
    expect(t.orders.events).toEqual([]);
  });

  it('a duplicated lineId is a 400 naming the duplicate', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    const error = await t.refused(
      t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1' }, { lineId: '1' }] }),
    );
    expect(error.kind).toBe('validation');
    expect(error.details.errors).toEqual([
      expect.objectContaining({ field: 'lines[1].lineId', message: 'duplicates lines[0].lineId' }),
    ]);
    expect(t.orders.events).toEqual([]);
  });

  it('unknown fields and bad quantities are 400s', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    for (const [lines, field] of [
      [[{ lineId: '1', qty: 1 }], 'lines[0].qty'],
      [[{ lineId: '1', quantity: 0 }], 'lines[0].quantity'],
      [[], 'lines'],
    ] as const) {
      const error = await t.refused(t.cancel(order.orderId, { ...customer, lines }, 'k'));
      expect(error.kind).toBe('validation');
      expect(error.details.errors).toEqual([expect.objectContaining({ field })]);
    }
    expect(t.orders.events).toEqual([]);
  });

  it('a quantity above the cancellable units is a 409 naming the field and how many are cancellable', async () => {
    const t = setup({});
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    const error = await t.refused(
      t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1', quantity: 3 }] }, 'k-1'),
    );
    expect(error.kind).toBe('conflict');
    expect(error.details.errors).toEqual([
      expect.objectContaining({
        field: 'lines[0].quantity',
        message: 'only 2 unit(s) of line 1 can be cancelled',
      }),
    ]);
    expect(t.orders.events).toEqual([]);
  });

  it('an explicit quantity requires an Idempotency-Key', async () => {
    const t = setup({});
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    const error = await t.refused(
      t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1', quantity: 1 }] }),
    );
    expect(error.kind).toBe('validation');
    expect(error.details.errors).toEqual([expect.objectContaining({ field: 'header:Idempotency-Key' })]);
    expect(t.orders.events).toEqual([]);
  });

  it('units released to a location are refused (409, naming location and shipment); nothing changes', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 2 }]);
    const [planned] = (await t.round(order.orderId)).shipments;
    const before = await t.orders.get(order.orderId);
    const eventsBefore = t.orders.events.length;
    for (const line of [{ lineId: '1' }, { lineId: '1', quantity: 1 }]) {
      const error = await t.refused(
        t.cancel(order.orderId, { ...customer, lines: [line] }, `k-${line.quantity}`),
      );
      expect(error.kind).toBe('conflict');
      const [fieldError] = error.details.errors ?? [];
      expect(fieldError?.field).toBe(line.quantity === undefined ? 'lines[0].lineId' : 'lines[0].quantity');
      expect(fieldError?.message).toContain(
        `2 unit(s) are released to location WH-A in shipment ${planned!.shipmentId}`,
      );
      expect(fieldError?.message).toContain('cancel the whole order instead');
    }
    expect(await t.orders.get(order.orderId)).toEqual(before);
    expect(t.orders.events).toHaveLength(eventsBefore);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 2 });
    expect((await t.shipments.get(planned!.shipmentId))?.status).toBe('REQUESTED');
  });
});

describe('per-line cancellation: effects', () => {
  it('cancels a backordered line while the other ships: OrderLinesCancelled + RefundRequested, then the order completes', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'POSTER', quantity: 2 },
    ]);
    const [planned] = (await t.round(order.orderId)).shipments;
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');

    const {
      order: after,
      cancelled,
      linesCancelled,
    } = await t.cancel(order.orderId, {
      ...customer,
      note: 'no longer needed',
      lines: [{ lineId: '2' }],
    });
    expect(cancelled).toBe(true);
    expect(linesCancelled).toEqual([{ lineId: '2', sku: 'POSTER', quantity: 2, amount: 2000 }]);
    expect(after.status).toBe('RELEASED');
    expect(after.lines[1]).toMatchObject({
      status: 'CANCELLED',
      quantities: { allocated: 0, backordered: 0, cancelled: 2 },
    });
    expect(after.lines[0]?.quantities.cancelled).toBe(0);
    const [linesEvent] = t.eventsOf('OrderLinesCancelled');
    expect(linesEvent?.data).toEqual({
      orderId: order.orderId,
      reason: 'customer-request',
      note: 'no longer needed',
      lines: [{ lineId: '2', sku: 'POSTER', quantity: 2 }],
      status: 'RELEASED',
    });
    const [refund] = t.eventsOf('RefundRequested');
    expect(refund?.data).toMatchObject({
      refundId: `rf_${linesEvent?.eventId}`,
      amount: 2000,
      currency: 'USD',
      reason: 'partial-cancellation',
    });
    for (const event of t.orders.events) expect(() => parseEvent(event)).not.toThrow();
    const history = await t.orders.history(order.orderId);
    expect(history.at(-1)).toMatchObject({
      from: 'RELEASED',
      to: 'RELEASED',
      by: { type: 'channel', id: 'web' },
      eventId: linesEvent?.eventId,
    });
    expect(history.at(-1)?.reason).toContain('customer-request: no longer needed');

    // The other line ships; the round settles without waiting for stock.
    expect((await t.ship(planned!.shipmentId)).applied).toBe(true);
    const next = await t.steps.reconcile({
      orderId: order.orderId,
      loop: INITIAL,
      results: [{ outcome: 'shipped', shipmentId: planned!.shipmentId, locationId: 'WH-A' }],
    });
    expect(next.next).toBe('complete');
    // Everything the order still wants shipped: SHIPPED straight from RELEASED.
    expect(await t.steps.complete({ orderId: order.orderId, correlationId: 'c' })).toEqual({
      status: 'SHIPPED',
    });
    expect((await t.orders.history(order.orderId)).map((h) => h.to).slice(-2)).toEqual([
      'RELEASED',
      'SHIPPED',
    ]);
    t.assertInventoryInvariants();
  });

  it("an execution waiting in 'Wait for stock' is woken once nothing is backordered", async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'POSTER', quantity: 2 },
    ]);
    const [planned] = (await t.round(order.orderId)).shipments;
    await t.ship(planned!.shipmentId);
    const loop = await t.steps.reconcile({
      orderId: order.orderId,
      loop: INITIAL,
      results: [{ outcome: 'shipped', shipmentId: planned!.shipmentId, locationId: 'WH-A' }],
    });
    expect(loop.next).toBe('backorder');
    await t.steps.awaitStock({ orderId: order.orderId, taskToken: 'stock-token' });
    expect(await t.shipments.listWaiters(order.orderId)).toHaveLength(1);

    await t.cancel(order.orderId, { ...customer, lines: [{ lineId: '2' }] });
    expect(t.engine.signals.filter((s) => s.token === 'stock-token')).toEqual([
      { kind: 'success', token: 'stock-token', detail: expect.anything() },
    ]);
    expect(await t.shipments.listWaiters(order.orderId)).toEqual([]);

    // What the execution does next: Allocate (nothing to do), Reconcile → complete.
    const allocation = await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop });
    expect(allocation.shipments).toEqual([]);
    expect((await t.steps.reconcile({ orderId: order.orderId, loop, results: [] })).next).toBe('complete');
    expect(await t.steps.complete({ orderId: order.orderId, correlationId: 'c' })).toEqual({
      status: 'SHIPPED',
    });
    expect((await t.orders.history(order.orderId)).map((h) => h.to).slice(-2)).toEqual([
      'PARTIALLY_SHIPPED',
      'SHIPPED',
    ]);
  });

  it('a partially cancelled backorder keeps the execution waiting', async () => {
    const t = setup({});
    const order = t.placeOrder([{ sku: 'POSTER', quantity: 3 }]);
    await t.round(order.orderId);
    await t.steps.awaitStock({ orderId: order.orderId, taskToken: 'stock-token' });
    const { order: after } = await t.cancel(
      order.orderId,
      { ...customer, lines: [{ lineId: '1', quantity: 2 }] },
      'k-partial',
    );
    expect(after.status).toBe('BACKORDERED');
    expect(after.lines[0]).toMatchObject({
      status: 'BACKORDERED',
      quantities: { backordered: 1, cancelled: 2 },
    });
    expect(t.engine.signals).toEqual([]);
    expect(await t.shipments.listWaiters(order.orderId)).toHaveLength(1);
  });

  it('PARTIALLY_ALLOCATED with its backordered line cancelled becomes ALLOCATED', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'POSTER', quantity: 2 },
    ]);
    await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    expect((await t.orders.get(order.orderId))?.status).toBe('PARTIALLY_ALLOCATED');
    const { order: after } = await t.cancel(order.orderId, { ...customer, lines: [{ lineId: '2' }] });
    expect(after.status).toBe('ALLOCATED');
    expect(t.eventsOf('OrderLinesCancelled')[0]?.data).toMatchObject({ status: 'ALLOCATED' });
    expect((await t.orders.history(order.orderId)).at(-1)).toMatchObject({
      from: 'PARTIALLY_ALLOCATED',
      to: 'ALLOCATED',
    });
  });

  it('after allocation, before release: the cancelled units are given back and never requested; a retry with the same key changes nothing', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 3 }]);
    const allocation = await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 3 });

    const body = { ...customer, lines: [{ lineId: '1', quantity: 1 }] };
    const first = await t.cancel(order.orderId, body, 'cancel-1');
    expect(first.cancelled).toBe(true);
    expect(first.order.lines[0]).toMatchObject({
      status: 'ALLOCATED',
      quantities: { allocated: 2, backordered: 0, cancelled: 1 },
    });
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 2 });
    expect([...t.inventory.reservations.values()]).toEqual([
      expect.objectContaining({ lineId: '1', quantity: 2, released: 1 }),
    ]);
    expect((await t.orders.history(order.orderId)).at(-1)?.request).toMatchObject({
      idempotencyKey: 'cancel-1',
    });

    // The retry (same key, same body) is answered from the history: nothing cancelled twice.
    const eventsBefore = t.orders.events.length;
    const retry = await t.cancel(order.orderId, body, 'cancel-1');
    expect(retry.cancelled).toBe(false);
    expect(retry.order.lines[0]?.quantities.cancelled).toBe(1);
    expect(t.orders.events).toHaveLength(eventsBefore);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ reserved: 2 });
    // The same key with another request is refused.
    const reused = await t.refused(
      t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1', quantity: 2 }] }, 'cancel-1'),
    );
    expect(reused.kind).toBe('idempotency-key-reused');
    // A new key is a new cancellation.
    const second = await t.cancel(order.orderId, body, 'cancel-2');
    expect(second.order.lines[0]?.quantities.cancelled).toBe(2);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ reserved: 1 });

    // The shipment Allocate planned (3 units) is requested without the cancelled units.
    const [planned] = allocation.shipments;
    expect(planned?.lines).toEqual([expect.objectContaining({ lineId: '1', quantity: 3 })]);
    await t.steps.requestShipment({
      orderId: order.orderId,
      correlationId: 'c',
      round: 1,
      shipment: planned!,
      taskToken: 'token-1',
    });
    expect((await t.shipments.get(planned!.shipmentId))?.lines).toEqual([
      expect.objectContaining({ lineId: '1', quantity: 1 }),
    ]);
    expect(t.shipments.events.find((e) => e.type === 'ShipmentRequested')?.data).toMatchObject({
      lines: [expect.objectContaining({ quantity: 1 })],
    });
    await t.ship(planned!.shipmentId);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 4, reserved: 0 });
    t.assertInventoryInvariants();
  });

  it('a planned shipment whose units were all cancelled is not requested: the step answers its own token', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 1 },
      { sku: 'MUG', quantity: 1 },
    ]);
    const allocation = await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    await t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1' }] });
    const [planned] = allocation.shipments;
    await t.steps.requestShipment({
      orderId: order.orderId,
      correlationId: 'c',
      round: 1,
      shipment: planned!,
      taskToken: 'token-skip',
    });
    expect(await t.shipments.listByOrder(order.orderId)).toEqual([]);
    expect(t.engine.signals).toEqual([{ kind: 'success', token: 'token-skip', detail: expect.anything() }]);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 0 });
  });

  it('cancelling every unit line by line is a whole-order cancellation (OrderCancelled, all stock back)', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 2 },
      { sku: 'POSTER', quantity: 1 },
    ]);
    await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    const { order: after } = await t.cancel(order.orderId, {
      reason: 'fraud-suspected',
      lines: [{ lineId: '1' }, { lineId: '2' }],
    });
    expect(after.status).toBe('CANCELLED');
    expect(after.cancellation).toMatchObject({
      reason: 'fraud-suspected',
      by: { type: 'channel', id: 'web' },
    });
    expect(t.eventsOf('OrderCancelled')).toHaveLength(1);
    expect(t.eventsOf('OrderLinesCancelled')).toEqual([]);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 0 });
    // The handler then closes the fulfilment side exactly as for a full cancel.
    expect(await t.cancelFulfilment.afterCancel(order, 'c')).toEqual({
      shipmentsCancelled: 0,
      tasksSignalled: 0,
    });
  });

  it('a CREATED order (not sourced yet): the line is cancelled, the rest is sourced later', async () => {
    const t = setup({ TEE: { 'WH-A': 5 }, MUG: { 'WH-A': 5 } });
    const order = t.placeOrder([
      { sku: 'TEE', quantity: 2 },
      { sku: 'MUG', quantity: 1 },
    ]);
    const { order: after } = await t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1' }] });
    expect(after.status).toBe('CREATED');
    expect(after.lines.map((l) => [l.status, l.quantities.cancelled])).toEqual([
      ['CANCELLED', 2],
      ['CREATED', 0],
    ]);
    // A repeat of "every cancellable unit" finds nothing left: 200, unchanged.
    const again = await t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1' }] });
    expect(again.cancelled).toBe(false);
    expect(t.eventsOf('OrderLinesCancelled')).toHaveLength(1);
    const allocation = await t.round(order.orderId);
    expect(allocation.shipments.flatMap((s) => s.lines.map((l) => l.sku))).toEqual(['MUG']);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ reserved: 0 });
  });

  it('an order that already shipped everything it will ship can no longer be cancelled per line', async () => {
    const t = setup({ TEE: { 'WH-A': 5 } });
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    const [planned] = (await t.round(order.orderId)).shipments;
    await t.ship(planned!.shipmentId);
    await t.steps.reconcile({ orderId: order.orderId, loop: INITIAL, results: [] });
    await t.steps.complete({ orderId: order.orderId, correlationId: 'c' });
    const error = await t.refused(t.cancel(order.orderId, { ...customer, lines: [{ lineId: '1' }] }));
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('SHIPPED');
  });
});
