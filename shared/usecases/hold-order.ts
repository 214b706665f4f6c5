import { z } from 'zod';
import { type Caller, requireScope } from '../domain/caller.ts';
import { conflict, notFound } from '../domain/errors.ts';
import { type Actor, type Order, OrderIdSchema } from '../domain/order.ts';
import { assertTransition, canTransition } from '../domain/order-status.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import { orderEvent } from './fulfilment-events.ts';
import { changeOrder } from './fulfilment-order.ts';

/** Why ops hold an order: OrderOnHold reason codes (its schema accepts each; a test checks it). */
export const HOLD_REASONS = [
  'fraud-review',
  'payment-review',
  'address-verification',
  'customer-request',
  'manual',
] as const;

export const HoldOrderRequestSchema = z.strictObject({
  reason: z.enum(HOLD_REASONS),
  note: z.string().trim().min(1).max(1000).optional(),
});
export type HoldOrderRequest = z.infer<typeof HoldOrderRequestSchema>;

/**
 * `POST /orders/{orderId}/hold` (ops): an order not yet sourced (`CREATED`) goes `ON_HOLD`
 * (`OrderOnHold`, the same hold as the one placed at capture for tagged orders) and is not allocated or
 * released until `POST /orders/{orderId}/release-hold`. The fulfilment workflow meets the hold at its
 * hold check, or, if it already passed it, at Allocate, which then waits for the release the same way.
 * Holding an order already ON_HOLD changes nothing (`held: false`); any other status is a 409 naming it.
 */
export function makeHoldOrder(deps: { orders: OrderRepository; clock: Clock; ids: IdGenerator }) {
  return async function holdOrder(input: {
    caller: Caller;
    orderId: string;
    body: unknown;
    correlationId: string;
  }): Promise<{ order: Order; held: boolean }> {
    requireScope(input.caller, 'admin');
    const request = parseOrThrow(HoldOrderRequestSchema, input.body ?? {}, 'order hold');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const by: Actor = { type: 'ops', id: input.caller.channel };
    let held = false;
    const order = await changeOrder(deps, input.orderId, (current, now) => {
      if (current.status === 'ON_HOLD') return undefined;
      if (!canTransition(current.status, 'ON_HOLD')) {
        throw conflict(
          `Order ${current.orderId} is ${current.status}; only an order not yet sourced (CREATED) can be put on hold`,
          { orderStatus: current.status },
        );
      }
      assertTransition(current.status, 'ON_HOLD');
      held = true;
      const event = orderEvent(
        'OrderOnHold',
        { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId },
        current,
        {
          orderId: current.orderId,
          reason: request.reason,
          ...(request.note === undefined ? {} : { note: request.note }),
          previousStatus: current.status,
          by,
        },
      );
      return {
        order: { ...current, status: 'ON_HOLD' },
        history: [
          {
            from: current.status,
            to: 'ON_HOLD',
            by,
            reason: request.note ?? `held: ${request.reason}`,
            eventId: event.eventId,
          },
        ],
        events: [event],
      };
    });
    return { order, held };
  };
}
