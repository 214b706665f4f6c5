import { makeAllocateOrder } from '../../shared/usecases/allocate-order.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { recordAllocation } from '../commons/order-metrics.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, readJsonBody } from '../http/request.ts';

const allocateOrder = makeAllocateOrder({ orders, inventory, locations, clock, ids });

/** POST /orders/{orderId}/allocate: source and reserve an order's open lines (ops, and the fulfilment workflow). */
export const handler = apiHandler(async (event) => {
  const caller = callerFromEvent(event, channelKeys);
  const result = await allocateOrder({
    orderId: event.pathParameters?.orderId ?? '',
    body: readJsonBody(event, { optional: true }),
    correlationId: correlationIdOf(event),
    actor: { type: 'ops', id: caller.channel },
  });
  recordAllocation(metrics, result, clock.now());
  return json(200, {
    order: result.order,
    plan: result.plan,
    reservations: result.reservations,
    changed: result.changed,
  });
});
