import { publicRma } from '../../shared/domain/return.ts';
import { makeRecordReturnEvent, reporterOf } from '../../shared/usecases/record-return-event.ts';
import { channelKeys, clock, ids } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, correlationIdOf, readJsonBody } from '../http/request.ts';
import { returns, returnsEngine } from '../workflow/returns-ports.ts';

const recordReturnEvent = makeRecordReturnEvent({ returns, engine: returnsEngine, clock, ids });

/** POST /returns/{rmaId}/events: the return location or payment service reports (partners only). */
export const handler = apiHandler(async (event) => {
  const { rma, applied } = await recordReturnEvent({
    reporter: reporterOf(callerFromEvent(event, channelKeys)),
    rmaId: event.pathParameters?.rmaId ?? '',
    body: readJsonBody(event),
    correlationId: correlationIdOf(event),
  });
  return json(applied ? 202 : 200, publicRma(rma));
});
