import { makeResumeFulfilment } from '../../shared/usecases/resume-fulfilment.ts';
import { orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { engine, shipments } from '../workflow/commons.ts';

const resumeFulfilment = makeResumeFulfilment({ orders, shipments, engine });

/**
 * POST /ops/orders/{orderId}/resume (admin): a new fulfilment run `<orderId>-r<n>` from the order's
 * stored state when its last run ended abnormally; 202 when started, 200 when a run is already live.
 */
export const handler = apiHandler(async (event) => {
  const outcome = await resumeFulfilment({ orderId: event.pathParameters?.orderId ?? '' });
  return json(outcome.outcome === 'started' ? 202 : 200, outcome);
});
