import type { Location, LocationType } from '../domain/location.ts';
import type { GeoPoint } from '../domain/order.ts';

export interface SourcingLine {
  lineId: string;
  sku: string;
  quantity: number;
}

export type SourcingDelivery =
  | { method: 'ship'; destination: GeoPoint }
  | { method: 'pickup'; pickupLocationId: string };

/** Units of one SKU that a location can promise now (see `availableToSell`). */
export interface CandidatePosition {
  sku: string;
  locationId: string;
  ats: number;
}

/**
 * Carrier cost of a shipment of `u` units over `d` km (haversine), all in minor units:
 *
 *   shipping = round(perShipment + perShipmentPerKm × d) + u × round(perUnit + perUnitPerKm × d)
 *
 * The two rates are rounded once per location, so a shipment's cost stays exactly linear in its
 * units (an integer fixed part plus an integer per-unit part). Linearity is what lets the optimiser
 * solve the quantity assignment exactly. Pickup handovers have no carrier cost; store transfers use
 * the distance from the source to the pickup store.
 */
export interface ShippingCostModel {
  perShipment: number;
  perShipmentPerKm: number;
  perUnit: number;
  perUnitPerKm: number;
}

export type SourcingPreference = 'none' | 'prefer-warehouse' | 'prefer-store';
export type SourcingMode = 'auto' | 'exact' | 'heuristic';

export interface SourcingPolicy {
  /** Most shipments from our own locations (pickup handover and transfers included). Drop-ship is not counted. */
  maxShipments: number;
  /** May one line be sent from several locations? */
  allowSplit: boolean;
  /** Units no location can send are backordered; otherwise the plan lists them as unfulfillable. */
  allowBackorder: boolean;
  /** May vendors ship directly to the customer? */
  allowDropShip: boolean;
  excludedLocationIds: readonly string[];
  /**
   * Expressed as a per-shipment penalty (`preferencePenalty`, minor units) on ship-to-customer shipments
   * from other own location types: prefer-warehouse penalises stores and dark stores, prefer-store
   * penalises warehouses and dark stores. It steers the choice but is not money: `totalCost` excludes it.
   */
  preference: SourcingPreference;
  preferencePenalty?: number;
  /** For pickup orders, may other locations transfer stock to the pickup store? */
  allowTransferForPickup: boolean;
  /** `exact` proves optimality (within the node budget); `heuristic` is fast with a reported gap; `auto` picks. */
  mode: SourcingMode;
}

export const DEFAULT_PREFERENCE_PENALTY = 1_000;

export const DEFAULT_SOURCING_POLICY: SourcingPolicy = {
  maxShipments: 3,
  allowSplit: true,
  allowBackorder: true,
  allowDropShip: true,
  excludedLocationIds: [],
  preference: 'none',
  allowTransferForPickup: true,
  mode: 'auto',
};

export interface SourcingRequest {
  lines: readonly SourcingLine[];
  delivery: SourcingDelivery;
  positions: readonly CandidatePosition[];
  locations: readonly Location[];
  /** Shipments each location can still take today; a missing entry means its full `dailyShipmentCapacity`. */
  remainingCapacity?: Readonly<Record<string, number>>;
  shippingCost: ShippingCostModel;
  policy: SourcingPolicy;
}

/** Search limits. A time budget makes results depend on machine speed, so it is off unless set. */
export interface SearchLimits {
  /** Branch-and-bound nodes before giving up on a proof. */
  nodeBudget?: number;
  timeBudgetMs?: number;
}

export type ShipmentKind = 'ship' | 'pickup' | 'transfer' | 'drop-ship';

export interface ShipmentCost {
  /** The location's `shipmentFixedCost` (0 for a pickup handover: every plan pays it, so it is left out). */
  fixed: number;
  /** `unitHandlingCost` × units. */
  handling: number;
  /** Carrier cost from the shipping model (0 for a pickup handover). */
  shipping: number;
  /** fixed + handling + shipping: real money. */
  total: number;
  /** Preference penalty that steered the choice; not money, not in `total`. */
  penalty: number;
}

export interface PlannedLine {
  lineId: string;
  sku: string;
  quantity: number;
}

export interface PlannedShipment {
  locationId: string;
  locationType: LocationType;
  kind: ShipmentKind;
  /** For transfers: the pickup store the stock goes to. */
  toLocationId?: string;
  distanceKm: number;
  lines: PlannedLine[];
  units: number;
  cost: ShipmentCost;
}

export interface LineQuantity {
  lineId: string;
  quantity: number;
}

export type SourcingReasonCode =
  | 'location-selected'
  | 'line-split'
  | 'line-drop-shipped'
  | 'line-backordered'
  | 'line-unfulfillable'
  | 'location-excluded'
  | 'location-paused'
  | 'location-no-capability'
  | 'location-no-capacity'
  | 'location-unknown'
  | 'drop-ship-not-allowed'
  | 'transfer-not-allowed'
  | 'pickup-location-unavailable'
  | 'search';

export interface SourcingReason {
  code: SourcingReasonCode;
  message: string;
  locationId?: string;
  lineId?: string;
}

export interface SourcingPlan {
  /** Shipments from our own locations: to the customer, pickup handover, or transfers to the pickup store. */
  shipments: PlannedShipment[];
  /** Vendor shipments straight to the customer. */
  dropShip: PlannedShipment[];
  backordered: LineQuantity[];
  /** Units nobody can send when backorders are not allowed. */
  unfulfillable: LineQuantity[];
  /** Money: Σ shipment totals (shipments and drop-ship), minor units. */
  totalCost: number;
  /** What the optimiser minimises once shipped units are maximised: totalCost + preference penalties. */
  objective: number;
  /**
   * A valid lower bound on `objective` for any plan that ships at least as many units as this one.
   * Equal to `objective` when `optimal`; the gap is the price of a heuristic answer.
   */
  lowerBound: number;
  /** (objective − lowerBound) ÷ objective: how far from the optimum this plan may be (0 when optimal). */
  gap: number;
  /** Proved optimal: most units shipped, then least objective. */
  optimal: boolean;
  method: 'exact' | 'heuristic' | 'naive';
  /** Branch-and-bound nodes explored (0 for heuristic and naive plans). */
  nodesExplored: number;
  reasons: SourcingReason[];
}
