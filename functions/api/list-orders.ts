import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeListOrders } from '../../shared/usecases/list-orders.ts';
import { channelKeys, orders } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const listOrders = makeListOrders({ orders });

/** GET /orders?customerId=|status=|channel=&limit=&cursor=: newest first, cursor-paginated. */
export const handler = apiHandler(async (event) => {
  const page = await listOrders({
    caller: callerFromEvent(event, channelKeys),
    query: event.queryStringParameters ?? {},
  });
  metrics.addMetric('OrderListings', MetricUnit.Count, 1);
  return json(200, page);
});
