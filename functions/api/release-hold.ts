import { makeReleaseHold } from '../../shared/usecases/hold-inventory.ts';
import { inventory } from '../commons/inventory.ts';
import { channelKeys, clock } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const releaseHold = makeReleaseHold({ inventory, clock });

/** DELETE /reservations/{holdId}: give a soft hold back. */
export const handler = apiHandler(async (event) => {
  return json(
    200,
    await releaseHold({
      caller: callerFromEvent(event, channelKeys),
      holdId: event.pathParameters?.holdId ?? '',
    }),
  );
});
