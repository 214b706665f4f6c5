import { requireScope } from '../../shared/domain/caller.ts';
import { makeGetLocation } from '../../shared/usecases/get-location.ts';
import { locations } from '../commons/inventory.ts';
import { channelKeys } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const getLocation = makeGetLocation({ locations });

/** GET /locations/{locationId}. */
export const handler = apiHandler(async (event) => {
  const caller = callerFromEvent(event, channelKeys);
  requireScope(caller, 'inventory:read');
  return json(200, await getLocation({ locationId: event.pathParameters?.locationId ?? '' }));
});
