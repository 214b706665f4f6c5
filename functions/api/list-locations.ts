import { requireScope } from '../../shared/domain/caller.ts';
import { makeListLocations } from '../../shared/usecases/list-locations.ts';
import { locations } from '../commons/inventory.ts';
import { channelKeys } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent } from '../http/request.ts';

const listLocations = makeListLocations({ locations });

/** GET /locations: every location, paginated. */
export const handler = apiHandler(async (event) => {
  const caller = callerFromEvent(event, channelKeys);
  requireScope(caller, 'inventory:read');
  return json(200, await listLocations({ query: event.queryStringParameters ?? {} }));
});
