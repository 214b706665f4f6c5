import { z } from 'zod';
import { type Caller, requireScope } from '../domain/caller.ts';
import { notFound } from '../domain/errors.ts';
import { OrderIdSchema } from '../domain/order.ts';
import { EventEnvelopeSchema } from '../events/envelope.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { OrderEventLog } from '../ports/order-event-log.ts';
import type { OrderRepository } from '../ports/order-repository.ts';

export const OrderReservationViewSchema = z.object({
  lineId: z.string(),
  sku: z.string(),
  locationId: z.string(),
  quantity: z.number().int().describe('Units held for the line now'),
  consumed: z.number().int().describe('Units that shipped from this reservation'),
  released: z.number().int().describe('Units given back (cancellation, re-sourcing)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const OrderActivitySchema = z.object({
  orderId: z.string(),
  events: z.array(EventEnvelopeSchema).describe('Every event the order announced (its outbox), oldest first'),
  reservations: z.array(OrderReservationViewSchema),
});
export type OrderActivity = z.infer<typeof OrderActivitySchema>;

/**
 * `GET /ops/orders/{orderId}/events` (admin): what an order announced to the event bus and the stock
 * it holds, for the ops console. Reads only the order's own partition.
 */
export function makeGetOrderActivity(deps: {
  orders: Pick<OrderRepository, 'get'>;
  events: OrderEventLog;
  inventory: Pick<InventoryStore, 'listReservations'>;
}) {
  return async function getOrderActivity(input: { caller: Caller; orderId: string }): Promise<OrderActivity> {
    requireScope(input.caller, 'admin');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const order = await deps.orders.get(input.orderId);
    if (!order) throw notFound('Order', input.orderId);
    const [events, reservations] = await Promise.all([
      deps.events.eventsOf(input.orderId),
      deps.inventory.listReservations(input.orderId),
    ]);
    return {
      orderId: input.orderId,
      events: events.sort(
        (a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId),
      ),
      reservations: reservations.map((r) => ({
        lineId: r.lineId,
        sku: r.sku,
        locationId: r.locationId,
        quantity: r.quantity,
        consumed: r.consumed,
        released: r.released,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      })),
    };
  };
}

/** `GET /ops/state-machines/{name}`: a state machine with its Amazon States Language definition. */
export const StateMachineViewSchema = z.object({
  name: z.string(),
  stateMachineArn: z.string(),
  type: z.string(),
  definition: z.record(z.string(), z.unknown()).describe('The ASL document'),
});
