/** Small sourcing instances for the planShipments suites (test/unit/sourcing*.test.ts). */
import type { Location } from '../../shared/domain/location.ts';
import type { GeoPoint } from '../../shared/domain/order.ts';
import {
  type CandidatePosition,
  DEFAULT_SOURCING_POLICY,
  type ShippingCostModel,
  type SourcingLine,
  type SourcingPlan,
  type SourcingPolicy,
  type SourcingRequest,
} from '../../shared/sourcing/types.ts';

// Points on the equator: 1° of longitude ≈ 111.2 km, so distances are easy to reason about.
export const at = (lon: number): GeoPoint => ({ lat: 0, lon });
export const HOME = at(0);
export const FREE_SHIPPING: ShippingCostModel = {
  perShipment: 0,
  perShipmentPerKm: 0,
  perUnit: 0,
  perUnitPerKm: 0,
};

export function location(locationId: string, overrides: Partial<Location> = {}): Location {
  return {
    locationId,
    name: locationId,
    type: 'warehouse',
    geo: at(1),
    capabilities: ['ship'],
    dailyShipmentCapacity: 100,
    shipmentFixedCost: 500,
    unitHandlingCost: 100,
    status: 'active',
    transferToStores: false,
    ...overrides,
  };
}

export const stock = (locationId: string, sku: string, ats: number): CandidatePosition => ({
  sku,
  locationId,
  ats,
});
export const line = (lineId: string, sku: string, quantity: number): SourcingLine => ({
  lineId,
  sku,
  quantity,
});

export function request(input: {
  lines: SourcingLine[];
  locations: Location[];
  positions: CandidatePosition[];
  policy?: Partial<SourcingPolicy>;
  shippingCost?: ShippingCostModel;
  remainingCapacity?: Record<string, number>;
  pickupLocationId?: string;
}): SourcingRequest {
  return {
    lines: input.lines,
    delivery:
      input.pickupLocationId === undefined
        ? { method: 'ship', destination: HOME }
        : { method: 'pickup', pickupLocationId: input.pickupLocationId },
    positions: input.positions,
    locations: input.locations,
    ...(input.remainingCapacity === undefined ? {} : { remainingCapacity: input.remainingCapacity }),
    shippingCost: input.shippingCost ?? FREE_SHIPPING,
    policy: { ...DEFAULT_SOURCING_POLICY, mode: 'exact', ...input.policy },
  };
}

/** locationId → lineId → units, over shipments and drop-ship. */
export function sources(plan: SourcingPlan): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const shipment of [...plan.shipments, ...plan.dropShip]) {
    const lines: Record<string, number> = {};
    for (const planned of shipment.lines)
      lines[planned.lineId] = (lines[planned.lineId] ?? 0) + planned.quantity;
    out[shipment.locationId] = lines;
  }
  return out;
}

export const reasonCodes = (plan: SourcingPlan, locationId: string) =>
  plan.reasons.filter((reason) => reason.locationId === locationId).map((reason) => reason.code);
