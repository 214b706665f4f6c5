import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeListOrderShipments } from '../../shared/usecases/list-shipments.ts';
import { channelKeys, orders } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';
import { shipments } from '../workflow/commons.ts';

const listOrderShipments = makeListOrderShipments({ orders, shipments });

/** GET /orders/{orderId}/shipments?limit=&cursor=: the order's shipments (a partner: only its own). */
export const handler = apiHandler(async (event) => {
  const page = await listOrderShipments({
    caller: callerFromEvent(event, channelKeys),
    orderId: event.pathParameters?.orderId ?? '',
    query: event.queryStringParameters ?? {},
  });
  metrics.addMetric('OrderShipmentListings', MetricUnit.Count, 1);
  return json(200, page);
});
