import { makePlaceOrder } from '../../shared/usecases/place-order.ts';
import { correlate, recordOrderCaptured } from '../commons/order-metrics.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { logger, metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, header, readJsonBody } from '../http/request.ts';

const placeOrder = makePlaceOrder({ orders, clock, ids });

/** POST /orders: capture an order, exactly once per Idempotency-Key. */
export const handler = apiHandler(async (event) => {
  const caller = callerFromEvent(event, channelKeys);
  const { order, created } = await placeOrder({
    caller,
    idempotencyKey: header(event, 'idempotency-key'),
    body: readJsonBody(event),
    correlationId: correlationIdOf(event),
  });
  correlate(logger, { orderId: order.orderId });
  recordOrderCaptured(metrics, order, created);
  return json(created ? 201 : 200, order, {
    Location: `/orders/${order.orderId}`,
    'Idempotent-Replayed': String(!created),
  });
});
