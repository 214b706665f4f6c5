import { z } from 'zod';
import { type Caller, canSeeChannel } from '../domain/caller.ts';
import { conflict, notFound } from '../domain/errors.ts';
import type { Order } from '../domain/order.ts';
import { OrderIdSchema } from '../domain/order.ts';
import { allowedTransitions, CANCELLABLE_STATUSES } from '../domain/order-status.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { orderCancelled } from '../events/order-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';

export const CANCEL_REASONS = [
  'customer-request',
  'fraud-suspected',
  'payment-failed',
  'out-of-stock',
  'duplicate-order',
  'address-undeliverable',
  'other',
] as const;

export const CancelOrderRequestSchema = z.strictObject({
  reason: z.enum(CANCEL_REASONS),
  note: z.string().trim().min(1).max(500).optional(),
});

const MAX_ATTEMPTS = 5;

/**
 * Cancels a whole order while nothing has shipped. Cancelling an already cancelled order returns it
 * unchanged (retries are safe). Concurrent changes are resolved by optimistic concurrency: re-read, re-check.
 */
export function makeCancelOrder(deps: {
  orders: OrderRepository;
  clock: Clock;
  ids: IdGenerator;
  /**
   * Gives the order's reserved stock back. Called after the cancellation is recorded, and again on
   * a repeated cancel, so a crash between the two steps heals on retry (releasing is idempotent).
   */
  releaseReservations?: (input: { orderId: string }) => Promise<unknown>;
}) {
  return async function cancelOrder(input: {
    caller: Caller;
    orderId: string;
    body: unknown;
    correlationId: string;
  }): Promise<{ order: Order; cancelled: boolean }> {
    const request = parseOrThrow(CancelOrderRequestSchema, input.body ?? {}, 'cancellation');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    for (let attempt = 1; ; attempt++) {
      const order = await deps.orders.get(input.orderId);
      if (!order || !canSeeChannel(input.caller, order.channel)) throw notFound('Order', input.orderId);
      if (order.status === 'CANCELLED') {
        await deps.releaseReservations?.({ orderId: order.orderId });
        return { order, cancelled: false };
      }
      if (!CANCELLABLE_STATUSES.includes(order.status)) {
        throw conflict(`Order ${order.orderId} is ${order.status} and can no longer be cancelled`, {
          status: order.status,
          allowedTransitions: allowedTransitions(order.status),
        });
      }
      const now = deps.clock.now().toISOString();
      const by = {
        type: input.caller.admin ? ('ops' as const) : ('channel' as const),
        id: input.caller.channel,
      };
      const reason = request.note ? `${request.reason}: ${request.note}` : request.reason;
      const updated: Order = {
        ...order,
        status: 'CANCELLED',
        lines: order.lines.map((line) => ({
          ...line,
          status: 'CANCELLED',
          quantities: { ...line.quantities, cancelled: line.quantity - line.quantities.shipped },
        })),
        cancellation: { reason, at: now, by },
        updatedAt: now,
        version: order.version + 1,
      };
      const event = orderCancelled(
        { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId },
        updated,
        order.status,
      );
      const outcome = await deps.orders.update({
        order: updated,
        expectedVersion: order.version,
        history: [{ at: now, from: order.status, to: 'CANCELLED', by, reason, eventId: event.eventId }],
        events: [event],
      });
      if (outcome === 'updated') {
        await deps.releaseReservations?.({ orderId: order.orderId });
        return { order: updated, cancelled: true };
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict(`Order ${order.orderId} is being changed concurrently; retry the cancellation`);
      }
    }
  };
}
