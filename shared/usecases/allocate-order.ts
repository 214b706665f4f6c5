import { z } from 'zod';
import type { ShipTo } from '../domain/delivery-promise.ts';
import { conflict, notFound } from '../domain/errors.ts';
import { availableToSell, type InventoryPosition } from '../domain/inventory.ts';
import {
  type Actor,
  type GeoPoint,
  LocationIdSchema,
  type Order,
  OrderIdSchema,
  type OrderLine,
} from '../domain/order.ts';
import { isProgressStatus, PROGRESS_STATUSES } from '../domain/order-progress.ts';
import { assertTransition, type LineStatus, type OrderStatus } from '../domain/order-status.ts';
import { parseOrThrow } from '../domain/validation.ts';
import {
  allocationSummary,
  orderAllocated,
  orderBackordered,
  type ReservedUnits,
} from '../events/inventory-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type {
  InventoryStore,
  PositionReservation,
  Reservation,
  ReservationChange,
} from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import { candidatePositions } from '../sourcing/candidates.ts';
import {
  DEFAULT_SOURCING_POLICY,
  type ShippingCostModel,
  type SourcingDelivery,
  type SourcingPlan,
  type SourcingPolicy,
} from '../sourcing/types.ts';
import { capacityTakes, planWithinCapacity, readCapacity } from './capacity-sourcing.ts';
import {
  type ServiceLevelSourcing,
  serviceLevelShortfall,
  serviceLevelSourcing,
  withPromise,
} from './promise-sourcing.ts';
import { releaseActiveReservations } from './release-reservations.ts';

/** Placeholder carrier rates (minor units); configure from the carrier contract. */
export const DEFAULT_SHIPPING_COST: ShippingCostModel = {
  perShipment: 350,
  perShipmentPerKm: 0.4,
  perUnit: 40,
  perUnitPerKm: 0.08,
};

export interface AllocationSourcing {
  shippingCost: ShippingCostModel;
  policy: SourcingPolicy;
  /** Places a ship-to address that has no coordinates. Without a point the plan ignores distance. */
  geocode?: (address: { postalCode: string; country: string }) => Promise<GeoPoint | undefined>;
}

/** Optional per-call overrides, e.g. to re-source without a location that rejected the order. */
export const AllocateOrderRequestSchema = z.strictObject({
  excludedLocationIds: z.array(LocationIdSchema).max(100).optional(),
  maxShipments: z.number().int().min(1).max(10).optional(),
  allowSplit: z.boolean().optional(),
  preference: z.enum(['none', 'prefer-warehouse', 'prefer-store']).optional(),
});

export interface AllocatedLineQuantities {
  lineId: string;
  sku: string;
  quantity: number;
  allocated: number;
  backordered: number;
}

export interface AllocationResult {
  order: Order;
  /** The plan of the last sourcing run; absent when nothing was left to source. */
  plan?: SourcingPlan;
  /** Units reserved by this call (nothing when the order was already allocated). */
  reservedNow: ReservedUnits[];
  /** Every reservation of the order after this call. */
  reservations: Reservation[];
  lines: AllocatedLineQuantities[];
  /** false when the order was left as it was (a repeat run with nothing new to reserve). */
  changed: boolean;
}

/** Orders whose open lines may (still) be sourced. */
const ALLOCATABLE: readonly OrderStatus[] = [
  'CREATED',
  'ALLOCATED',
  'PARTIALLY_ALLOCATED',
  'BACKORDERED',
  'RELEASED',
  // Units shipped and the rest re-sourced (a location rejected) or woken from a backorder.
  ...PROGRESS_STATUSES,
];
/** Lines not yet shipped, delivered, cancelled or returned. */
const OPEN_LINE: readonly LineStatus[] = ['CREATED', 'ALLOCATED', 'BACKORDERED', 'RELEASED'];

export const DEFAULT_MAX_ALLOCATION_ATTEMPTS = 12;

const pairKey = (a: string, b: string) => `${a}\u0000${b}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sources an order and reserves its stock without ever overselling.
 *
 * 1. Read the order, its reservations, and (consistently) every position of the SKUs still needed.
 * 2. Plan with the sourcing engine on ATS = on hand − reserved − safety stock, within each
 *    location's capacity left today (capacity-sourcing.ts).
 * 3. Reserve in one conditional transaction per order (split only by position when it exceeds 100
 *    writes): each position's `reserved` rises only if on hand and safety stock are as read and
 *    `reserved ≤ on hand − safety stock − qty`; each reservation item is written only if it is as read
 *    (absent or at the quantity read); each location's day counter rises only within its limit, and
 *    the order's capacity charge only if it is as read. Any refusal means someone else got there
 *    first: re-read and re-plan, a bounded number of times. What no location can supply is backordered.
 * 4. Record the line quantities and status on the order (optimistic concurrency), with an
 *    OrderAllocated or OrderBackordered event in the same write.
 *
 * The reservation items are the record: a repeated or concurrent run for the same order sees them
 * and reserves only what is still missing, so nothing is reserved twice.
 */
export function makeAllocateOrder(deps: {
  orders: OrderRepository;
  inventory: InventoryStore;
  locations: LocationRepository;
  clock: Clock;
  ids: IdGenerator;
  sourcing?: Partial<AllocationSourcing>;
  maxAttempts?: number;
}) {
  const shippingCost = deps.sourcing?.shippingCost ?? DEFAULT_SHIPPING_COST;
  const basePolicy = deps.sourcing?.policy ?? DEFAULT_SOURCING_POLICY;
  const maxAttempts = deps.maxAttempts ?? DEFAULT_MAX_ALLOCATION_ATTEMPTS;

  async function sourcingDelivery(
    order: Order,
  ): Promise<{ delivery: SourcingDelivery; distanceKnown: boolean; shipTo?: ShipTo }> {
    if (order.delivery.method === 'pickup') {
      return {
        delivery: { method: 'pickup', pickupLocationId: order.delivery.locationId },
        distanceKnown: true,
      };
    }
    const { address } = order.delivery;
    const point =
      address.geo ??
      (await deps.sourcing?.geocode?.({ postalCode: address.postalCode, country: address.country }));
    const shipTo: ShipTo = {
      country: address.country,
      postalCode: address.postalCode,
      ...(point === undefined ? {} : { geo: point }),
    };
    // Without a destination every location is equally far: only fixed, handling and flat rates count.
    return point === undefined
      ? { delivery: { method: 'ship', destination: { lat: 0, lon: 0 } }, distanceKnown: false, shipTo }
      : { delivery: { method: 'ship', destination: point }, distanceKnown: true, shipTo };
  }

  return async function allocateOrder(input: {
    orderId: string;
    /** Optional sourcing overrides (AllocateOrderRequestSchema). */
    body?: unknown;
    correlationId: string;
    actor?: Actor;
  }): Promise<AllocationResult> {
    const overrides = parseOrThrow(AllocateOrderRequestSchema, input.body ?? {}, 'allocation request');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const policy: SourcingPolicy = {
      ...basePolicy,
      ...(overrides.maxShipments === undefined ? {} : { maxShipments: overrides.maxShipments }),
      ...(overrides.allowSplit === undefined ? {} : { allowSplit: overrides.allowSplit }),
      ...(overrides.preference === undefined ? {} : { preference: overrides.preference }),
      excludedLocationIds: [...basePolicy.excludedLocationIds, ...(overrides.excludedLocationIds ?? [])],
    };
    const actor: Actor = input.actor ?? { type: 'system', id: 'allocate-order' };
    const locations = await deps.locations.all();
    const locationsById = new Map(locations.map((location) => [location.locationId, location]));
    const reservedNow: ReservedUnits[] = [];
    let plan: SourcingPlan | undefined;
    let levelSourcing: ServiceLevelSourcing | undefined;
    let holders = new Set<string>();

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const order = await deps.orders.get(input.orderId);
      if (!order) throw notFound('Order', input.orderId);
      let reservations = await deps.inventory.listReservations(order.orderId);
      if (order.status === 'CANCELLED') {
        // Our reservations may have landed after the cancellation released the order's stock.
        await releaseActiveReservations(deps.inventory, deps.clock, order.orderId);
        throw conflict(`Order ${order.orderId} is CANCELLED and cannot be allocated`, {
          status: order.status,
        });
      }
      if (!ALLOCATABLE.includes(order.status)) {
        throw conflict(`Order ${order.orderId} is ${order.status} and cannot be allocated`, {
          status: order.status,
        });
      }

      const needed = outstandingLines(order, reservations);
      if (needed.length > 0) {
        const skus = [...new Set(needed.map((line) => line.sku))];
        const positions = (await Promise.all(skus.map((sku) => deps.inventory.listPositions(sku)))).flat();
        const { delivery, distanceKnown, shipTo } = await sourcingDelivery(order);
        const now = deps.clock.now();
        // Locations that cannot meet the order's service level are candidates no more (promise-sourcing.ts).
        levelSourcing = serviceLevelSourcing(order, locations, shipTo, now);
        holders = new Set(positions.filter((p) => availableToSell(p) > 0).map((p) => p.locationId));
        const capacity = await readCapacity(
          deps.inventory,
          order.orderId,
          locations.filter((l) => holders.has(l.locationId)),
          now,
        );
        plan = planWithinCapacity(
          {
            lines: needed,
            delivery,
            positions: candidatePositions(positions),
            locations,
            shippingCost: distanceKnown
              ? shippingCost
              : { ...shippingCost, perShipmentPerKm: 0, perUnitPerKm: 0 },
            policy:
              levelSourcing === undefined || levelSourcing.excluded.length === 0
                ? policy
                : {
                    ...policy,
                    excludedLocationIds: [...policy.excludedLocationIds, ...levelSourcing.excluded],
                  },
          },
          capacity,
        );
        const picks = picksFromPlan(plan);
        if (picks.length > 0) {
          const at = now.toISOString();
          const outcome = await deps.inventory.reserveForOrder({
            orderId: order.orderId,
            positions: positionReservations(picks, positions),
            reservations: reservationChanges(picks, reservations),
            capacity: capacityTakes(plan, capacity),
            at,
          });
          if (outcome === 'changed') {
            // Lost a race for the last units or the last of a location's capacity today, or met a
            // concurrent sync: re-read and re-plan (a location now full is left out).
            await sleep(Math.random() * 10 * attempt);
            continue;
          }
          reservedNow.push(...picks);
          reservations = mergeReservations(order.orderId, reservations, picks, at);
        }
      }

      const allocated = withAllocation(order, reservations);
      const updated =
        allocated === undefined
          ? undefined
          : {
              ...withPromise(
                allocated,
                levelSourcing,
                reservations.filter((r) => r.quantity > 0).map((r) => r.locationId),
              ),
              status: allocated.status,
            };
      const result = (o: Order, changed: boolean): AllocationResult => ({
        order: o,
        ...(plan === undefined ? {} : { plan }),
        reservedNow,
        reservations,
        lines: allocatedLines(o),
        changed,
      });
      if (updated === undefined) return result(order, false);

      const now = deps.clock.now().toISOString();
      const base = { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId };
      const active = reservations
        .filter((r) => r.quantity > 0)
        .map(({ lineId, sku, locationId, quantity }) => ({ lineId, sku, locationId, quantity }));
      // Once units have shipped the order's status follows them (order-progress.ts): allocating the
      // rest is announced (OrderAllocated/OrderBackordered) but does not move the order back.
      const next: Order = {
        ...updated,
        ...(isProgressStatus(order.status) ? { status: order.status } : {}),
        updatedAt: now,
        version: order.version + 1,
      };
      const summary = allocationSummary(next, active, locationsById);
      const event =
        updated.status === 'BACKORDERED'
          ? orderBackordered(base, { ...next, status: updated.status }, order.status, summary)
          : orderAllocated(base, { ...next, status: updated.status }, order.status, summary);
      if (next.status !== order.status) assertTransition(order.status, next.status);
      const units = allocatedLines(next);
      const allocatedUnits = units.reduce((sum, l) => sum + l.allocated, 0);
      const backorderedUnits = units.reduce((sum, l) => sum + l.backordered, 0);
      const shortfall =
        backorderedUnits > 0 && levelSourcing !== undefined
          ? serviceLevelShortfall(levelSourcing, holders)
          : undefined;
      const outcome = await deps.orders.update({
        order: next,
        expectedVersion: order.version,
        history:
          next.status === order.status
            ? []
            : [
                {
                  at: now,
                  from: order.status,
                  to: next.status,
                  by: actor,
                  reason: `${allocatedUnits} unit(s) allocated, ${backorderedUnits} backordered${
                    shortfall === undefined ? '' : ` (${shortfall})`
                  }`,
                  eventId: event.eventId,
                },
              ],
        events: [event],
      });
      if (outcome === 'updated') return result(next, true);
      // Changed meanwhile (perhaps cancelled): start over; the reservations made are kept as the record.
    }
    throw conflict(`Order ${input.orderId} could not be allocated: stock is changing concurrently; retry`);
  };
}

/** Per open line: units still to be found = quantity − cancelled − units already reserved or shipped. */
function outstandingLines(order: Order, reservations: readonly Reservation[]) {
  const committed = committedByLine(reservations);
  return order.lines
    .filter((line) => OPEN_LINE.includes(line.status))
    .map((line) => ({
      lineId: line.lineId,
      sku: line.sku,
      quantity: line.quantity - line.quantities.cancelled - (committed.get(line.lineId) ?? 0),
    }))
    .filter((line) => line.quantity > 0);
}

function committedByLine(reservations: readonly Reservation[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reservations) out.set(r.lineId, (out.get(r.lineId) ?? 0) + r.quantity + r.consumed);
  return out;
}

/** Units per (line, location) the plan takes from our own locations and vendors alike. */
export function picksFromPlan(plan: SourcingPlan): ReservedUnits[] {
  const picks = new Map<string, ReservedUnits>();
  for (const shipment of [...plan.shipments, ...plan.dropShip]) {
    for (const line of shipment.lines) {
      const key = pairKey(line.lineId, shipment.locationId);
      const pick = picks.get(key);
      if (pick) pick.quantity += line.quantity;
      else
        picks.set(key, {
          lineId: line.lineId,
          sku: line.sku,
          locationId: shipment.locationId,
          quantity: line.quantity,
        });
    }
  }
  return [...picks.values()].filter((pick) => pick.quantity > 0);
}

/** Units per position, each pinned to the on hand and safety stock the plan was made from. */
export function positionReservations(
  picks: readonly { sku: string; locationId: string; quantity: number }[],
  positions: readonly InventoryPosition[],
): PositionReservation[] {
  const byKey = new Map(positions.map((p) => [pairKey(p.sku, p.locationId), p]));
  const totals = new Map<string, PositionReservation>();
  for (const pick of picks) {
    const key = pairKey(pick.sku, pick.locationId);
    const existing = totals.get(key);
    if (existing) {
      existing.quantity += pick.quantity;
      continue;
    }
    const position = byKey.get(key);
    if (!position) throw new Error(`the plan uses ${pick.sku} at ${pick.locationId}, which has no position`);
    totals.set(key, {
      sku: pick.sku,
      locationId: pick.locationId,
      quantity: pick.quantity,
      expectedOnHand: position.onHand,
      expectedSafetyStock: position.safetyStock,
    });
  }
  for (const reservation of totals.values()) {
    const position = byKey.get(pairKey(reservation.sku, reservation.locationId))!;
    if (reservation.quantity > availableToSell(position)) {
      throw new Error(`the plan takes more than the ATS of ${reservation.sku} at ${reservation.locationId}`);
    }
  }
  return [...totals.values()];
}

function reservationChanges(
  picks: readonly ReservedUnits[],
  existing: readonly Reservation[],
): ReservationChange[] {
  const byKey = new Map(existing.map((r) => [pairKey(r.lineId, r.locationId), r]));
  return picks.map((pick) => ({
    ...pick,
    expectedQuantity: byKey.get(pairKey(pick.lineId, pick.locationId))?.quantity,
  }));
}

function mergeReservations(
  orderId: string,
  existing: readonly Reservation[],
  picks: readonly ReservedUnits[],
  at: string,
): Reservation[] {
  const merged = new Map(existing.map((r) => [pairKey(r.lineId, r.locationId), { ...r }]));
  for (const pick of picks) {
    const key = pairKey(pick.lineId, pick.locationId);
    const reservation = merged.get(key);
    if (reservation) {
      reservation.quantity += pick.quantity;
      reservation.updatedAt = at;
    } else {
      merged.set(key, { orderId, ...pick, consumed: 0, released: 0, createdAt: at, updatedAt: at });
    }
  }
  return [...merged.values()];
}

type AllocatedOrder = Order & { status: 'ALLOCATED' | 'PARTIALLY_ALLOCATED' | 'BACKORDERED' };

/**
 * The order with line quantities and statuses recomputed from its reservations, or undefined when
 * nothing would change (a repeat run writes nothing and announces nothing).
 */
function withAllocation(order: Order, reservations: readonly Reservation[]): AllocatedOrder | undefined {
  const committed = committedByLine(reservations);
  let changed = false;
  const lines = order.lines.map((line): OrderLine => {
    if (!OPEN_LINE.includes(line.status)) return line;
    const allocated = committed.get(line.lineId) ?? 0;
    const backordered = Math.max(0, line.quantity - line.quantities.cancelled - allocated);
    if (
      line.status !== 'CREATED' &&
      allocated === line.quantities.allocated &&
      backordered === line.quantities.backordered
    ) {
      return line;
    }
    changed = true;
    return {
      ...line,
      status: backordered > 0 ? 'BACKORDERED' : 'ALLOCATED',
      quantities: { ...line.quantities, allocated, backordered },
    };
  });
  if (!changed) return undefined;
  const open = lines.filter((line) => OPEN_LINE.includes(line.status));
  const allocated = open.reduce((sum, line) => sum + line.quantities.allocated, 0);
  const backordered = open.reduce((sum, line) => sum + line.quantities.backordered, 0);
  const status: AllocatedOrder['status'] =
    backordered === 0 ? 'ALLOCATED' : allocated === 0 ? 'BACKORDERED' : 'PARTIALLY_ALLOCATED';
  return { ...order, lines, status };
}

function allocatedLines(order: Order): AllocatedLineQuantities[] {
  return order.lines.map((line) => ({
    lineId: line.lineId,
    sku: line.sku,
    quantity: line.quantity,
    allocated: line.quantities.allocated,
    backordered: line.quantities.backordered,
  }));
}
