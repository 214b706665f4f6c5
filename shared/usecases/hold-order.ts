import { z } from 'zod';
import { type Caller, requireScope } from '../domain/caller.ts';
import { conflict, notFound } from '../domain/errors.ts';
import { type Actor, type Order, OrderIdSchema } from '../domain/order.ts';
import { assertTransition, isHoldable } from '../domain/order-status.ts';
import type { ShipmentStatus } from '../domain/shipment.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
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

/** Shipments that came back without leaving (a hold can still stop the re-sourced rest). */
const BACK_FROM_LOCATION: readonly ShipmentStatus[] = ['REJECTED', 'TIMED_OUT', 'CANCELLED'];

/**
 * `POST /orders/{orderId}/hold` (ops): an order not yet released to a location (`CREATED`,
 * `ALLOCATED`, `PARTIALLY_ALLOCATED`, `BACKORDERED`: no shipment requested from a partner) goes
 * `ON_HOLD` (`OrderOnHold` with the status it was held from, the same hold as the one placed at
 * capture for tagged orders) and is not allocated or released until
 * `POST /orders/{orderId}/release-hold`, which restores that status. Its reservations stay. The
 * fulfilment workflow meets the hold at its hold check, at Allocate, or where it releases a shipment
 * (Request shipment), and waits for the release there; a held backordered order is not woken by
 * arriving stock. Holding an order already ON_HOLD changes nothing (`held: false`); an order with a
 * shipment out (RELEASED or later) is a 409 saying so.
 *
 * Against a release running at the same moment: creating a shipment bumps the order's version on
 * condition it is not ON_HOLD (the shipment repository's `request`), and the hold reads the
 * shipments after the order it writes on condition of that version. Either the hold sees the
 * shipment (409) or the shipment sees the hold (Request shipment raises OrderOnHold).
 */
export function makeHoldOrder(deps: {
  orders: OrderRepository;
  shipments: Pick<ShipmentRepository, 'listByOrder'>;
  clock: Clock;
  ids: IdGenerator;
}) {
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
    const order = await changeOrder(deps, input.orderId, async (current, now) => {
      if (current.status === 'ON_HOLD') return undefined;
      if (!isHoldable(current.status)) {
        throw conflict(
          current.status === 'CANCELLED' || current.status === 'COMPLETED'
            ? `Order ${current.orderId} is ${current.status}; there is nothing left to hold`
            : `Order ${current.orderId} is ${current.status}: a shipment was already released to a location, so it can no longer be held (a hold applies only before release: CREATED, ALLOCATED, PARTIALLY_ALLOCATED or BACKORDERED); cancel the order or its lines instead`,
          { orderStatus: current.status },
        );
      }
      const out = (await deps.shipments.listByOrder(current.orderId)).filter(
        (s) => !BACK_FROM_LOCATION.includes(s.status),
      );
      if (out.length > 0) {
        throw conflict(
          `Order ${current.orderId} is ${current.status} but shipment ${out.map((s) => `${s.shipmentId} (${s.status} at ${s.locationId})`).join(', ')} was already released to a location, so it can no longer be held; cancel the order or its lines instead`,
          { orderStatus: current.status, shipmentIds: out.map((s) => s.shipmentId) },
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
        order: {
          ...current,
          status: 'ON_HOLD',
          hold: {
            previousStatus: current.status,
            reason: request.reason,
            ...(request.note === undefined ? {} : { note: request.note }),
            at: now,
            by,
          },
        },
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
