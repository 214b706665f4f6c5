import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import { WORKFLOW_ERRORS } from '../../shared/domain/shipment.ts';
import { OrderOnHoldDataSchema, parseEvent } from '../../shared/events/catalog.ts';
import { HOLD_REASONS, makeHoldOrder } from '../../shared/usecases/hold-order.ts';
import { fulfilmentUnit, INITIAL, WEB } from '../support/fulfilment-unit.ts';

const OPS: Caller = { channel: 'ops', admin: true, scopes: ['admin'] };

function setup() {
  const t = fulfilmentUnit({ TEE: { 'WH-A': 5 } });
  const hold = makeHoldOrder({ orders: t.orders, clock: t.clock, ids: t.ids });
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

  it('an order already sourced or released is a 409 naming its status, and nothing changes', async () => {
    const { t, order, holdOrder } = setup();
    await t.round(order.orderId, INITIAL);
    await expect(holdOrder({ reason: 'manual' })).rejects.toMatchObject({
      kind: 'conflict',
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
