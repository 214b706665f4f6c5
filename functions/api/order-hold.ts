import { makeHoldOrder } from '../../shared/usecases/hold-order.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, readJsonBody } from '../http/request.ts';
import { shipments } from '../workflow/commons.ts';

const holdOrder = makeHoldOrder({ orders, shipments, clock, ids });

/** POST /orders/{orderId}/hold: ops hold an order not yet released to a location; it waits for release-hold. */
export const handler = apiHandler(async (event) => {
  const { order } = await holdOrder({
    caller: callerFromEvent(event, channelKeys),
    orderId: event.pathParameters?.orderId ?? '',
    body: readJsonBody(event),
    correlationId: correlationIdOf(event),
  });
  return json(200, order);
});
