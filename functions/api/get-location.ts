import { makeGetLocation } from '../../shared/usecases/get-location.ts';
import { locations } from '../commons/inventory.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

const getLocation = makeGetLocation({ locations });

/** GET /locations/{locationId}. */
export const handler = apiHandler(async (event) => {
  return json(200, await getLocation({ locationId: event.pathParameters?.locationId ?? '' }));
});
