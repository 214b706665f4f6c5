import { z } from 'zod';
import { validationError } from '../domain/errors.ts';
import {
  LOCATION_CAPABILITIES,
  LOCATION_STATUSES,
  LOCATION_TYPES,
  type Location,
} from '../domain/location.ts';
import { LocationIdSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import type { Page } from '../ports/order-repository.ts';

export const ListLocationsQuerySchema = z.strictObject({
  type: z.enum(LOCATION_TYPES).optional(),
  status: z.enum(LOCATION_STATUSES).optional(),
  capability: z.enum(LOCATION_CAPABILITIES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(200).optional(),
});

/** The cursor is the last location id of the previous page, so it stays valid as locations change. */
const encodeCursor = (locationId: string) => Buffer.from(locationId, 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  const locationId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!LocationIdSchema.safeParse(locationId).success) {
    throw validationError('The cursor is not valid', [
      { pointer: '', field: 'query:cursor', message: 'is not a cursor returned by this listing' },
    ]);
  }
  return locationId;
}

/** `GET /locations`: the network by id, optionally only one type, status or capability. */
export function makeListLocations(deps: { locations: LocationRepository }) {
  return async function listLocations(input: { query: unknown }): Promise<Page<Location>> {
    const q = parseOrThrow(ListLocationsQuerySchema, input.query ?? {}, 'query');
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const matching = (await deps.locations.all())
      .filter(
        (location) =>
          (q.type === undefined || location.type === q.type) &&
          (q.status === undefined || location.status === q.status) &&
          (q.capability === undefined || location.capabilities.includes(q.capability)) &&
          (after === undefined || location.locationId > after),
      )
      .sort((a, b) => (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));
    const items = matching.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items,
      ...(matching.length > q.limit && last ? { nextCursor: encodeCursor(last.locationId) } : {}),
    };
  };
}
