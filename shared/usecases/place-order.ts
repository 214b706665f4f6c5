import type { Caller } from '../domain/caller.ts';
import { conflict, DomainError, fieldErrorAt } from '../domain/errors.ts';
import { requireIdempotencyKey } from '../domain/idempotency-key.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { orderCreated } from '../events/order-events.ts';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';

export { IdempotencyKeySchema } from '../domain/idempotency-key.ts';

export interface PlaceOrderInput {
  caller: Caller;
  idempotencyKey: string | undefined;
  /** The request body as parsed JSON, not yet validated. */
  body: unknown;
  correlationId: string;
}

export interface PlaceOrderResult {
  order: Order;
  /** false when this was a replay of an earlier request with the same Idempotency-Key. */
  created: boolean;
}

/**
 * Captures an order exactly once per (channel, Idempotency-Key): the key is claimed in the same
 * DynamoDB transaction as the order and its OrderCreated outbox record, so concurrent retries of one
 * request all observe the same single order, and a key reused for a different request is refused.
 */
export function makePlaceOrder(deps: { orders: OrderRepository; clock: Clock; ids: IdGenerator }) {
  return async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
    const idempotencyKey = requireIdempotencyKey(
      input.idempotencyKey,
      'is required: send a unique key per order (e.g. a UUID) and reuse it on retries',
    );
    const request = parseOrThrow(PlaceOrderRequestSchema, input.body, 'order');
    const requestHash = sha256Hex(canonicalJson(request));
    const now = deps.clock.now().toISOString();
    const order = newOrder({ orderId: deps.ids.orderId(), channel: input.caller.channel, request, now });
    const event = orderCreated(
      { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId },
      order,
    );

    const result = await deps.orders.create({
      order,
      history: {
        at: now,
        from: null,
        to: 'CREATED',
        by: { type: 'channel', id: input.caller.channel },
        reason: 'order captured',
        eventId: event.eventId,
      },
      events: [event],
      idempotency: { key: idempotencyKey, requestHash },
    });

    switch (result.outcome) {
      case 'created':
        return { order, created: true };
      case 'idempotency-key-exists': {
        if (result.requestHash !== requestHash) {
          throw new DomainError(
            'idempotency-key-reused',
            'This Idempotency-Key was already used for a different order request',
            {
              orderId: result.orderId,
              errors: [fieldErrorAt([], 'differs from the first request sent with this key')],
            },
          );
        }
        const existing = await deps.orders.get(result.orderId);
        if (!existing) throw new Error(`idempotency record points at missing order ${result.orderId}`);
        return { order: existing, created: false };
      }
      case 'external-id-exists':
        throw conflict(`An order with externalId ${request.externalId} already exists for this channel`, {
          orderId: result.orderId,
          errors: [fieldErrorAt(['externalId'], `is already used by order ${result.orderId}`)],
        });
    }
  };
}
