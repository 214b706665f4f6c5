import { z } from 'zod';
import {
  CAPACITY_MEASURES,
  type CapacityMeasure,
  DEFAULT_CAPACITY_MEASURE,
  DEFAULT_TIME_ZONE,
  type Location,
} from './location.ts';

/**
 * Daily location capacity (docs/inventory.md, "Location capacity").
 *
 * A location's `dailyShipmentCapacity` bounds what allocation gives it per local calendar day, in
 * units or shipments (`capacityMeasure`). Capacity is taken when stock is reserved, in the same
 * transaction, and counted on the location's day at that moment; it is given back when those units
 * are released (cancellation, rejection and re-sourcing), and stays taken once they ship.
 *
 * Two records carry it: a counter per location and day (what `GET /locations/{id}` shows), and a
 * charge per order, location and day (what the order took, so a release gives back exactly that).
 */

/** What one location has been given on one local day. */
export interface CapacityUsage {
  locationId: string;
  /** Local calendar day, `YYYY-MM-DD`, in the location's time zone. */
  day: string;
  units: number;
  shipments: number;
}

/** What one order took of one location's capacity on one day. `shipments` is 0 or 1. */
export interface CapacityCharge {
  orderId: string;
  locationId: string;
  day: string;
  units: number;
  shipments: number;
  updatedAt: string;
}

export const measureOf = (location: Pick<Location, 'capacityMeasure'>): CapacityMeasure =>
  location.capacityMeasure ?? DEFAULT_CAPACITY_MEASURE;

export const timeZoneOf = (location: Pick<Location, 'timeZone'>): string =>
  location.timeZone ?? DEFAULT_TIME_ZONE;

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (`YYYY-MM-DD`) it is at `at` in `timeZone`. */
export function localDay(at: Date | string, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    dayFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(typeof at === 'string' ? new Date(at) : at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The location's own day at `at`. */
export const locationDay = (location: Pick<Location, 'timeZone'>, at: Date | string) =>
  localDay(at, timeZoneOf(location));

const usedOf = (usage: Pick<CapacityUsage, 'units' | 'shipments'> | undefined, measure: CapacityMeasure) =>
  usage === undefined ? 0 : measure === 'units' ? usage.units : usage.shipments;

/** Units or shipments (per the location's measure) it can still take today; never negative. */
export function remainingCapacity(
  location: Pick<Location, 'dailyShipmentCapacity' | 'capacityMeasure'>,
  usage: Pick<CapacityUsage, 'units' | 'shipments'> | undefined,
): number {
  return Math.max(0, location.dailyShipmentCapacity - usedOf(usage, measureOf(location)));
}

export const CapacityStatusSchema = z
  .object({
    day: z.string().describe('The local calendar day (YYYY-MM-DD) in the location time zone'),
    timeZone: z.string(),
    measure: z.enum(CAPACITY_MEASURES).describe('What the limit counts'),
    limit: z.number().int().nonnegative().describe('dailyShipmentCapacity'),
    used: z
      .object({ units: z.number().int(), shipments: z.number().int() })
      .describe('Units and shipments given to the location today (both are recorded; `measure` is enforced)'),
    remaining: z.number().int().nonnegative().describe('limit − used[measure], at least 0'),
  })
  .describe("Today's capacity of the location: taken when stock is reserved, given back on release");
export type CapacityStatus = z.infer<typeof CapacityStatusSchema>;

export function capacityStatus(
  location: Location,
  usage: Pick<CapacityUsage, 'units' | 'shipments'> | undefined,
  day: string,
): CapacityStatus {
  return {
    day,
    timeZone: timeZoneOf(location),
    measure: measureOf(location),
    limit: location.dailyShipmentCapacity,
    used: { units: usage?.units ?? 0, shipments: usage?.shipments ?? 0 },
    remaining: remainingCapacity(location, usage),
  };
}

/** A charge to lower: by `units` and `shipments`, conditional on it still being as read. */
export interface CapacityRefund {
  locationId: string;
  day: string;
  units: number;
  shipments: number;
  expected: { units: number; shipments: number };
}

/**
 * What an order gives back after a release, from its charges and its reservations as they will be
 * after it. Per location the order keeps charged what it still holds or has shipped there
 * (`quantity + consumed`); anything above is refunded, newest day first, and a charge left at 0
 * units gives back its shipment too. Declarative: run again on the same state it refunds nothing,
 * and it also mends a charge that an interrupted multi-transaction reservation left too high.
 */
export function capacityRefunds(
  charges: readonly CapacityCharge[],
  reservationsAfter: readonly { locationId: string; quantity: number; consumed: number }[],
): CapacityRefund[] {
  const held = new Map<string, number>();
  for (const r of reservationsAfter)
    held.set(r.locationId, (held.get(r.locationId) ?? 0) + r.quantity + r.consumed);
  const byLocation = new Map<string, CapacityCharge[]>();
  for (const charge of charges) {
    const list = byLocation.get(charge.locationId);
    if (list) list.push(charge);
    else byLocation.set(charge.locationId, [charge]);
  }
  const refunds: CapacityRefund[] = [];
  for (const [locationId, list] of byLocation) {
    const charged = list.reduce((sum, c) => sum + c.units, 0);
    let excess = charged - (held.get(locationId) ?? 0);
    for (const charge of [...list].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : 0))) {
      if (excess <= 0) break;
      const units = Math.min(excess, charge.units);
      excess -= units;
      const shipments = charge.units - units === 0 ? charge.shipments : 0;
      if (units === 0 && shipments === 0) continue;
      refunds.push({
        locationId,
        day: charge.day,
        units,
        shipments,
        expected: { units: charge.units, shipments: charge.shipments },
      });
    }
  }
  return refunds;
}
