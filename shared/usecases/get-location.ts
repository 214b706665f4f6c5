import { notFound } from '../domain/errors.ts';
import type { Location } from '../domain/location.ts';
import { LocationIdSchema } from '../domain/order.ts';
import type { LocationRepository } from '../ports/location-repository.ts';

/** `GET /locations/{locationId}`. An id that cannot exist reads as not found, like any unknown id. */
export function makeGetLocation(deps: { locations: LocationRepository }) {
  return async function getLocation(input: { locationId: string }): Promise<Location> {
    if (!LocationIdSchema.safeParse(input.locationId).success) throw notFound('Location', input.locationId);
    const location = await deps.locations.get(input.locationId);
    if (!location) throw notFound('Location', input.locationId);
    return location;
  };
}
