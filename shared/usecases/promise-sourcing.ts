import {
  type DeliveryPromise,
  locationPromise,
  type ServiceLevel,
  type ShipTo,
} from '../domain/delivery-promise.ts';
import type { Location } from '../domain/location.ts';
import type { Order, OrderPromise } from '../domain/order.ts';

/**
 * Service levels in sourcing (docs/inventory.md, "Delivery promise"). Before the engine plans, every
 * location that cannot meet the order's service level is excluded (the engine is not changed: it sees
 * fewer candidates, and cost breaks the tie between those left):
 *
 * - a location with `deliveryPromise` meets the level when it offers it (a cut-off) and has a transit
 *   time to the ship-to; when the channel sent `promisedBy`, its promise must also arrive by then;
 * - a location without `deliveryPromise` makes no promise: it takes standard orders without a
 *   channel `promisedBy`, nothing else.
 *
 * What no eligible location can supply follows the backorder path, with the reason on the order's
 * history.
 */
export interface ServiceLevelSourcing {
  serviceLevel: ServiceLevel;
  /** Promises of the eligible locations that make one, by location id. */
  promises: Map<string, DeliveryPromise>;
  /** Locations left out because they cannot meet the level (or the channel's promisedBy). */
  excluded: string[];
  shipTo: ShipTo;
  /** The channel's promise the order must keep, when it sent one. */
  promisedBy?: string;
}

/** Undefined for pickup orders: they have no carrier leg to promise. */
export function serviceLevelSourcing(
  order: Order,
  locations: readonly Location[],
  shipTo: ShipTo | undefined,
  now: Date,
): ServiceLevelSourcing | undefined {
  if (order.delivery.method !== 'ship' || shipTo === undefined) return undefined;
  const serviceLevel = order.delivery.service;
  const promisedBy = order.promise?.source === 'channel' ? order.promisedBy : undefined;
  const promises = new Map<string, DeliveryPromise>();
  const excluded: string[] = [];
  for (const location of locations) {
    if (location.deliveryPromise === undefined) {
      if (serviceLevel !== 'standard' || promisedBy !== undefined) excluded.push(location.locationId);
      continue;
    }
    const promise = locationPromise(location, serviceLevel, shipTo, now);
    if (promise === undefined || (promisedBy !== undefined && promise.promisedBy > promisedBy)) {
      excluded.push(location.locationId);
    } else promises.set(location.locationId, promise);
  }
  return {
    serviceLevel,
    promises,
    excluded,
    shipTo,
    ...(promisedBy === undefined ? {} : { promisedBy }),
  };
}

/**
 * Why units were backordered when locations holding stock were left out for the service level;
 * undefined when none was (the units are simply not in stock).
 */
export function serviceLevelShortfall(
  sourcing: ServiceLevelSourcing,
  holders: ReadonlySet<string>,
): string | undefined {
  const skipped = sourcing.excluded.filter((id) => holders.has(id)).length;
  if (skipped === 0) return undefined;
  const to = [sourcing.shipTo.country, sourcing.shipTo.postalCode].filter(Boolean).join(' ');
  const by = sourcing.promisedBy === undefined ? '' : ` by ${sourcing.promisedBy}`;
  return `${skipped} location(s) with stock cannot deliver ${sourcing.serviceLevel} to ${to}${by}`;
}

/**
 * The order's promise after an allocation: each location now holding units keeps the promise made
 * when it was first given them (its ship-by is what it is held to), new ones get today's; the
 * order's `promisedBy` is the channel's, or else the latest delivery of its locations.
 */
export function withPromise(
  order: Order,
  sourcing: ServiceLevelSourcing | undefined,
  activeLocationIds: readonly string[],
): Order {
  if (sourcing === undefined) return order;
  const previous = new Map((order.promise?.locations ?? []).map((p) => [p.locationId, p]));
  const locations: OrderPromise['locations'] = [];
  for (const locationId of [...new Set(activeLocationIds)].sort()) {
    const kept = previous.get(locationId);
    const promise = kept ?? sourcing.promises.get(locationId);
    if (promise === undefined) continue;
    locations.push({
      locationId,
      shipDate: promise.shipDate,
      shipBy: promise.shipBy,
      promisedBy: promise.promisedBy,
    });
  }
  const source = order.promise?.source === 'channel' ? 'channel' : 'allocation';
  const latest = locations
    .map((p) => p.promisedBy)
    .sort()
    .at(-1);
  const promisedBy = source === 'channel' ? order.promisedBy : latest;
  const { promisedBy: _old, ...rest } = order;
  return {
    ...rest,
    ...(promisedBy === undefined ? {} : { promisedBy }),
    promise: { source, serviceLevel: sourcing.serviceLevel, locations },
  };
}
