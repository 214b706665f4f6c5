import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { pickupHoldDays } from '../../shared/domain/pickup.ts';
import { makeRecordFulfillmentEvent } from '../../shared/usecases/record-fulfillment-event.ts';
import { inventory } from '../commons/inventory.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, readJsonBody } from '../http/request.ts';
import { engine, shipments } from '../workflow/commons.ts';

const recordFulfillmentEvent = makeRecordFulfillmentEvent({
  shipments,
  orders,
  inventory,
  engine,
  clock,
  ids,
  pickupHoldDays: pickupHoldDays(process.env.PICKUP_HOLD_DAYS),
});

/**
 * POST /fulfillments/{shipmentId}/events: a partner reports accepted / shipped / delivered / rejected,
 * or for a pickup ready-for-pickup / picked-up.
 */
export const handler = apiHandler(async (event) => {
  const { shipment, applied } = await recordFulfillmentEvent({
    caller: callerFromEvent(event, channelKeys),
    shipmentId: event.pathParameters?.shipmentId ?? '',
    body: readJsonBody(event),
    correlationId: correlationIdOf(event),
  });
  metrics.addMetric(applied ? 'FulfillmentEvents' : 'FulfillmentEventReplayed', MetricUnit.Count, 1);
  return json(200, shipment);
});
