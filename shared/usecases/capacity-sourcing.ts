import { type CapacityCharge, locationDay, measureOf, remainingCapacity } from '../domain/capacity.ts';
import type { CapacityMeasure, Location } from '../domain/location.ts';
import type { CapacityTake, InventoryStore } from '../ports/inventory-store.ts';
import { planShipments } from '../sourcing/plan-shipments.ts';
import type { CandidatePosition, SourcingPlan, SourcingRequest } from '../sourcing/types.ts';

/** One location's capacity today, as this order sees it. */
export interface CapacityView {
  locationId: string;
  day: string;
  measure: CapacityMeasure;
  limit: number;
  /** What the location can still take today, in its measure. */
  remaining: number;
  /** What this order has already taken of it today. */
  charge: CapacityCharge | undefined;
}

/**
 * Today's capacity (in each location's own time zone) of the locations holding the stock, and what
 * this order already took of it. Read before planning; the reservation's transaction re-checks it.
 */
export async function readCapacity(
  inventory: Pick<InventoryStore, 'getCapacityUsage' | 'listCapacityCharges'>,
  orderId: string,
  locations: readonly Location[],
  at: Date,
): Promise<Map<string, CapacityView>> {
  if (locations.length === 0) return new Map();
  const keys = locations.map((l) => ({ locationId: l.locationId, day: locationDay(l, at) }));
  const [usage, charges] = await Promise.all([
    inventory.getCapacityUsage(keys),
    inventory.listCapacityCharges(orderId),
  ]);
  const views = new Map<string, CapacityView>();
  locations.forEach((location, i) => {
    const day = keys[i]!.day;
    views.set(location.locationId, {
      locationId: location.locationId,
      day,
      measure: measureOf(location),
      limit: location.dailyShipmentCapacity,
      remaining: remainingCapacity(location, usage[i]),
      charge: charges.find((c) => c.locationId === location.locationId && c.day === day),
    });
  });
  return views;
}

/** Locations whose units go out as (or toward) a carrier shipment; a pickup handover uses no capacity. */
const usesCapacity = (shipment: { kind: string }) => shipment.kind !== 'pickup';

/**
 * Plans with the sourcing engine within today's capacity.
 *
 * The engine takes `remainingCapacity` per location and, as it counts at most one shipment per
 * location per order, that is exactly enough for shipment-counted locations (one already counted
 * for this order today costs nothing more). Unit-counted locations also bound the units: each of
 * their positions is offered at most the units left; should an order need several SKUs from one
 * location and the plan take more than it has left in total, that location's offer is cut down to
 * what the plan took from it, in plan order, up to the limit (its other SKUs to 0), and the order is
 * re-planned. Each round settles at least one location for good, so this ends.
 */
export function planWithinCapacity(
  request: Omit<SourcingRequest, 'remainingCapacity'>,
  capacity: ReadonlyMap<string, CapacityView>,
): SourcingPlan {
  const pickupStoreId = request.delivery.method === 'pickup' ? request.delivery.pickupLocationId : undefined;
  const counted = [...capacity.values()].filter((view) => view.locationId !== pickupStoreId);
  const remainingCapacity: Record<string, number> = {};
  for (const view of counted) {
    remainingCapacity[view.locationId] =
      view.measure === 'shipments' && (view.charge?.shipments ?? 0) > 0
        ? Math.max(1, view.remaining)
        : view.remaining;
  }
  const unitLimited = new Map(
    counted.filter((view) => view.measure === 'units').map((view) => [view.locationId, view.remaining]),
  );
  /** Per unit-counted location whose total was exceeded: units offered per SKU. */
  const cuts = new Map<string, Map<string, number>>();
  const offered = (p: CandidatePosition): CandidatePosition => {
    const left = unitLimited.get(p.locationId);
    if (left === undefined) return p;
    const cut = cuts.get(p.locationId);
    const limit = cut === undefined ? left : (cut.get(p.sku) ?? 0);
    return p.ats <= limit ? p : { ...p, ats: limit };
  };

  for (let round = 0; ; round++) {
    const plan = planShipments({
      ...request,
      positions: request.positions.map(offered),
      remainingCapacity,
    });
    const over = plan.shipments
      .concat(plan.dropShip)
      .filter(usesCapacity)
      .filter((s) => !cuts.has(s.locationId) && s.units > (unitLimited.get(s.locationId) ?? Infinity));
    if (over.length === 0 || round > unitLimited.size) return plan;
    for (const shipment of over) {
      let left = unitLimited.get(shipment.locationId)!;
      const cut = new Map<string, number>();
      for (const line of shipment.lines) {
        const take = Math.min(left, line.quantity);
        cut.set(line.sku, (cut.get(line.sku) ?? 0) + take);
        left -= take;
      }
      cuts.set(shipment.locationId, cut);
    }
  }
}

/** The capacity the plan takes, per location: its units, and a shipment unless one is already counted today. */
export function capacityTakes(
  plan: SourcingPlan,
  capacity: ReadonlyMap<string, CapacityView>,
): CapacityTake[] {
  const units = new Map<string, number>();
  for (const shipment of plan.shipments.concat(plan.dropShip)) {
    if (!usesCapacity(shipment) || shipment.units <= 0) continue;
    units.set(shipment.locationId, (units.get(shipment.locationId) ?? 0) + shipment.units);
  }
  const takes: CapacityTake[] = [];
  for (const [locationId, quantity] of units) {
    const view = capacity.get(locationId);
    if (view === undefined) throw new Error(`the plan uses ${locationId}, whose capacity was not read`);
    const charge = view.charge;
    takes.push({
      locationId,
      day: view.day,
      units: quantity,
      shipments: (charge?.shipments ?? 0) > 0 ? 0 : 1,
      expected: charge === undefined ? undefined : { units: charge.units, shipments: charge.shipments },
      measure: view.measure,
      limit: view.limit,
    });
  }
  return takes;
}
