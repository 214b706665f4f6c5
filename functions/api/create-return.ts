import { publicRma } from '../../shared/domain/return.ts';
import { makeCreateReturn } from '../../shared/usecases/create-return.ts';
import { locations } from '../commons/inventory.ts';
import { channelKeys, clock, ids, orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, header, readJsonBody } from '../http/request.ts';
import { returnPolicyFromEnv, returns } from '../workflow/returns-ports.ts';

const createReturn = makeCreateReturn({
  orders,
  returns,
  locations,
  clock,
  ids,
  policy: returnPolicyFromEnv(),
});

/** POST /orders/{orderId}/returns: authorise a return (RMA), exactly once per Idempotency-Key. */
export const handler = apiHandler(async (event) => {
  const { rma, created } = await createReturn({
    caller: callerFromEvent(event, channelKeys),
    orderId: event.pathParameters?.orderId ?? '',
    idempotencyKey: header(event, 'idempotency-key'),
    body: readJsonBody(event),
    correlationId: correlationIdOf(event),
  });
  return json(created ? 201 : 200, publicRma(rma), {
    Location: `/returns/${rma.rmaId}`,
    'Idempotent-Replayed': String(!created),
  });
});
