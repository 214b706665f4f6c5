import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeGetOrder } from '../../shared/usecases/get-order.ts';
import { channelKeys, orders } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const getOrder = makeGetOrder({ orders });

/** GET /orders/{orderId}: the order with its status history. */
export const handler = apiHandler(async (event) => {
  const view = await getOrder({
    caller: callerFromEvent(event, channelKeys),
    orderId: event.pathParameters?.orderId ?? '',
  });
  metrics.addMetric('OrderReads', MetricUnit.Count, 1);
  return json(200, { ...view.order, history: view.history });
});
