import { makeGetLocation } from '../../shared/usecases/get-location.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { clock } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

const getLocation = makeGetLocation({ locations, inventory, clock });

/** GET /locations/{locationId}: the location and its capacity used and remaining today. */
export const handler = apiHandler(async (event) => {
  return json(200, await getLocation({ locationId: event.pathParameters?.locationId ?? '' }));
});
