import { z } from 'zod';
import { type Caller, requireScope } from '../domain/caller.ts';
import { conflict, notFound } from '../domain/errors.ts';
import { type Actor, type Order, OrderIdSchema } from '../domain/order.ts';
import { assertTransition } from '../domain/order-status.ts';
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
 * `POST /orders/{orderId}/release-hold` (ops): an order ON_HOLD for review resumes (`CREATED`,
 * `OrderReleasedFromHold`) and the fulfilment execution waiting on its hold token goes on to allocate.
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
    const order = await changeOrder(deps, input.orderId, (current, now) => {
      if (current.status !== 'ON_HOLD') {
        const wasReleased = current.status !== 'CANCELLED';
        if (wasReleased) return undefined;
        throw conflict(`Order ${current.orderId} is ${current.status}, not ON_HOLD`, {
          orderStatus: current.status,
        });
      }
      assertTransition('ON_HOLD', 'CREATED');
      released = true;
      const event = orderEvent(
        'OrderReleasedFromHold',
        { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId },
        current,
        {
          orderId: current.orderId,
          status: 'CREATED',
          by,
          ...(request.note === undefined ? {} : { note: request.note }),
        },
      );
      return {
        order: { ...current, status: 'CREATED' },
        history: [
          {
            from: 'ON_HOLD',
            to: 'CREATED',
            by,
            reason: request.note ?? 'hold released',
            eventId: event.eventId,
          },
        ],
        events: [event],
      };
    });
    const waiter = (await deps.shipments.listWaiters(order.orderId)).find((w) => w.kind === 'hold');
    if (waiter) await deps.engine.sendTaskSuccess(waiter.taskToken, { released: true });
    return { order, released };
  };
}
