import { z } from 'zod';
import {
  compareByPromise,
  type DeliveryPromise,
  locationPromise,
  SERVICE_LEVELS,
  type ServiceLevel,
} from '../domain/delivery-promise.ts';
import { validationError } from '../domain/errors.ts';
import { haversineKm } from '../domain/geo.ts';
import { availableToSell, type InventoryPosition } from '../domain/inventory.ts';
import { canServePickup, canShipToCustomers, type Location } from '../domain/location.ts';
import { type GeoPoint, QuantitySchema, SkuSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';

export const MAX_AVAILABILITY_SKUS = 50;
export const MAX_PICKUP_STORES = 25;

/** Query strings carry numbers as text; an empty or malformed one is an error, not 0. */
const queryNumber = (message: string) =>
  z.union([
    z.number({ error: message }),
    z
      .string({ error: message })
      .trim()
      .regex(/^-?\d+(\.\d+)?$/, message)
      .transform(Number),
  ]);

export const AvailabilityQuerySchema = z
  .strictObject({
    /** One SKU or several, comma-separated. */
    sku: z
      .string({ error: 'must list one or more SKUs, comma-separated' })
      .transform((list) =>
        list
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      )
      .pipe(
        z
          .array(SkuSchema)
          .min(1, 'must list at least one SKU')
          .max(MAX_AVAILABILITY_SKUS, `must list at most ${MAX_AVAILABILITY_SKUS} SKUs`),
      ),
    lat: queryNumber('must be a latitude').pipe(z.number().min(-90).max(90)).optional(),
    lon: queryNumber('must be a longitude').pipe(z.number().min(-180).max(180)).optional(),
    postalCode: z.string().trim().min(2, 'must be at least 2 characters').max(16).optional(),
    /** How many pickup stores to list, nearest first. */
    stores: queryNumber('must be a number').pipe(z.number().int().min(1).max(MAX_PICKUP_STORES)).default(5),
    /** Leave out stores farther than this. */
    radiusKm: queryNumber('must be a number of km').pipe(z.number().positive().max(20_100)).optional(),
    /** Ship-to country: asks for delivery promises (with postalCode, and lat/lon for distance bands). */
    country: z
      .string({ error: 'must be a string' })
      .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
      .optional(),
    /** Units of each SKU the promise must cover from one location. */
    quantity: queryNumber('must be a number').pipe(QuantitySchema).default(1),
    /** Only this level's promise; absent: every level. */
    serviceLevel: z.enum(SERVICE_LEVELS, { error: `must be one of ${SERVICE_LEVELS.join(', ')}` }).optional(),
  })
  .superRefine((q, ctx) => {
    if ((q.lat === undefined) !== (q.lon === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [q.lat === undefined ? 'lat' : 'lon'],
        message: 'lat and lon go together',
      });
    }
  });

/** Turns a postal code into a point. Absent: the postal code matched no known place. */
export type PostalCodeGeocoder = (postalCode: string) => Promise<GeoPoint | undefined>;

const normalisePostalCode = (code: string) => code.replaceAll(/\s+/g, '').toUpperCase();

/**
 * The default geocoder: a postal code is placed at a network location with that postal code. It
 * needs no external service and answers the common storefront question ("stores near the store I
 * know"); wire a real geocoder for arbitrary postal codes.
 */
export function geocodeByLocationPostalCode(locations: readonly Location[]): PostalCodeGeocoder {
  return async (postalCode) => {
    const wanted = normalisePostalCode(postalCode);
    const match = locations
      .filter((l) => l.postalCode !== undefined && normalisePostalCode(l.postalCode) === wanted)
      .sort((a, b) => (a.locationId < b.locationId ? -1 : 1))[0];
    return match?.geo;
  };
}

/** The earliest delivery one location promises for a SKU and quantity at one service level. */
export interface SkuDeliveryPromise extends DeliveryPromise {
  locationId: string;
}

export interface SkuAvailability {
  sku: string;
  /** Units a storefront can sell for delivery: Σ ATS over active locations that ship to customers. */
  ats: number;
  /**
   * With `country`: per service level that some location can meet for `quantity` units, the earliest
   * promise (levels no location meets are absent).
   */
  delivery?: SkuDeliveryPromise[];
}

export interface PickupStore {
  locationId: string;
  name: string;
  postalCode?: string;
  distanceKm: number;
  skus: SkuAvailability[];
}

export interface Availability {
  skus: SkuAvailability[];
  /** Present when the query gave a place (lat/lon or postal code). */
  pickup?: { origin: GeoPoint; stores: PickupStore[] };
}

/**
 * `GET /availability?sku=A,B&lat=..&lon=..` (or `&postalCode=..`): what a storefront shows. ATS only
 * counts locations that are active and can ship; pickup lists the nearest active pickup stores with
 * their own ATS, in stock or not (a storefront can show "not at this store"). With `country` (and
 * `postalCode`, `lat`/`lon`) each SKU also gets, per service level, the earliest delivery promise of a
 * location that holds `quantity` units (docs/inventory.md, "Delivery promise").
 */
export function makeGetAvailability(deps: {
  inventory: InventoryStore;
  locations: LocationRepository;
  geocode?: PostalCodeGeocoder;
  clock?: Clock;
}) {
  const clock = deps.clock ?? systemClock;
  return async function getAvailability(input: { query: unknown }): Promise<Availability> {
    const q = parseOrThrow(AvailabilityQuerySchema, input.query ?? {}, 'query');
    const skus = [...new Set(q.sku)];
    const [locations, positionsPerSku] = await Promise.all([
      deps.locations.all(),
      Promise.all(skus.map((sku) => deps.inventory.listPositions(sku))),
    ]);
    const byId = new Map(locations.map((location) => [location.locationId, location]));
    const atsAt = (positions: readonly InventoryPosition[], locationId: string) =>
      positions.filter((p) => p.locationId === locationId).reduce((sum, p) => sum + availableToSell(p), 0);

    const shipping = locations.filter((l) => l.status === 'active' && canShipToCustomers(l));
    const now = clock.now();
    const levels: readonly ServiceLevel[] = q.serviceLevel === undefined ? SERVICE_LEVELS : [q.serviceLevel];
    const point = q.lat !== undefined && q.lon !== undefined ? { lat: q.lat, lon: q.lon } : undefined;
    const shipTo =
      q.country === undefined
        ? undefined
        : {
            country: q.country,
            ...(q.postalCode === undefined ? {} : { postalCode: q.postalCode }),
            ...(point === undefined ? {} : { geo: point }),
          };

    const skuAvailability = skus.map((sku, i): SkuAvailability => {
      const positions = positionsPerSku[i] ?? [];
      const ats = positions.reduce((sum, position) => {
        const location = byId.get(position.locationId);
        const sells = location !== undefined && location.status === 'active' && canShipToCustomers(location);
        return sum + (sells ? availableToSell(position) : 0);
      }, 0);
      if (shipTo === undefined) return { sku, ats };
      // One location must hold the whole quantity: a promise is what one parcel can keep.
      const stocked = shipping.filter((l) => atsAt(positions, l.locationId) >= q.quantity);
      const delivery = levels.flatMap((serviceLevel) => {
        const best = stocked
          .map((location) => ({ location, promise: locationPromise(location, serviceLevel, shipTo, now) }))
          .filter((c): c is { location: Location; promise: DeliveryPromise } => c.promise !== undefined)
          .sort(
            (a, b) =>
              compareByPromise(a.promise, b.promise) ||
              (a.location.locationId < b.location.locationId ? -1 : 1),
          )[0];
        return best === undefined ? [] : [{ ...best.promise, locationId: best.location.locationId }];
      });
      return { sku, ats, delivery };
    });

    let origin: GeoPoint | undefined;
    if (point !== undefined) origin = point;
    else if (q.postalCode !== undefined) {
      origin = await (deps.geocode ?? geocodeByLocationPostalCode(locations))(q.postalCode);
      // With a country the postal code is the ship-to; pickup stores are listed only when it places.
      if (origin === undefined && shipTo !== undefined) return { skus: skuAvailability };
      if (origin === undefined) {
        throw validationError('The postal code could not be placed', [
          {
            pointer: '',
            field: 'query:postalCode',
            message: 'is not a known postal code; send lat and lon instead',
          },
        ]);
      }
    }
    if (origin === undefined) return { skus: skuAvailability };

    const from = origin;
    const stores = locations
      .filter((location) => location.status === 'active' && canServePickup(location))
      .map((location) => ({ location, distanceKm: haversineKm(from, location.geo) }))
      .filter((candidate) => q.radiusKm === undefined || candidate.distanceKm <= q.radiusKm)
      .sort(
        (a, b) =>
          a.distanceKm - b.distanceKm ||
          (a.location.locationId < b.location.locationId
            ? -1
            : a.location.locationId > b.location.locationId
              ? 1
              : 0),
      )
      .slice(0, q.stores)
      .map(
        ({ location, distanceKm }): PickupStore => ({
          locationId: location.locationId,
          name: location.name,
          ...(location.postalCode === undefined ? {} : { postalCode: location.postalCode }),
          distanceKm: Math.round(distanceKm * 10) / 10,
          skus: skus.map((sku, i) => ({ sku, ats: atsAt(positionsPerSku[i] ?? [], location.locationId) })),
        }),
      );
    return { skus: skuAvailability, pickup: { origin: from, stores } };
  };
}
