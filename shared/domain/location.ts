import { z } from 'zod';
import { DeliveryPromiseConfigSchema } from './delivery-promise.ts';
import { MinorUnitsSchema } from './money.ts';
import { GeoPointSchema, LocationIdSchema } from './order.ts';

export const LOCATION_TYPES = ['warehouse', 'store', 'vendor', 'dark-store'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];

export const LOCATION_CAPABILITIES = ['ship', 'pickup', 'ship-from-store', 'returns'] as const;
export type LocationCapability = (typeof LOCATION_CAPABILITIES)[number];

export const LOCATION_STATUSES = ['active', 'paused'] as const;
export type LocationStatus = (typeof LOCATION_STATUSES)[number];

/** Shipments a location can hand to carriers in one day; bounded so totals stay small integers. */
export const MAX_DAILY_SHIPMENT_CAPACITY = 1_000_000;

/**
 * What `dailyShipmentCapacity` counts: units (pick-and-pack labour, the default) or shipments
 * (cartons handed to the carrier). Both are always recorded; this chooses the one enforced.
 */
export const CAPACITY_MEASURES = ['units', 'shipments'] as const;
export type CapacityMeasure = (typeof CAPACITY_MEASURES)[number];
export const DEFAULT_CAPACITY_MEASURE: CapacityMeasure = 'units';
export const DEFAULT_TIME_ZONE = 'UTC';

/** An IANA zone the runtime knows (`Europe/Berlin`, `America/New_York`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const capabilitiesSchema = z
  .array(z.enum(LOCATION_CAPABILITIES, { error: `must be one of ${LOCATION_CAPABILITIES.join(', ')}` }), {
    error: 'must be an array of capabilities',
  })
  .max(LOCATION_CAPABILITIES.length)
  .refine(
    (capabilities) => new Set(capabilities).size === capabilities.length,
    'must not repeat a capability',
  );

/** The fields an operator sets; the id comes from the path (`PUT /locations/{id}`) or the stored item. */
const locationFields = {
  name: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters'),
  type: z.enum(LOCATION_TYPES, { error: `must be one of ${LOCATION_TYPES.join(', ')}` }),
  geo: GeoPointSchema,
  capabilities: capabilitiesSchema,
  /**
   * Units (or shipments, per `capacityMeasure`) the location may be given per local day; allocation
   * enforces it atomically with the reservation (docs/inventory.md, "Location capacity").
   */
  dailyShipmentCapacity: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .nonnegative('must not be negative')
    .max(MAX_DAILY_SHIPMENT_CAPACITY, `must be at most ${MAX_DAILY_SHIPMENT_CAPACITY}`),
  /** What the capacity counts; absent on locations stored before it existed, which count units. */
  capacityMeasure: z
    .enum(CAPACITY_MEASURES, { error: `must be one of ${CAPACITY_MEASURES.join(', ')}` })
    .optional(),
  /** IANA time zone whose calendar day the capacity resets on; absent means UTC. */
  timeZone: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .refine(isKnownTimeZone, 'must be an IANA time zone such as America/New_York or UTC')
    .optional(),
  /** Cost of preparing one outbound shipment (pick ticket, packaging, labour), minor units. */
  shipmentFixedCost: MinorUnitsSchema,
  /** Cost of picking and packing one unit, minor units. */
  unitHandlingCost: MinorUnitsSchema,
  status: z.enum(LOCATION_STATUSES, { error: `must be one of ${LOCATION_STATUSES.join(', ')}` }),
  postalCode: z
    .string({ error: 'must be a string' })
    .trim()
    .min(2, 'must be at least 2 characters')
    .max(16, 'must be at most 16 characters')
    .optional(),
  /** Whether this location may send stock to stores for pickup orders (store transfers). */
  transferToStores: z.boolean({ error: 'must be true or false' }),
  /**
   * Cut-offs per service level, handling days and transit times (docs/inventory.md, "Delivery
   * promise"). Absent: the location makes no promise and takes only standard orders.
   */
  deliveryPromise: DeliveryPromiseConfigSchema.optional(),
};

export const LocationSchema = z.object({ locationId: LocationIdSchema, ...locationFields });
export type Location = z.infer<typeof LocationSchema>;

/** Body of `PUT /locations/{id}`: a full replacement. Unknown fields are rejected, not ignored. */
export const PutLocationRequestSchema = z.strictObject({
  ...locationFields,
  transferToStores: locationFields.transferToStores.default(false),
  capacityMeasure: locationFields.capacityMeasure.unwrap().default(DEFAULT_CAPACITY_MEASURE),
  timeZone: locationFields.timeZone.unwrap().default(DEFAULT_TIME_ZONE),
});
export type PutLocationRequest = z.infer<typeof PutLocationRequestSchema>;

export function locationFromPutRequest(locationId: string, request: PutLocationRequest): Location {
  return { locationId, ...request };
}

/** Stores ship only with `ship` or `ship-from-store`; other types need `ship`. */
export function canShipToCustomers(location: Location): boolean {
  if (location.capabilities.includes('ship')) return true;
  return (
    (location.type === 'store' || location.type === 'dark-store') &&
    location.capabilities.includes('ship-from-store')
  );
}

export function canServePickup(location: Location): boolean {
  return location.capabilities.includes('pickup');
}
