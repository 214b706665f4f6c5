import { requireScope } from '../../shared/domain/caller.ts';
import { makeReleaseHold } from '../../shared/usecases/hold-inventory.ts';
import { inventory } from '../commons/inventory.ts';
import { channelKeys, clock } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const releaseHold = makeReleaseHold({ inventory, clock });

/** DELETE /reservations/{holdId}: give a soft hold back. */
export const handler = apiHandler(async (event) => {
  const caller = callerFromEvent(event, channelKeys);
  requireScope(caller, 'orders');
  return json(200, await releaseHold({ holdId: event.pathParameters?.holdId ?? '' }));
});
