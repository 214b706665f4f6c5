import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeListOpenShipments } from '../../shared/usecases/list-shipments.ts';
import { channelKeys } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';
import { shipments } from '../workflow/commons.ts';

const listOpenShipments = makeListOpenShipments({ shipments });

/** GET /fulfillments?status=open&locationId=&limit=&cursor=: what a partner still has to ship. */
export const handler = apiHandler(async (event) => {
  const page = await listOpenShipments({
    caller: callerFromEvent(event, channelKeys),
    query: event.queryStringParameters ?? {},
  });
  metrics.addMetric('OpenShipmentListings', MetricUnit.Count, 1);
  return json(200, page);
});
