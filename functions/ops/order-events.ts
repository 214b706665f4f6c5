import { makeDynamoOrderEventLog } from '../../shared/adapters/aws/dynamo-order-event-log.ts';
import { makeGetOrderActivity } from '../../shared/usecases/get-order-activity.ts';
import { documents } from '../commons/clients.ts';
import { config } from '../commons/config.ts';
import { inventory } from '../commons/inventory.ts';
import { channelKeys, orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const getOrderActivity = makeGetOrderActivity({
  orders,
  events: makeDynamoOrderEventLog(documents, { tableName: config.tableName }),
  inventory,
});

/** GET /ops/orders/{orderId}/events: the events an order announced (outbox) and its reservations (admin). */
export const handler = apiHandler(async (event) =>
  json(
    200,
    await getOrderActivity({
      caller: callerFromEvent(event, channelKeys),
      orderId: event.pathParameters?.orderId ?? '',
    }),
  ),
);
