import { type Caller, canSeeChannel } from '../domain/caller.ts';
import { notFound } from '../domain/errors.ts';
import type { Order, StatusChange } from '../domain/order.ts';
import { OrderIdSchema } from '../domain/order.ts';
import type { OrderRepository } from '../ports/order-repository.ts';

export interface OrderView {
  order: Order;
  history: StatusChange[];
}

/** Reads one order with its status history. Another channel's order reads as not found. */
export function makeGetOrder(deps: { orders: OrderRepository }) {
  return async function getOrder(input: { caller: Caller; orderId: string }): Promise<OrderView> {
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const order = await deps.orders.get(input.orderId);
    if (!order || !canSeeChannel(input.caller, order.channel)) throw notFound('Order', input.orderId);
    return { order, history: await deps.orders.history(input.orderId) };
  };
}
