import { z } from 'zod';
import { type Caller, requireScope } from '../domain/caller.ts';
import { conflict, notFound } from '../domain/errors.ts';
import { type Actor, type Order, OrderIdSchema } from '../domain/order.ts';
import { assertTransition, type OrderStatus } from '../domain/order-status.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { orderEvent } from './fulfilment-events.ts';
import { changeOrder } from './fulfilment-order.ts';

export const ReleaseOrderHoldRequestSchema = z.strictObject({
  note: z.string().trim().min(1).max(1000).optional(),
});

/**
 * `POST /orders/{orderId}/release-hold` (ops): an order ON_HOLD resumes in the status it was held
 * from (`order.hold.previousStatus`: CREATED for a hold at capture or before sourcing, ALLOCATED,
 * PARTIALLY_ALLOCATED or BACKORDERED for one placed after allocation), `OrderReleasedFromHold`, and
 * the fulfilment execution waiting on its hold token goes on: it allocates again (its reservations
 * stayed), then releases. An execution that was waiting for backordered stock when the order was held
 * is woken now (the wake-ups skipped it while it was held), so stock that arrived meanwhile serves it.
 * Repeating it for a released order re-sends the signal and changes nothing else.
 */
export function makeReleaseOrderHold(deps: {
  orders: OrderRepository;
  shipments: ShipmentRepository;
  engine: WorkflowEngine;
  clock: Clock;
  ids: IdGenerator;
}) {
  return async function releaseOrderHold(input: {
    caller: Caller;
    orderId: string;
    body: unknown;
    correlationId: string;
  }): Promise<{ order: Order; released: boolean }> {
    requireScope(input.caller, 'admin');
    const request = parseOrThrow(ReleaseOrderHoldRequestSchema, input.body ?? {}, 'hold release');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const by: Actor = { type: 'ops', id: input.caller.channel };
    let released = false;
    let resumed: OrderStatus = 'CREATED';
    const order = await changeOrder(deps, input.orderId, (current, now) => {
      if (current.status !== 'ON_HOLD') {
        const wasReleased = current.status !== 'CANCELLED';
        if (wasReleased) return undefined;
        throw conflict(`Order ${current.orderId} is ${current.status}, not ON_HOLD`, {
          orderStatus: current.status,
        });
      }
      // Holds recorded before `hold` existed were placed on CREATED orders only.
      resumed = current.hold?.previousStatus ?? 'CREATED';
      assertTransition('ON_HOLD', resumed);
      released = true;
      const event = orderEvent(
        'OrderReleasedFromHold',
        { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId },
        current,
        {
          orderId: current.orderId,
          status: resumed,
          by,
          ...(request.note === undefined ? {} : { note: request.note }),
        },
      );
      return {
        order: {
          ...current,
          status: resumed,
          ...(current.hold ? { hold: { ...current.hold, releasedAt: now } } : {}),
        },
        history: [
          {
            from: 'ON_HOLD',
            to: resumed,
            by,
            reason: request.note ?? 'hold released',
            eventId: event.eventId,
          },
        ],
        events: [event],
      };
    });
    const waiters = await deps.shipments.listWaiters(order.orderId);
    const hold = waiters.find((w) => w.kind === 'hold');
    if (hold) await deps.engine.sendTaskSuccess(hold.taskToken, { released: true });
    // Held while waiting for stock: the wake-ups left it on the waitlist untouched; wake it now.
    const backorder = waiters.find((w) => w.kind === 'backorder');
    if (backorder && released) {
      await deps.engine.sendTaskSuccess(backorder.taskToken, { wokenBy: 'hold-release' });
    }
    return { order, released };
  };
}
