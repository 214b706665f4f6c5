import { haversineKm } from '../domain/geo.ts';
import { canServePickup, canShipToCustomers, type Location } from '../domain/location.ts';
import { shipmentShippingCost, unitShippingCost } from './shipping-cost.ts';
import {
  DEFAULT_PREFERENCE_PENALTY,
  type ShipmentKind,
  type SourcingLine,
  type SourcingPolicy,
  type SourcingReason,
  type SourcingRequest,
} from './types.ts';

/** An eligible location with its costs reduced to the linear form the optimiser works with. */
export interface Candidate {
  /** Position in `SourcingProblem.candidates` (search order). */
  index: number;
  location: Location;
  kind: ShipmentKind;
  /** Counts toward `maxShipments` (every kind except drop-ship). */
  counted: boolean;
  toLocationId?: string;
  distanceKm: number;
  fixedCost: number;
  shipmentShipping: number;
  penalty: number;
  unitHandling: number;
  unitShipping: number;
  /** F: paid once if the location is used = fixed + per-shipment shipping + penalty. */
  openCost: number;
  /** c: paid per unit = handling + per-unit shipping. */
  unitCost: number;
  /** Rank by (unitCost, locationId): the order in which a fixed set is filled. */
  unitRank: number;
  /** Most units this location could send for the order: Σ_k min(stock, demand). */
  capacityUnits: number;
  /** c + F / capacityUnits: a per-unit price that never undercounts what the location costs. */
  amortisedUnitCost: number;
  /** SKU indices it holds (stock > 0). */
  skus: number[];
}

export interface SourcingProblem {
  policy: SourcingPolicy;
  lines: SourcingLine[];
  skus: string[];
  /** Σ quantity of the lines of each SKU. */
  demand: number[];
  /** Line indices per SKU, in order. */
  linesBySku: number[][];
  lineSku: number[];
  totalUnits: number;
  /** Per SKU: min(demand, Σ capped stock of the candidates): no plan ships more of it. */
  shippableBySku: Int32Array;
  /** Σ shippableBySku. */
  shippableUnits: number;
  candidates: Candidate[];
  /** stock[candidate × skuCount + sku], capped at the SKU's demand (more can never be used). */
  stock: Int32Array;
  /**
   * The same holdings packed per candidate (compressed rows): candidate j holds `holdingUnits[h]` of
   * SKU `holdingSku[h]` for h in [holdingStart[j], holdingStart[j + 1]). The bounds walk every
   * holding at every search node; flat typed arrays keep that walk cheap.
   */
  holdingStart: Int32Array;
  holdingSku: Int32Array;
  holdingUnits: Int32Array;
  /** Candidates holding each SKU, by amortised cost then search order. */
  stockersByAmortised: number[][];
  /** Candidates holding each SKU, by unit cost (unitRank). */
  stockersByUnit: number[][];
  /** Candidates holding each SKU, by stock descending then search order. */
  stockersBySupply: number[][];
  /**
   * Per candidate: the nearest earlier candidate identical to it (same open and unit costs, same
   * counting toward maxShipments, same capped stock of every SKU), or -1. Identical locations are
   * interchangeable in every plan, so the search opens one only after its earlier twin (see
   * `searchExact`): on networks of many identical stores this removes the permutations of the same plan.
   */
  previousTwin: Int32Array;
  /** Cheapest open cost among candidates from index j on (all, and drop-ship only). */
  suffixMinOpenCost: Float64Array;
  suffixMinVendorOpenCost: Float64Array;
  maxCounted: number;
  allowSplit: boolean;
  /** Per SKU: units held by eligible locations including those dropped as dominated (for reasons). */
  eligibleStock: number[];
  /** Per SKU: whether some eligible own (non-vendor) location holds it. */
  heldByOwnLocation: boolean[];
  /** Per SKU: largest single eligible holding. */
  largestHolding: number[];
  /** Per SKU: how many eligible locations hold it. */
  holderCount: number[];
  skipReasons: SourcingReason[];
  pickupLocationId?: string;
}

export interface BuildOptions {
  /** Drop locations another location beats on every count (exact search only; the naive plan keeps them). */
  pruneDominated: boolean;
}

const OWN_TYPES_PENALISED: Record<SourcingPolicy['preference'], ReadonlySet<Location['type']>> = {
  none: new Set(),
  'prefer-warehouse': new Set(['store', 'dark-store']),
  'prefer-store': new Set(['warehouse', 'dark-store']),
};

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function buildProblem(request: SourcingRequest, options: BuildOptions): SourcingProblem {
  const { policy } = request;
  const lines = request.lines.filter((line) => line.quantity > 0);
  const skuIndex = new Map<string, number>();
  const skus: string[] = [];
  const demand: number[] = [];
  const linesBySku: number[][] = [];
  const lineSku: number[] = [];
  lines.forEach((line, lineIndex) => {
    let k = skuIndex.get(line.sku);
    if (k === undefined) {
      k = skus.length;
      skuIndex.set(line.sku, k);
      skus.push(line.sku);
      demand.push(0);
      linesBySku.push([]);
    }
    demand[k]! += line.quantity;
    linesBySku[k]!.push(lineIndex);
    lineSku.push(k);
  });
  const m = skus.length;

  // ATS per location for the SKUs this order needs; duplicate positions add up.
  const holdings = new Map<string, number[]>();
  for (const position of request.positions) {
    const k = skuIndex.get(position.sku);
    if (k === undefined || !(position.ats > 0)) continue;
    let row = holdings.get(position.locationId);
    if (row === undefined) {
      row = new Array<number>(m).fill(0);
      holdings.set(position.locationId, row);
    }
    row[k]! += Math.floor(position.ats);
  }

  const locationsById = new Map<string, Location>();
  for (const location of request.locations) {
    if (!locationsById.has(location.locationId)) locationsById.set(location.locationId, location);
  }
  const excluded = new Set(policy.excludedLocationIds);
  const skipReasons: SourcingReason[] = [];
  const skip = (code: SourcingReason['code'], locationId: string, message: string) =>
    skipReasons.push({ code, locationId, message });
  const capacityOf = (location: Location) =>
    request.remainingCapacity?.[location.locationId] ?? location.dailyShipmentCapacity;
  const penaltyAmount = policy.preferencePenalty ?? DEFAULT_PREFERENCE_PENALTY;
  const penalised = OWN_TYPES_PENALISED[policy.preference];

  interface Draft {
    location: Location;
    kind: ShipmentKind;
    distanceKm: number;
    toLocationId?: string;
    row: number[];
  }
  const drafts: Draft[] = [];
  const delivery = request.delivery;
  let pickupStore: Location | undefined;
  if (delivery.method === 'pickup') {
    pickupStore = locationsById.get(delivery.pickupLocationId);
    const problem =
      pickupStore === undefined
        ? 'is not a known location'
        : excluded.has(pickupStore.locationId)
          ? 'is excluded by policy'
          : pickupStore.status !== 'active'
            ? 'is paused'
            : !canServePickup(pickupStore)
              ? 'does not offer pickup'
              : undefined;
    if (problem !== undefined) {
      skipReasons.push({
        code: 'pickup-location-unavailable',
        locationId: delivery.pickupLocationId,
        message: `Pickup location ${delivery.pickupLocationId} ${problem}: nothing can be sourced for pickup`,
      });
      pickupStore = undefined;
    }
  }

  for (const locationId of [...holdings.keys()].sort(compareIds)) {
    const row = holdings.get(locationId)!;
    const location = locationsById.get(locationId);
    if (location === undefined) {
      skip('location-unknown', locationId, `${locationId} has stock but is not a known location; skipped`);
      continue;
    }
    if (delivery.method === 'pickup') {
      if (pickupStore === undefined) continue;
      if (locationId === pickupStore.locationId) {
        drafts.push({ location, kind: 'pickup', distanceKm: 0, row });
        continue;
      }
      if (location.type === 'vendor') {
        skip(
          'drop-ship-not-allowed',
          locationId,
          `${locationId} is a vendor and cannot send stock to a pickup store`,
        );
      } else if (!policy.allowTransferForPickup) {
        skip(
          'transfer-not-allowed',
          locationId,
          `${locationId} has stock but transfers for pickup are not allowed`,
        );
      } else if (excluded.has(locationId)) {
        skip('location-excluded', locationId, `${locationId} is excluded by policy`);
      } else if (location.status !== 'active') {
        skip('location-paused', locationId, `${locationId} is paused`);
      } else if (!location.transferToStores) {
        skip('location-no-capability', locationId, `${locationId} does not transfer stock to stores`);
      } else if (capacityOf(location) <= 0) {
        skip('location-no-capacity', locationId, `${locationId} has no shipment capacity left today`);
      } else {
        drafts.push({
          location,
          kind: 'transfer',
          distanceKm: haversineKm(location.geo, pickupStore.geo),
          toLocationId: pickupStore.locationId,
          row,
        });
      }
      continue;
    }
    const isVendor = location.type === 'vendor';
    if (excluded.has(locationId)) {
      skip('location-excluded', locationId, `${locationId} is excluded by policy`);
    } else if (location.status !== 'active') {
      skip('location-paused', locationId, `${locationId} is paused`);
    } else if (isVendor && !policy.allowDropShip) {
      skip('drop-ship-not-allowed', locationId, `${locationId} is a vendor and drop-ship is not allowed`);
    } else if (!canShipToCustomers(location)) {
      skip(
        'location-no-capability',
        locationId,
        `${locationId} cannot ship to customers (needs ${location.type === 'store' ? "'ship' or 'ship-from-store'" : "'ship'"})`,
      );
    } else if (capacityOf(location) <= 0) {
      skip('location-no-capacity', locationId, `${locationId} has no shipment capacity left today`);
    } else {
      drafts.push({
        location,
        kind: isVendor ? 'drop-ship' : 'ship',
        distanceKm: haversineKm(location.geo, delivery.destination),
        row,
      });
    }
  }

  const eligibleStock = new Array<number>(m).fill(0);
  const heldByOwnLocation = new Array<boolean>(m).fill(false);
  const largestHolding = new Array<number>(m).fill(0);
  const holderCount = new Array<number>(m).fill(0);
  let candidates: Candidate[] = drafts.map((draft) => {
    const { location, kind, distanceKm } = draft;
    const pickup = kind === 'pickup';
    const shipmentShipping = pickup ? 0 : shipmentShippingCost(request.shippingCost, distanceKm);
    const unitShipping = pickup ? 0 : unitShippingCost(request.shippingCost, distanceKm);
    const penalty = kind === 'ship' && penalised.has(location.type) ? penaltyAmount : 0;
    // Every pickup order is handed over at the pickup store whatever the sources, so that handover
    // cost is the same for all plans and left out; its stock costs only handling.
    const fixedCost = pickup ? 0 : location.shipmentFixedCost;
    const openCost = fixedCost + shipmentShipping + penalty;
    const unitCost = location.unitHandlingCost + unitShipping;
    const skusHeld: number[] = [];
    let capacityUnits = 0;
    for (let k = 0; k < m; k++) {
      const units = draft.row[k]!;
      if (units <= 0) continue;
      skusHeld.push(k);
      const usable = Math.min(units, demand[k]!);
      capacityUnits += usable;
      eligibleStock[k]! += units;
      holderCount[k]! += 1;
      largestHolding[k] = Math.max(largestHolding[k]!, units);
      if (kind !== 'drop-ship') heldByOwnLocation[k] = true;
    }
    return {
      index: 0,
      location,
      kind,
      counted: kind !== 'drop-ship',
      ...(draft.toLocationId === undefined ? {} : { toLocationId: draft.toLocationId }),
      distanceKm,
      fixedCost,
      shipmentShipping,
      penalty,
      unitHandling: location.unitHandlingCost,
      unitShipping,
      openCost,
      unitCost,
      unitRank: 0,
      capacityUnits,
      amortisedUnitCost: unitCost + openCost / capacityUnits,
      skus: skusHeld,
    };
  });
  const rowOf = new Map(drafts.map((draft) => [draft.location.locationId, draft.row]));

  // Search order: cheapest per unit including a share of the fixed cost first, so good plans come early.
  candidates.sort(
    (a, b) =>
      a.amortisedUnitCost - b.amortisedUnitCost || compareIds(a.location.locationId, b.location.locationId),
  );

  if (options.pruneDominated) {
    // j is dropped when an earlier kept j' costs no more (open and per unit), counts no more toward
    // maxShipments, and alone holds the whole demand of every SKU j holds: any plan using j can send
    // j's units from j' instead (or drop j if j' is already used) without shipping less or paying more.
    // j' dominating j implies amortised(j') ≤ amortised(j), so j' sorts earlier unless tied.
    // Plain loops over flat arrays: this runs for every eligible location against every kept one.
    const kept: Candidate[] = [];
    const keptOpen: number[] = [];
    const keptUnit: number[] = [];
    const keptCounted: boolean[] = [];
    /** fullDemand[kept × m + k] = 1 when that kept location alone holds the whole demand of SKU k. */
    const fullDemand = new Uint8Array(candidates.length * m);
    for (const candidate of candidates) {
      let dominated = false;
      for (let i = 0; i < kept.length && !dominated; i++) {
        if (keptOpen[i]! > candidate.openCost || keptUnit[i]! > candidate.unitCost) continue;
        if (keptCounted[i] && !candidate.counted) continue;
        dominated = true;
        for (const k of candidate.skus) {
          if (fullDemand[i * m + k] === 0) {
            dominated = false;
            break;
          }
        }
      }
      if (dominated) continue;
      const row = rowOf.get(candidate.location.locationId)!;
      for (const k of candidate.skus) if (row[k]! >= demand[k]!) fullDemand[kept.length * m + k] = 1;
      kept.push(candidate);
      keptOpen.push(candidate.openCost);
      keptUnit.push(candidate.unitCost);
      keptCounted.push(candidate.counted);
    }
    candidates = kept;
  }

  const n = candidates.length;
  const stock = new Int32Array(n * m);
  candidates.forEach((candidate, index) => {
    candidate.index = index;
    const row = rowOf.get(candidate.location.locationId)!;
    for (const k of candidate.skus) stock[index * m + k] = Math.min(row[k]!, demand[k]!);
  });
  const holdingStart = new Int32Array(n + 1);
  candidates.forEach((candidate, index) => {
    holdingStart[index + 1] = holdingStart[index]! + candidate.skus.length;
  });
  const holdingSku = new Int32Array(holdingStart[n]!);
  const holdingUnits = new Int32Array(holdingStart[n]!);
  candidates.forEach((candidate, index) => {
    let h = holdingStart[index]!;
    for (const k of candidate.skus) {
      holdingSku[h] = k;
      holdingUnits[h] = stock[index * m + k]!;
      h += 1;
    }
  });
  const shippableBySku = new Int32Array(m);
  for (let h = 0; h < holdingSku.length; h++) shippableBySku[holdingSku[h]!]! += holdingUnits[h]!;
  for (let k = 0; k < m; k++) shippableBySku[k] = Math.min(shippableBySku[k]!, demand[k]!);
  const previousTwin = new Int32Array(n).fill(-1);
  const lastOfShape = new Map<string, number>();
  candidates.forEach((candidate, index) => {
    const row = Array.from(stock.subarray(index * m, index * m + m)).join(',');
    const shape = `${candidate.openCost}|${candidate.unitCost}|${candidate.counted}|${row}`;
    previousTwin[index] = lastOfShape.get(shape) ?? -1;
    lastOfShape.set(shape, index);
  });
  [...candidates]
    .sort((a, b) => a.unitCost - b.unitCost || compareIds(a.location.locationId, b.location.locationId))
    .forEach((candidate, rank) => {
      candidate.unitRank = rank;
    });

  const stockersByAmortised: number[][] = skus.map(() => []);
  for (const candidate of candidates)
    for (const k of candidate.skus) stockersByAmortised[k]!.push(candidate.index);
  const stockersByUnit = stockersByAmortised.map((list) =>
    [...list].sort((a, b) => candidates[a]!.unitRank - candidates[b]!.unitRank),
  );
  const stockersBySupply = stockersByAmortised.map((list, k) =>
    [...list].sort((a, b) => stock[b * m + k]! - stock[a * m + k]! || a - b),
  );

  const suffixMinOpenCost = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const suffixMinVendorOpenCost = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  for (let j = n - 1; j >= 0; j--) {
    const candidate = candidates[j]!;
    suffixMinOpenCost[j] = Math.min(suffixMinOpenCost[j + 1]!, candidate.openCost);
    suffixMinVendorOpenCost[j] = candidate.counted
      ? suffixMinVendorOpenCost[j + 1]!
      : Math.min(suffixMinVendorOpenCost[j + 1]!, candidate.openCost);
  }

  return {
    policy,
    lines,
    skus,
    demand,
    linesBySku,
    lineSku,
    totalUnits: demand.reduce((sum, d) => sum + d, 0),
    shippableBySku,
    shippableUnits: shippableBySku.reduce((sum, units) => sum + units, 0),
    candidates,
    stock,
    holdingStart,
    holdingSku,
    holdingUnits,
    stockersByAmortised,
    stockersByUnit,
    stockersBySupply,
    previousTwin,
    suffixMinOpenCost,
    suffixMinVendorOpenCost,
    maxCounted: Math.max(0, Math.floor(policy.maxShipments)),
    allowSplit: policy.allowSplit,
    eligibleStock,
    heldByOwnLocation,
    largestHolding,
    holderCount,
    skipReasons,
    ...(pickupStore === undefined ? {} : { pickupLocationId: pickupStore.locationId }),
  };
}
