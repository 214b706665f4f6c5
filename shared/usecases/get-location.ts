import type { z } from 'zod';
import { CapacityStatusSchema, capacityStatus, locationDay } from '../domain/capacity.ts';
import { notFound } from '../domain/errors.ts';
import { LocationSchema } from '../domain/location.ts';
import { LocationIdSchema } from '../domain/order.ts';
import type { Clock } from '../ports/clock.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';

/** A location with its capacity today (its own time zone's day). */
export const LocationViewSchema = LocationSchema.extend({ capacity: CapacityStatusSchema });
export type LocationView = z.infer<typeof LocationViewSchema>;

/** `GET /locations/{locationId}`. An id that cannot exist reads as not found, like any unknown id. */
export function makeGetLocation(deps: {
  locations: LocationRepository;
  inventory: Pick<InventoryStore, 'getCapacityUsage'>;
  clock: Clock;
}) {
  return async function getLocation(input: { locationId: string }): Promise<LocationView> {
    if (!LocationIdSchema.safeParse(input.locationId).success) throw notFound('Location', input.locationId);
    const location = await deps.locations.get(input.locationId);
    if (!location) throw notFound('Location', input.locationId);
    const day = locationDay(location, deps.clock.now());
    const [usage] = await deps.inventory.getCapacityUsage([{ locationId: location.locationId, day }]);
    return { ...location, capacity: capacityStatus(location, usage, day) };
  };
}
