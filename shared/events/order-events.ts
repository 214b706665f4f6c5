import type { Order } from '../domain/order.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import { type CatalogEvent, EVENT_CATALOG } from './catalog.ts';

// The shapes come from the event catalog, the published contract, so a builder cannot drift from it.
export type OrderCreated = CatalogEvent<'OrderCreated'>;
export type OrderCancelled = CatalogEvent<'OrderCancelled'>;

interface EventBase {
  eventId: string;
  occurredAt: string;
  correlationId: string;
}

export function orderCreated(base: EventBase, order: Order): OrderCreated {
  return {
    ...base,
    type: 'OrderCreated',
    version: EVENT_CATALOG.OrderCreated.version,
    orderId: order.orderId,
    channel: order.channel,
    data: { order },
  };
}

export function orderCancelled(base: EventBase, order: Order, previousStatus: OrderStatus): OrderCancelled {
  return {
    ...base,
    type: 'OrderCancelled',
    version: EVENT_CATALOG.OrderCancelled.version,
    orderId: order.orderId,
    channel: order.channel,
    data: {
      orderId: order.orderId,
      reason: order.cancellation?.reason ?? '',
      previousStatus,
      lines: order.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity })),
    },
  };
}
