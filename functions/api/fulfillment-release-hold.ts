import { makeReleaseOrderHold } from '../../shared/usecases/release-order-hold.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, readJsonBody } from '../http/request.ts';
import { engine, shipments } from '../workflow/commons.ts';

const releaseOrderHold = makeReleaseOrderHold({ orders, shipments, engine, clock, ids });

/** POST /orders/{orderId}/release-hold: ops release an order held for review; its fulfilment resumes. */
export const handler = apiHandler(async (event) => {
  const { order } = await releaseOrderHold({
    caller: callerFromEvent(event, channelKeys),
    orderId: event.pathParameters?.orderId ?? '',
    body: readJsonBody(event, { optional: true }),
    correlationId: correlationIdOf(event),
  });
  return json(200, order);
});
