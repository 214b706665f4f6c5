import { publicRma } from '../../shared/domain/return.ts';
import { makeGetReturn } from '../../shared/usecases/create-return.ts';
import { channelKeys } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';
import { returns } from '../workflow/returns-ports.ts';

const getReturn = makeGetReturn({ returns });

/** GET /returns/{rmaId}: an RMA (never its task token). */
export const handler = apiHandler(async (event) => {
  const rma = await getReturn({
    caller: callerFromEvent(event, channelKeys),
    rmaId: event.pathParameters?.rmaId ?? '',
  });
  return json(200, publicRma(rma));
});
