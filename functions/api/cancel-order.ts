import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { makeCancelFulfilment } from '../../shared/usecases/cancel-fulfilment.ts';
import { makeCancelOrder } from '../../shared/usecases/cancel-order.ts';
import {
  makeReleaseReservations,
  makeReleaseUnneededReservations,
} from '../../shared/usecases/release-reservations.ts';
import { inventory } from '../commons/inventory.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { metrics } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, header, readJsonBody } from '../http/request.ts';
import { engine, shipments } from '../workflow/commons.ts';

const cancelOrder = makeCancelOrder({
  orders,
  clock,
  ids,
  releaseReservations: makeReleaseReservations({ inventory, clock }),
  // Per-line cancellation: refuse units released to a location, give back the cancelled units'
  // stock, and wake an execution waiting for stock that is no longer needed.
  shipments,
  releaseUnneeded: makeReleaseUnneededReservations({ inventory, clock, shipments }),
  engine,
});
// Shipments in flight are closed and the fulfilment execution's waiting tasks fail with OrderCancelled.
const cancelFulfilment = makeCancelFulfilment({ shipments, engine, clock, ids });

/**
 * POST /orders/{orderId}/cancel: cancel before shipment, with a reason; the whole order, or (with
 * `lines`) only some units. Repeating it is harmless (per-line with an explicit quantity: with the
 * same Idempotency-Key).
 */
export const handler = apiHandler(async (event) => {
  const caller = callerFromEvent(event, channelKeys);
  const orderId = event.pathParameters?.orderId ?? '';
  const body = readJsonBody(event);
  // A whole-order cancel is refused once anything shipped (the use case checks the shipments
  // inside its optimistic-concurrency loop); per-line, only the shipped units are.
  const { order, cancelled } = await cancelOrder({
    caller,
    orderId,
    body,
    correlationId: correlationIdOf(event),
    idempotencyKey: header(event, 'idempotency-key'),
  });
  if (order.status === 'CANCELLED') await cancelFulfilment.afterCancel(order, correlationIdOf(event));
  metrics.addMetric(cancelled ? 'OrdersCancelled' : 'OrderCancelReplayed', MetricUnit.Count, 1);
  return json(200, order);
});
