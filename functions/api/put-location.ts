import { makePutLocation } from '../../shared/usecases/put-location.ts';
import { locations } from '../commons/inventory.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { readJsonBody } from '../http/request.ts';

const putLocation = makePutLocation({ locations });

/** PUT /locations/{locationId}: create or replace a location (locations:write). */
export const handler = apiHandler(async (event) => {
  const { location, created } = await putLocation({
    locationId: event.pathParameters?.locationId ?? '',
    body: readJsonBody(event),
  });
  return json(created ? 201 : 200, location);
});
