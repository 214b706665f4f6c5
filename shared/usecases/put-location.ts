import { validationError } from '../domain/errors.ts';
import { type Location, locationFromPutRequest, PutLocationRequestSchema } from '../domain/location.ts';
import { LocationIdSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { LocationRepository } from '../ports/location-repository.ts';

export interface PutLocationResult {
  location: Location;
  /** false when an existing location was replaced. */
  created: boolean;
}

/** `PUT /locations/{locationId}`: creates or fully replaces a location of the fulfilment network. */
export function makePutLocation(deps: { locations: LocationRepository }) {
  return async function putLocation(input: {
    locationId: string;
    body: unknown;
  }): Promise<PutLocationResult> {
    const id = LocationIdSchema.safeParse(input.locationId);
    if (!id.success) {
      throw validationError('The location id is not valid', [
        { pointer: '', field: 'path:locationId', message: id.error.issues[0]?.message ?? 'is not valid' },
      ]);
    }
    const request = parseOrThrow(PutLocationRequestSchema, input.body, 'location');
    const location = locationFromPutRequest(id.data, request);
    const { created } = await deps.locations.put(location);
    return { location, created };
  };
}
