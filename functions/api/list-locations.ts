import { makeListLocations } from '../../shared/usecases/list-locations.ts';
import { locations } from '../commons/inventory.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

const listLocations = makeListLocations({ locations });

/** GET /locations: every location, paginated. */
export const handler = apiHandler(async (event) => {
  return json(200, await listLocations({ query: event.queryStringParameters ?? {} }));
});
