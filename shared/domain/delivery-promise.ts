import { z } from 'zod';
import { haversineKm } from './geo.ts';
import { type GeoPoint, SHIPPING_SERVICES } from './order.ts';

/**
 * Delivery promise (docs/inventory.md, "Delivery promise"): when a location can ship an order placed
 * now, and when it arrives, per service level.
 *
 * Per location: a cut-off time per service level in the location's time zone (orders after it ship
 * the next ship day; a level without a cut-off is not offered there), handling days, and a
 * transit-time table by country and postcode prefix (longest prefix wins) with distance bands as the
 * fallback. The calendar is minimal on purpose: a location ships Monday to Friday unless
 * `shipsOnWeekends`, and transit counts Monday to Friday unless `deliversOnWeekends`; no holidays.
 */
export const SERVICE_LEVELS = SHIPPING_SERVICES;
export type ServiceLevel = (typeof SERVICE_LEVELS)[number];

/**
 * The most transit days a level may take: next-day is one carrier day, express at most two;
 * standard has no bound. A transit row that breaks it is refused when the location is saved.
 */
export const MAX_TRANSIT_DAYS: Readonly<Record<ServiceLevel, number | undefined>> = {
  standard: undefined,
  express: 2,
  'next-day': 1,
};

export const MAX_TRANSIT_ROWS = 500;
export const MAX_DISTANCE_BANDS = 50;
export const MAX_HANDLING_DAYS = 10;
export const MAX_TRANSIT_DAY_COUNT = 60;

const serviceLevelSchema = z.enum(SERVICE_LEVELS, {
  error: `must be one of ${SERVICE_LEVELS.join(', ')}`,
});
const cutoffSchema = z
  .string({ error: 'must be a time HH:MM' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (24-hour, local to the location)');
const transitDaysSchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .max(MAX_TRANSIT_DAY_COUNT, `must be at most ${MAX_TRANSIT_DAY_COUNT}`);

export const TransitRowSchema = z.strictObject({
  serviceLevel: serviceLevelSchema,
  country: z.string({ error: 'must be a string' }).regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
  /** Postcodes starting with this (spaces ignored, case-insensitive); absent = the whole country. */
  postalCodePrefix: z
    .string({ error: 'must be a string' })
    .regex(/^[A-Za-z0-9 ]{1,10}$/, 'must be 1 to 10 letters or digits')
    .optional(),
  days: transitDaysSchema,
});
export type TransitRow = z.infer<typeof TransitRowSchema>;

export const DistanceBandSchema = z.strictObject({
  serviceLevel: serviceLevelSchema,
  /** Destinations at most this far (great circle) from the location. */
  maxKm: z.number({ error: 'must be a number' }).positive('must be positive').max(20_100),
  days: transitDaysSchema,
});
export type DistanceBand = z.infer<typeof DistanceBandSchema>;

const overLevelMaximum = (row: { serviceLevel: ServiceLevel; days: number }) => {
  const max = MAX_TRANSIT_DAYS[row.serviceLevel];
  return max !== undefined && row.days > max ? max : undefined;
};

export const DeliveryPromiseConfigSchema = z
  .strictObject({
    /** Local cut-off per service level; an order after it ships the next ship day. */
    cutoffs: z.strictObject({
      standard: cutoffSchema.optional(),
      express: cutoffSchema.optional(),
      'next-day': cutoffSchema.optional(),
    }),
    /** Ship days between the order's ship day and the carrier collection (pick, pack, QA). */
    handlingDays: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must not be negative')
      .max(MAX_HANDLING_DAYS, `must be at most ${MAX_HANDLING_DAYS}`)
      .default(0),
    /** Whether the location hands parcels to carriers on Saturdays and Sundays. */
    shipsOnWeekends: z.boolean({ error: 'must be true or false' }).default(false),
    /** Whether carriers count (and deliver on) Saturdays and Sundays. */
    deliversOnWeekends: z.boolean({ error: 'must be true or false' }).default(false),
    transit: z
      .array(TransitRowSchema, { error: 'must be an array of transit rows' })
      .max(MAX_TRANSIT_ROWS, `must contain at most ${MAX_TRANSIT_ROWS} rows`)
      .default([]),
    distanceBands: z
      .array(DistanceBandSchema, { error: 'must be an array of distance bands' })
      .max(MAX_DISTANCE_BANDS, `must contain at most ${MAX_DISTANCE_BANDS} bands`)
      .default([]),
  })
  .superRefine((config, ctx) => {
    for (const [key, rows] of [
      ['transit', config.transit],
      ['distanceBands', config.distanceBands],
    ] as const) {
      rows.forEach((row, index) => {
        const max = overLevelMaximum(row);
        if (max !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key, index, 'days'],
            message: `must be at most ${max} for ${row.serviceLevel}`,
          });
        }
      });
    }
  });
export type DeliveryPromiseConfig = z.infer<typeof DeliveryPromiseConfigSchema>;

/** Where an order goes: the country and postcode pick a transit row, the point a distance band. */
export interface Destination {
  country: string;
  postalCode?: string;
  /** Great-circle km from the location, when the destination has coordinates. */
  distanceKm?: number;
}

export interface DeliveryPromise {
  serviceLevel: ServiceLevel;
  /** The location's local day the parcel leaves, `YYYY-MM-DD`. */
  shipDate: string;
  /** The end of that day (next local midnight) as an instant: not shipped by then = late. */
  shipBy: string;
  /** Calendar day of delivery, `YYYY-MM-DD` (the location's calendar). */
  promisedBy: string;
  transitDays: number;
}

const normalisePostcode = (code: string) => code.replaceAll(/\s+/g, '').toUpperCase();

/**
 * Transit days for a level to a destination: the matching row with the longest postcode prefix (a
 * row without prefix matches the whole country; equal lengths: the first listed), else the tightest
 * distance band that covers the destination. Undefined: the location does not serve it at that level.
 */
export function transitDays(
  config: Pick<DeliveryPromiseConfig, 'transit' | 'distanceBands'>,
  serviceLevel: ServiceLevel,
  destination: Destination,
): number | undefined {
  const postcode = destination.postalCode === undefined ? '' : normalisePostcode(destination.postalCode);
  let best: { length: number; days: number } | undefined;
  for (const row of config.transit) {
    if (row.serviceLevel !== serviceLevel || row.country !== destination.country) continue;
    const prefix = row.postalCodePrefix === undefined ? '' : normalisePostcode(row.postalCodePrefix);
    if (!postcode.startsWith(prefix)) continue;
    if (best === undefined || prefix.length > best.length) best = { length: prefix.length, days: row.days };
  }
  if (best !== undefined) return best.days;
  const km = destination.distanceKm;
  if (km === undefined) return undefined;
  let band: DistanceBand | undefined;
  for (const candidate of config.distanceBands) {
    if (candidate.serviceLevel !== serviceLevel || km > candidate.maxKm) continue;
    if (band === undefined || candidate.maxKm < band.maxKm) band = candidate;
  }
  return band?.days;
}

/**
 * The promise of a location for an order placed at `now`: ship day = today if it is a ship day and
 * before the level's cut-off, else the next ship day; plus handling days (ship days); delivery =
 * ship day + transit days (business days unless `deliversOnWeekends`). Undefined when the location
 * does not offer the level or has no transit time to the destination.
 */
export function promiseFrom(
  config: DeliveryPromiseConfig,
  timeZone: string,
  serviceLevel: ServiceLevel,
  destination: Destination,
  now: Date,
): DeliveryPromise | undefined {
  const cutoff = config.cutoffs[serviceLevel];
  if (cutoff === undefined) return undefined;
  const transit = transitDays(config, serviceLevel, destination);
  if (transit === undefined) return undefined;
  const local = localClock(now, timeZone);
  const isShipDay = (day: string) => config.shipsOnWeekends || !isWeekend(day);
  let shipDate = local.day;
  if (!isShipDay(shipDate) || local.minutes >= minutesOf(cutoff)) shipDate = nextDay(shipDate, isShipDay);
  for (let i = 0; i < config.handlingDays; i++) shipDate = nextDay(shipDate, isShipDay);
  const isCarrierDay = (day: string) => config.deliversOnWeekends || !isWeekend(day);
  let promisedBy = shipDate;
  for (let i = 0; i < transit; i++) promisedBy = nextDay(promisedBy, isCarrierDay);
  return {
    serviceLevel,
    shipDate,
    shipBy: instantOf(addDays(shipDate, 1), 0, timeZone).toISOString(),
    promisedBy,
    transitDays: transit,
  };
}

/** The earlier of two promises: earliest delivery, then earliest ship-by. */
export function compareByPromise(a: DeliveryPromise, b: DeliveryPromise): number {
  if (a.promisedBy !== b.promisedBy) return a.promisedBy < b.promisedBy ? -1 : 1;
  return a.shipBy < b.shipBy ? -1 : a.shipBy > b.shipBy ? 1 : 0;
}

// --- calendar helpers: civil dates as `YYYY-MM-DD`, computed in UTC so no host zone leaks in. ---

const minutesOf = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

const civil = (day: string) =>
  Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));

export function addDays(day: string, days: number): string {
  return new Date(civil(day) + days * 86_400_000).toISOString().slice(0, 10);
}

export function isWeekend(day: string): boolean {
  const weekday = new Date(civil(day)).getUTCDay();
  return weekday === 0 || weekday === 6;
}

function nextDay(day: string, counts: (day: string) => boolean): string {
  let next = addDays(day, 1);
  while (!counts(next)) next = addDays(next, 1);
  return next;
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** The local day and minute of the day at `at` in `timeZone`. */
export function localClock(at: Date, timeZone: string): { day: string; minutes: number } {
  let format = clockFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    clockFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '0';
  return {
    day: `${part('year')}-${part('month')}-${part('day')}`,
    minutes: Number(part('hour')) * 60 + Number(part('minute')),
  };
}

/** Offset of `timeZone` from UTC at `at`, in ms (local wall clock − UTC). */
function offsetAt(at: number, timeZone: string): number {
  const { day, minutes } = localClock(new Date(at), timeZone);
  const wall = civil(day) + minutes * 60_000;
  return wall - Math.floor(at / 60_000) * 60_000;
}

/** The instant the wall clock in `timeZone` shows `day` at `minutes` past midnight. */
export function instantOf(day: string, minutes: number, timeZone: string): Date {
  const wall = civil(day) + minutes * 60_000;
  // Two passes settle the offset across a DST change (a wall time skipped by a spring-forward
  // resolves to the instant after the gap).
  let at = wall - offsetAt(wall, timeZone);
  at = wall - offsetAt(at, timeZone);
  return new Date(at);
}

/** What a location needs to promise: its promise settings, zone and place. */
export interface PromisingLocation {
  geo: GeoPoint;
  timeZone?: string;
  deliveryPromise?: DeliveryPromiseConfig;
}

/** A ship-to address as the promise reads it. */
export interface ShipTo {
  country: string;
  postalCode?: string;
  geo?: GeoPoint;
}

/** The location's promise to `shipTo` at `serviceLevel` for an order placed at `now`, if it makes one. */
export function locationPromise(
  location: PromisingLocation,
  serviceLevel: ServiceLevel,
  shipTo: ShipTo,
  now: Date,
): DeliveryPromise | undefined {
  if (location.deliveryPromise === undefined) return undefined;
  return promiseFrom(
    location.deliveryPromise,
    location.timeZone ?? 'UTC',
    serviceLevel,
    {
      country: shipTo.country,
      ...(shipTo.postalCode === undefined ? {} : { postalCode: shipTo.postalCode }),
      ...(shipTo.geo === undefined ? {} : { distanceKm: haversineKm(location.geo, shipTo.geo) }),
    },
    now,
  );
}
