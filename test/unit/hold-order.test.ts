import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import {
  canTransition,
  HOLDABLE_STATUSES,
  isHoldable,
  ORDER_STATUSES,
} from '../../shared/domain/order-status.ts';
import { WORKFLOW_ERRORS } from '../../shared/domain/shipment.ts';
import { OrderOnHoldDataSchema, parseEvent } from '../../shared/events/catalog.ts';
import { HOLD_REASONS, makeHoldOrder } from '../../shared/usecases/hold-order.ts';
import { makeWakeBackorders } from '../../shared/usecases/wake-backorders.ts';
import { fulfilmentUnit, INITIAL, WEB } from '../support/fulfilment-unit.ts';

const OPS: Caller = { channel: 'ops', admin: true, scopes: ['admin'] };

function setup(stock: Record<string, Record<string, number>> = { TEE: { 'WH-A': 5 } }) {
  const t = fulfilmentUnit(stock);
  const hold = makeHoldOrder({ orders: t.orders, shipments: t.shipments, clock: t.clock, ids: t.ids });
  const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
  const holdOrder = (body: unknown, caller: Caller = OPS, orderId = order.orderId) =>
    hold({ caller, orderId, body, correlationId: 'c' });
  return { t, order, holdOrder };
}

describe('POST /orders/{orderId}/hold (issue 13.6)', () => {
  it.each(HOLD_REASONS)('reason %s is an OrderOnHold reason code', (reason) => {
    expect(OrderOnHoldDataSchema.shape.reason.safeParse(reason).success).toBe(true);
  });

  it('ops hold an order not yet sourced: ON_HOLD, OrderOnHold with the reason and who; a repeat changes nothing', async () => {
    const { t, order, holdOrder } = setup();
    const first = await holdOrder({ reason: 'payment-review', note: 'PSP flagged the card' });
    expect(first).toMatchObject({ held: true, order: { status: 'ON_HOLD' } });
    const events = t.orders.events.filter((e) => e.type === 'OrderOnHold');
    expect(events).toHaveLength(1);
    expect(() => parseEvent(events[0])).not.toThrow();
    expect(events[0]!.data).toEqual({
      orderId: order.orderId,
      reason: 'payment-review',
      note: 'PSP flagged the card',
      previousStatus: 'CREATED',
      by: { type: 'ops', id: 'ops' },
    });
    const history = await t.orders.history(order.orderId);
    expect(history.at(-1)).toMatchObject({ from: 'CREATED', to: 'ON_HOLD', eventId: events[0]!.eventId });

    const again = await holdOrder({ reason: 'manual' });
    expect(again).toMatchObject({ held: false, order: { status: 'ON_HOLD' } });
    expect(t.orders.events.filter((e) => e.type === 'OrderOnHold')).toHaveLength(1);
  });

  it('the workflow meets the hold at Allocate when it already passed its hold check, waits, and goes on after release-hold', async () => {
    const { t, order, holdOrder } = setup();
    expect(await t.steps.checkHold({ orderId: order.orderId, correlationId: 'c' })).toEqual({
      onHold: false,
    });
    await holdOrder({ reason: 'fraud-review' });
    await expect(
      t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL }),
    ).rejects.toMatchObject({ name: WORKFLOW_ERRORS.orderOnHold });
    // Nothing was reserved for the held order.
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ onHand: 5, reserved: 0 });
    expect(await t.steps.awaitRelease({ orderId: order.orderId, taskToken: 'hold-token' })).toEqual({
      waiting: true,
    });
    await t.releaseHold({ caller: OPS, orderId: order.orderId, body: {}, correlationId: 'c' });
    expect(t.engine.signals).toEqual([{ kind: 'success', token: 'hold-token', detail: { released: true } }]);
    const allocation = await t.round(order.orderId, INITIAL);
    expect(allocation.shipments).toHaveLength(1);
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');
  });

  it('the state model: an order can be held until it is released, and goes back to the status it was held from', () => {
    for (const from of HOLDABLE_STATUSES) {
      expect(canTransition(from, 'ON_HOLD')).toBe(true);
      expect(canTransition('ON_HOLD', from)).toBe(true);
    }
    expect(canTransition('ON_HOLD', 'CANCELLED')).toBe(true);
    for (const from of ORDER_STATUSES.filter((s) => !isHoldable(s) && s !== 'ON_HOLD'))
      expect(canTransition(from, 'ON_HOLD'), from).toBe(false);
    expect(canTransition('ON_HOLD', 'RELEASED')).toBe(false);
  });

  it('an allocated order not yet released is held (ALLOCATED recorded); Request shipment releases nothing while held; release-hold restores ALLOCATED and the next round releases', async () => {
    const { t, order, holdOrder } = setup();
    const allocation = await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    expect(allocation).toMatchObject({ status: 'ALLOCATED', shipments: [{ locationId: 'WH-A' }] });
    const held = await holdOrder({ reason: 'address-verification', note: 'courier flagged the address' });
    expect(held).toMatchObject({
      held: true,
      order: {
        status: 'ON_HOLD',
        hold: { previousStatus: 'ALLOCATED', reason: 'address-verification', by: { type: 'ops' } },
      },
    });
    const onHold = t.orders.events.find((e) => e.type === 'OrderOnHold');
    expect(onHold?.data).toMatchObject({ previousStatus: 'ALLOCATED' });
    expect(() => parseEvent(onHold)).not.toThrow();
    // The Map's Request shipment meets the hold: OrderOnHold, no shipment, no ShipmentRequested.
    await expect(
      t.steps.requestShipment({
        orderId: order.orderId,
        correlationId: 'c',
        round: 1,
        shipment: allocation.shipments[0]!,
        roundShipments: allocation.shipments,
        taskToken: 'ship-token',
      }),
    ).rejects.toMatchObject({ name: WORKFLOW_ERRORS.orderOnHold });
    expect(await t.shipments.listByOrder(order.orderId)).toEqual([]);
    expect(t.eventTypes()).not.toContain('ShipmentRequested');
    // The reservation stays with the held order.
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ reserved: 1 });

    await t.steps.awaitRelease({ orderId: order.orderId, taskToken: 'hold-token' });
    const { order: resumed } = await t.releaseHold({
      caller: OPS,
      orderId: order.orderId,
      body: {},
      correlationId: 'c',
    });
    expect(resumed.status).toBe('ALLOCATED');
    expect(resumed.hold).toMatchObject({ previousStatus: 'ALLOCATED', releasedAt: expect.any(String) });
    const released = t.orders.events.find((e) => e.type === 'OrderReleasedFromHold');
    expect(released?.data).toMatchObject({ status: 'ALLOCATED' });
    expect(() => parseEvent(released)).not.toThrow();
    expect((await t.orders.history(order.orderId)).slice(-2).map((h) => [h.from, h.to])).toEqual([
      ['ALLOCATED', 'ON_HOLD'],
      ['ON_HOLD', 'ALLOCATED'],
    ]);
    expect(t.engine.signals).toEqual([{ kind: 'success', token: 'hold-token', detail: { released: true } }]);
    // The run allocates again (nothing new to reserve) and releases.
    const again = await t.round(order.orderId, INITIAL);
    expect(again.shipments).toEqual(allocation.shipments);
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');
    expect(t.eventTypes().filter((e) => e === 'ShipmentRequested')).toHaveLength(1);
    expect(t.inventory.position('TEE', 'WH-A')).toMatchObject({ reserved: 1 });
    t.assertInventoryInvariants();
  });

  it('a backordered order is held (BACKORDERED recorded): arriving stock does not wake it; release-hold restores BACKORDERED and wakes it', async () => {
    const { t, order, holdOrder } = setup({ TEE: { 'WH-A': 0 } });
    const wake = makeWakeBackorders(t);
    expect(
      await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL }),
    ).toMatchObject({ status: 'BACKORDERED', shipments: [] });
    await t.steps.awaitStock({ orderId: order.orderId, taskToken: 'stock-token' });
    await holdOrder({ reason: 'payment-review' });
    expect((await t.orders.get(order.orderId))?.hold?.previousStatus).toBe('BACKORDERED');

    t.inventory.seed({ sku: 'TEE', locationId: 'WH-A', onHand: 3 });
    expect(await wake({ sku: 'TEE' })).toMatchObject({ woken: [], held: [order.orderId] });
    expect(t.engine.signals).toEqual([]);
    // It keeps its place on the waitlist.
    expect(await t.shipments.listBackorderWaiters('TEE', 10)).toMatchObject([{ orderId: order.orderId }]);

    const { order: resumed } = await t.releaseHold({
      caller: OPS,
      orderId: order.orderId,
      body: {},
      correlationId: 'c',
    });
    expect(resumed.status).toBe('BACKORDERED');
    expect(t.engine.signals).toEqual([
      { kind: 'success', token: 'stock-token', detail: { wokenBy: 'hold-release' } },
    ]);
    const allocation = await t.round(order.orderId, INITIAL);
    expect(allocation.shipments).toHaveLength(1);
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');
  });

  it('a shipment released while the hold was being decided wins: 409 naming the shipment, nothing held', async () => {
    const { t, order, holdOrder } = setup();
    const allocation = await t.steps.allocate({ orderId: order.orderId, correlationId: 'c', loop: INITIAL });
    // Request shipment wrote the shipment; its order write (RELEASED) has not landed yet.
    const planned = allocation.shipments[0]!;
    await t.shipments.request(
      {
        ...planned,
        orderId: order.orderId,
        status: 'REQUESTED',
        round: 1,
        taskToken: 'ship-token',
        processedEventIds: [],
        requestedAt: t.clock.now().toISOString(),
        updatedAt: t.clock.now().toISOString(),
        version: 1,
      },
      [],
    );
    await expect(holdOrder({ reason: 'manual' })).rejects.toMatchObject({
      kind: 'conflict',
      details: { orderStatus: 'ALLOCATED', shipmentIds: [planned.shipmentId] },
    });
    expect((await t.orders.get(order.orderId))?.status).toBe('ALLOCATED');
  });

  it('an order already released is a 409 saying a shipment is out, and nothing changes', async () => {
    const { t, order, holdOrder } = setup();
    await t.round(order.orderId, INITIAL);
    await expect(holdOrder({ reason: 'manual' })).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('a shipment was already released to a location'),
      details: { orderStatus: 'RELEASED' },
    });
    expect((await t.orders.get(order.orderId))?.status).toBe('RELEASED');
    expect(t.orders.events.filter((e) => e.type === 'OrderOnHold')).toHaveLength(0);
  });

  it('bad input is a 400 naming the field; a sales channel key is a 403; an unknown order is a 404', async () => {
    const { t, order, holdOrder } = setup();
    const names = (field: string) => ({
      kind: 'validation',
      details: { errors: expect.arrayContaining([expect.objectContaining({ field })]) },
    });
    await expect(holdOrder({})).rejects.toMatchObject(names('reason'));
    await expect(holdOrder({ reason: 'because' })).rejects.toMatchObject(names('reason'));
    await expect(holdOrder({ reason: 'manual', extra: 1 })).rejects.toMatchObject({ kind: 'validation' });
    await expect(holdOrder({ reason: 'manual' }, WEB)).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(
      holdOrder({ reason: 'manual' }, OPS, 'ord_01JD7W8Y3Q9T2M4N6P8R0S2V4X'),
    ).rejects.toMatchObject({
      kind: 'not-found',
    });
    expect((await t.orders.get(order.orderId))?.status).toBe('CREATED');
  });
});
