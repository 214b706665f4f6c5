import type { Location } from '../domain/location.ts';

/**
 * The fulfilment network: warehouses, stores, dark stores and vendors. It is small (thousands of
 * locations at most), so it is read whole; listings filter and page in memory.
 */
export interface LocationRepository {
  /** Full replacement; `created` is false when a location with this id already existed. */
  put(location: Location): Promise<{ created: boolean }>;
  get(locationId: string): Promise<Location | undefined>;
  /** Every location, ordered by id. */
  all(): Promise<Location[]>;
}
