import { describe, expect, test } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import { DomainError } from '../../shared/domain/errors.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import type { OrderStatus } from '../../shared/domain/order-status.ts';
import { makeCancelOrder } from '../../shared/usecases/cancel-order.ts';
import { InMemoryOrderRepository, ManualClock, sequentialIds } from '../support/in-memory-inventory.ts';

const web: Caller = { channel: 'web', admin: false, scopes: ['orders'] };

function setup(status: OrderStatus) {
  const orders = new InMemoryOrderRepository();
  const ids = sequentialIds();
  const order: Order = {
    ...newOrder({
      orderId: ids.orderId(),
      channel: 'web',
      now: '2026-11-23T10:00:00.000Z',
      request: PlaceOrderRequestSchema.parse({
        customer: { customerId: 'c' },
        currency: 'EUR',
        lines: [{ sku: 'A', quantity: 2, unitPrice: 500 }],
        delivery: { method: 'pickup', locationId: 'store-1' },
      }),
    }),
    status,
  };
  orders.add(order);
  const released: string[] = [];
  const cancelOrder = makeCancelOrder({
    orders,
    clock: new ManualClock(),
    ids,
    releaseReservations: async ({ orderId }) => {
      released.push(orderId);
    },
  });
  return { orders, order, released, cancelOrder };
}

const body = { reason: 'customer-request' };

describe('cancel order', () => {
  test.each(['PARTIALLY_SHIPPED', 'SHIPPED', 'DELIVERED', 'COMPLETED'] as const)(
    'an order that is %s can no longer be cancelled: conflict, nothing changes, nothing released',
    async (status) => {
      const { orders, order, released, cancelOrder } = setup(status);
      const error = await cancelOrder({
        caller: web,
        orderId: order.orderId,
        body,
        correlationId: 'c',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).kind).toBe('conflict');
      expect((await orders.get(order.orderId))?.status).toBe(status);
      expect(orders.events).toHaveLength(0);
      expect(released).toEqual([]);
    },
  );

  test('cancelling records who, why and an OrderCancelled event, and releases reservations; a repeat only re-releases', async () => {
    const { orders, order, released, cancelOrder } = setup('RELEASED');
    const first = await cancelOrder({ caller: web, orderId: order.orderId, body, correlationId: 'c' });
    expect(first.cancelled).toBe(true);
    expect(first.order.cancellation).toMatchObject({
      reason: 'customer-request',
      by: { type: 'channel', id: 'web' },
    });
    expect(orders.events.map((e) => e.type)).toEqual(['OrderCancelled']);
    expect((await orders.history(order.orderId)).map((h) => [h.from, h.to])).toEqual([
      ['RELEASED', 'CANCELLED'],
    ]);
    const second = await cancelOrder({ caller: web, orderId: order.orderId, body, correlationId: 'c' });
    expect(second.cancelled).toBe(false);
    expect(orders.events).toHaveLength(1);
    expect(released).toEqual([order.orderId, order.orderId]);
  });

  test('a concurrent change is detected by version and the decision is taken again on fresh data', async () => {
    const { orders, order, cancelOrder } = setup('ALLOCATED');
    const realUpdate = orders.update.bind(orders);
    let raced = false;
    orders.update = async (command) => {
      if (!raced) {
        raced = true;
        // Someone else changes the order between our read and our write.
        const current = (await orders.get(order.orderId))!;
        await realUpdate({
          order: { ...current, status: 'RELEASED', version: current.version + 1 },
          expectedVersion: current.version,
          history: [],
          events: [],
        });
      }
      return realUpdate(command);
    };
    const result = await cancelOrder({ caller: web, orderId: order.orderId, body, correlationId: 'c' });
    expect(result.cancelled).toBe(true);
    const history = await orders.history(order.orderId);
    expect(history.at(-1)).toMatchObject({ from: 'RELEASED', to: 'CANCELLED' });
    expect((await orders.get(order.orderId))?.version).toBe(3);
  });

  test('another channel’s order reads as not found; an admin may cancel it', async () => {
    const { order, cancelOrder } = setup('CREATED');
    const other: Caller = { channel: 'marketplace', admin: false, scopes: ['orders'] };
    const error = await cancelOrder({
      caller: other,
      orderId: order.orderId,
      body,
      correlationId: 'c',
    }).catch((e: unknown) => e);
    expect((error as DomainError).kind).toBe('not-found');
    const ops: Caller = { channel: 'ops', admin: true, scopes: ['admin'] };
    const result = await cancelOrder({ caller: ops, orderId: order.orderId, body, correlationId: 'c' });
    expect(result.order.cancellation?.by).toEqual({ type: 'ops', id: 'ops' });
  });
});
