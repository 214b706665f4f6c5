import { integerBound } from './integer-bound.ts';
import type { DualPrices } from './lagrangian.ts';
import type { OpenSet } from './open-set.ts';
import type { SourcingProblem } from './problem.ts';

/**
 * Bounds for a region of the search: every set I ∪ T where I is `open`, T is a subset of the
 * candidates from `start` on (the search only adds later candidates), T respects the remaining
 * `maxShipments` slots, and T is non-empty when `atLeastOne`.
 */
export interface RegionBound {
  /** No set in the region ships more units than this. */
  maxShipped: number;
  /**
   * No set in the region that ships at least `needed` units has a lower objective than this
   * (Infinity when none can ship that many).
   */
  costBound: number;
}

/**
 * Both bounds relax the problem the same way: every SKU may take its own best candidates (so the
 * `maxShipments` limit and line splitting only cap units, per SKU), and open costs of candidates
 * not yet open are either
 *  - spread over their units: a location that can send at most cap units pays F ≥ F × x / cap
 *    for the x units it sends, so pricing its units at c + F / cap never overcounts, or
 *  - charged once at the cheapest open cost when some units must come from outside I.
 * A plan shipping at least `needed` units pays at least the cheapest `needed` units under these
 * prices (prices are non-negative, so more units cost more). The largest of these and the
 * Lagrangian bound (see `DualPrices`) is returned.
 */
export function boundRegion(
  problem: SourcingProblem,
  open: OpenSet,
  start: number,
  atLeastOne: boolean,
  needed: number,
  dual?: DualPrices,
  /** Pruning threshold (the incumbent's objective): lets the cheap bounds answer early. */
  target?: number,
  /**
   * A cost bound at least this high prunes the region whatever its exact value (the incumbent's
   * objective when `target` carries a gap tolerance): the sums stop once they reach it, so the
   * returned bound may be lower than the full one, but never lower than `enough`.
   */
  enough: number = target ?? Number.POSITIVE_INFINITY,
): RegionBound {
  const { demand, stock, candidates } = problem;
  const m = problem.skus.length;
  const n = candidates.length;
  const slots = problem.maxCounted - open.counted;

  // Scratch rows reused across calls: this runs several times per search node.
  if (scratchResidual.length < m) {
    scratchResidual = new Int32Array(m);
    scratchPerSkuMax = new Int32Array(m);
  }
  const residual = scratchResidual;
  const perSkuMax = scratchPerSkuMax;
  let openSupply = 0;
  let perSkuTotal = 0;
  for (let k = 0; k < m; k++) {
    const fromOpen = Math.min(demand[k]!, open.supply[k]!);
    openSupply += fromOpen;
    const left = demand[k]! - fromOpen;
    residual[k] = left;
    // Each SKU on its own: all later vendors plus its best `slots` counted candidates.
    let extra = 0;
    let taken = 0;
    for (const j of problem.stockersBySupply[k]!) {
      if (extra >= left) break;
      if (j < start) continue;
      if (!candidates[j]!.counted) extra += stock[j * m + k]!;
      else if (taken < slots) {
        extra += stock[j * m + k]!;
        taken += 1;
      }
    }
    let most = fromOpen + Math.min(left, extra);
    if (!problem.allowSplit) {
      // Without splitting a line ships at most what the largest single holder has.
      let largest = 0;
      for (const j of open.members) largest = Math.max(largest, stock[j * m + k]!);
      for (const j of problem.stockersBySupply[k]!) {
        if (j >= start) {
          largest = Math.max(largest, stock[j * m + k]!);
          break;
        }
      }
      let wholeLines = 0;
      for (const line of problem.linesBySku[k]!)
        wholeLines += Math.min(problem.lines[line]!.quantity, largest);
      most = Math.min(most, wholeLines);
    }
    perSkuMax[k] = most;
    perSkuTotal += most;
  }

  const cheapestOpen =
    slots > 0 ? problem.suffixMinOpenCost[start]! : problem.suffixMinVendorOpenCost[start]!;
  const canAdd = cheapestOpen < Number.POSITIVE_INFINITY;
  if (atLeastOne && !canAdd) return { maxShipped: -1, costBound: Number.POSITIVE_INFINITY };
  let maxShipped = canAdd ? perSkuTotal : Math.min(perSkuTotal, openSupply);
  if (canAdd && maxShipped > needed) {
    // Coverage: a later candidate adds at most its holdings of what I leaves uncovered (sub-additive).
    let vendorGain = 0;
    const countedGains: number[] = [];
    for (let j = start; j < n; j++) {
      const candidate = candidates[j]!;
      if (candidate.counted && slots <= 0) continue;
      let gain = 0;
      for (const k of candidate.skus) gain += Math.min(stock[j * m + k]!, residual[k]!);
      if (candidate.counted) countedGains.push(gain);
      else vendorGain += gain;
    }
    if (slots < countedGains.length) countedGains.sort((a, b) => b - a);
    let gainBound = vendorGain;
    for (let i = 0; i < Math.min(slots, countedGains.length); i++) gainBound += countedGains[i]!;
    maxShipped = Math.min(maxShipped, openSupply + gainBound);
  }
  if (maxShipped < needed) return { maxShipped, costBound: Number.POSITIVE_INFINITY };
  // The region may ship more than the incumbent: nothing to prune on cost, unless the caller wants the number.
  if (maxShipped > needed && target !== undefined) return { maxShipped, costBound: Number.NEGATIVE_INFINITY };

  // Cheapest bound first; stop as soon as one reaches the target.
  let costBound = dual?.regionBound(open.members, start, slots, atLeastOne, needed) ?? 0;
  if (target !== undefined && integerBound(costBound) >= target) return { maxShipped, costBound };
  const spread =
    open.openCost +
    cheapestUnits(problem, open, start, slots, perSkuMax, perSkuTotal, needed, true, enough - open.openCost);
  costBound = Math.max(costBound, spread);
  if (target !== undefined && integerBound(costBound) >= target) return { maxShipped, costBound };
  const mustOpen = atLeastOne || needed > openSupply;
  const openPart = open.openCost + (mustOpen ? cheapestOpen : 0);
  const once =
    openPart +
    cheapestUnits(problem, open, start, slots, perSkuMax, perSkuTotal, needed, false, enough - openPart);
  return { maxShipped, costBound: Math.max(costBound, once) };
}

let scratchResidual = new Int32Array(0);
let scratchPerSkuMax = new Int32Array(0);

/**
 * Cheapest `needed` units, each SKU capped at `perSkuMax`, open members at c, later candidates
 * priced as described. Returns early, with a partial sum of at least `stopAt`, once that is reached.
 */
function cheapestUnits(
  problem: SourcingProblem,
  open: OpenSet,
  start: number,
  slots: number,
  perSkuMax: ArrayLike<number>,
  perSkuTotal: number,
  needed: number,
  spreadOpenCost: boolean,
  stopAt: number,
): number {
  if (needed <= 0) return 0;
  const { stock, candidates } = problem;
  const m = problem.skus.length;
  const takeAll = perSkuTotal === needed;
  const prices: number[] = [];
  const units: number[] = [];
  let total = 0;
  for (let k = 0; k < m; k++) {
    let left = perSkuMax[k]!;
    if (left === 0) continue;
    const later = spreadOpenCost ? problem.stockersByAmortised[k]! : problem.stockersByUnit[k]!;
    const members = open.members;
    let a = 0;
    let b = 0;
    // Merge the two ascending price lists: open members at c, later candidates at their price.
    while (left > 0) {
      while (a < members.length && stock[members[a]! * m + k]! === 0) a += 1;
      while (
        b < later.length &&
        (later[b]! < start || (candidates[later[b]!]!.counted && slots <= 0) || open.inSet[later[b]!] === 1)
      )
        b += 1;
      const memberPrice = a < members.length ? candidates[members[a]!]!.unitCost : Number.POSITIVE_INFINITY;
      const laterCandidate = b < later.length ? candidates[later[b]!]! : undefined;
      const laterPrice =
        laterCandidate === undefined
          ? Number.POSITIVE_INFINITY
          : spreadOpenCost
            ? laterCandidate.amortisedUnitCost
            : laterCandidate.unitCost;
      if (memberPrice === Number.POSITIVE_INFINITY && laterPrice === Number.POSITIVE_INFINITY) break;
      let j: number;
      let price: number;
      if (memberPrice <= laterPrice) {
        j = members[a++]!;
        price = memberPrice;
      } else {
        j = later[b++]!;
        price = laterPrice;
      }
      const take = Math.min(left, stock[j * m + k]!);
      left -= take;
      if (takeAll) total += take * price;
      else {
        prices.push(price);
        units.push(take);
      }
    }
    // Prices are non-negative: the rest can only add to a sum that already prunes.
    if (takeAll && total >= stopAt) return total;
  }
  if (takeAll) return total;
  const order = prices.map((_, i) => i).sort((x, y) => prices[x]! - prices[y]!);
  let left = needed;
  for (const i of order) {
    if (left === 0) break;
    const take = Math.min(left, units[i]!);
    total += take * prices[i]!;
    left -= take;
  }
  return left > 0 ? Number.POSITIVE_INFINITY : total;
}
