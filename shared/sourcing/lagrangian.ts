import type { SourcingProblem } from './problem.ts';

/**
 * Lagrangian lower bound, the strong bound of facility-location problems. Price the demand of each
 * SKU at π_k and drop the demand constraints. A plan ships x_k ≤ U_k units of SKU k, where
 * U_k = min(D_k, Σ_j stock_jk) (no plan ships more than is ordered, nor more than the eligible
 * locations hold), and at least `needed` units in all, so the slack s_k = U_k − x_k is at most U_k
 * and Σ_k s_k ≤ U − needed (U = Σ_k U_k). Such a plan costs at least
 *
 *   L(π) = Σ_k π_k U_k − slack(π) + min over allowed sets S of Σ_{j ∈ S} value_j,
 *   value_j = F_j + Σ_k stock_jk × min(0, c_j − π_k),
 *
 * where slack(π) = max Σ_k π_k s_k over those slacks: the U − needed units of slack go to the
 * highest-priced SKUs first, each up to its U_k (weak duality: the dropped terms are ≤ 0 for every
 * feasible plan). Capping D_k at the stock matters when some SKU cannot be shipped in full: its units
 * would otherwise count as slack priced at the dearest SKU. The minimum is easy: the region's fixed
 * members, plus every later candidate with a negative value (only the `slots` most negative counted
 * ones). Any π gives a valid bound, so prices are tuned by subgradient ascent once per order and
 * re-tuned briefly at each search node (warm-started); with the prices fixed, a region's bound costs
 * O(candidates).
 */
export class DualPrices {
  /** value_j = F_j + Σ_k stock_jk × min(0, c_j − π_k). */
  readonly values: Float64Array;
  /** Σ of negative values of uncounted (drop-ship) candidates from index j on. */
  readonly vendorSuffix: Float64Array;
  /** Σ_k π_k U_k. */
  readonly priceTerm: number;
  /** SKUs by price, dearest first (built on first use: only plans shipping less than U need it). */
  private dearestFirst: number[] | undefined;
  /** The `slots` most negative counted values seen so far by `regionBound` (reused scratch). */
  private readonly picked: Int32Array;

  constructor(
    private readonly problem: SourcingProblem,
    readonly prices: Float64Array,
  ) {
    const { candidates, holdingStart, holdingSku, holdingUnits, shippableBySku } = problem;
    const m = problem.skus.length;
    const n = candidates.length;
    this.values = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const unitCost = candidates[j]!.unitCost;
      let value = candidates[j]!.openCost;
      for (let h = holdingStart[j]!; h < holdingStart[j + 1]!; h++) {
        const margin = unitCost - prices[holdingSku[h]!]!;
        if (margin < 0) value += holdingUnits[h]! * margin;
      }
      this.values[j] = value;
    }
    this.vendorSuffix = new Float64Array(n + 1);
    for (let j = n - 1; j >= 0; j--) {
      const value = this.values[j]!;
      this.vendorSuffix[j] = this.vendorSuffix[j + 1]! + (!candidates[j]!.counted && value < 0 ? value : 0);
    }
    let priceTerm = 0;
    for (let k = 0; k < m; k++) priceTerm += prices[k]! * shippableBySku[k]!;
    this.priceTerm = priceTerm;
    this.picked = new Int32Array(Math.max(1, problem.maxCounted));
  }

  /**
   * slack(π) for plans shipping at least `needed` units; `slackOut` (optional) receives s_k, for
   * the subgradient.
   */
  slack(needed: number, slackOut?: Float64Array): number {
    const { shippableBySku, shippableUnits } = this.problem;
    slackOut?.fill(0);
    let left = shippableUnits - needed;
    if (left <= 0) return 0;
    if (this.dearestFirst === undefined) {
      const { prices } = this;
      this.dearestFirst = Array.from(prices.keys()).sort((a, b) => prices[b]! - prices[a]! || a - b);
    }
    let total = 0;
    for (const k of this.dearestFirst) {
      const price = this.prices[k]!;
      if (left === 0 || price <= 0) break;
      const units = Math.min(left, shippableBySku[k]!);
      total += price * units;
      left -= units;
      if (slackOut !== undefined) slackOut[k] = units;
    }
    return total;
  }

  /**
   * L(π) over the region I ∪ T, T ⊆ candidates[start..] with at most `slots` counted, non-empty
   * when `atLeastOne`. `chosen` (optional) receives the T of the minimiser, for the subgradient.
   */
  regionBound(
    members: readonly number[],
    start: number,
    slots: number,
    atLeastOne: boolean,
    needed: number,
    chosen?: number[],
  ): number {
    const { candidates } = this.problem;
    const { values, picked } = this;
    const n = candidates.length;
    let bound = this.priceTerm - this.slack(needed);
    for (const j of members) bound += values[j]!;
    // The `slots` most negative counted values from `start` on (ties to the lower index), kept in
    // ascending order by insertion: slots is small, so this beats sorting the candidates.
    let opened = 0;
    const room = Math.min(slots, picked.length);
    for (let j = start; j < n; j++) {
      const value = values[j]!;
      if (value >= 0 || !candidates[j]!.counted) continue;
      if (opened === room && (room === 0 || value >= values[picked[room - 1]!]!)) continue;
      let at = opened < room ? opened++ : room - 1;
      while (at > 0 && values[picked[at - 1]!]! > value) {
        picked[at] = picked[at - 1]!;
        at -= 1;
      }
      picked[at] = j;
    }
    for (let i = 0; i < opened; i++) {
      bound += values[picked[i]!]!;
      chosen?.push(picked[i]!);
    }
    bound += this.vendorSuffix[start] ?? 0;
    if (chosen !== undefined) {
      for (let j = start; j < n; j++) {
        if (!candidates[j]!.counted && values[j]! < 0) chosen.push(j);
      }
    }
    if (atLeastOne && opened === 0 && (this.vendorSuffix[start] ?? 0) === 0) {
      // Nothing attractive, yet the region opens something: add the least harmful candidate.
      let least = Number.POSITIVE_INFINITY;
      for (let j = start; j < n; j++) {
        if (candidates[j]!.counted && slots <= 0) continue;
        least = Math.min(least, values[j]!);
      }
      bound += least;
    }
    return bound;
  }
}

/** The part of the search a set of prices is tuned for (the whole problem by default). */
export interface DualRegion {
  members: readonly number[];
  start: number;
  slots: number;
  atLeastOne: boolean;
}

/**
 * Subgradient ascent on π with Polyak steps towards `upperBound` (the incumbent's objective),
 * starting from `initial` or per-SKU amortised prices, returning the best prices seen (so never
 * worse than the start). Deterministic: a fixed iteration schedule, no randomness or clocks.
 */
export function optimiseDualPrices(
  problem: SourcingProblem,
  needed: number,
  upperBound: number,
  options: { iterations?: number; region?: DualRegion; initial?: DualPrices } = {},
): DualPrices {
  const { candidates, holdingStart, holdingSku, holdingUnits, shippableBySku } = problem;
  const m = problem.skus.length;
  const region = options.region ?? { members: [], start: 0, slots: problem.maxCounted, atLeastOne: false };
  const iterations = options.iterations ?? 60;
  let prices: Float64Array;
  if (options.initial !== undefined) prices = options.initial.prices.slice();
  else {
    prices = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const holders = problem.stockersByAmortised[k]!;
      prices[k] = holders.length > 0 ? candidates[holders[0]!]!.amortisedUnitCost : 0;
    }
  }
  let best = options.initial ?? new DualPrices(problem, prices.slice());
  const boundOf = (dual: DualPrices, chosen?: number[]) =>
    dual.regionBound(region.members, region.start, region.slots, region.atLeastOne, needed, chosen);
  let bestBound = boundOf(best);
  let step = 2;
  let sinceImproved = 0;
  const shipped = new Float64Array(m);
  const gradient = new Float64Array(m);
  const slack = new Float64Array(m);
  for (let iteration = 0; iteration < iterations; iteration++) {
    if (bestBound >= upperBound - 1e-6 || step < 1e-3) break;
    const current = iteration === 0 ? best : new DualPrices(problem, prices.slice());
    const chosen: number[] = [...region.members];
    const bound = boundOf(current, chosen);
    if (bound > bestBound + 1e-9) {
      bestBound = bound;
      best = current;
      sinceImproved = 0;
    } else if (++sinceImproved >= 5) {
      step /= 2;
      sinceImproved = 0;
    }
    // Subgradient: shippable units minus slack minus what the opened locations would send at these prices.
    shipped.fill(0);
    for (const j of chosen) {
      const unitCost = candidates[j]!.unitCost;
      for (let h = holdingStart[j]!; h < holdingStart[j + 1]!; h++) {
        const k = holdingSku[h]!;
        if (unitCost < prices[k]!) shipped[k]! += holdingUnits[h]!;
      }
    }
    current.slack(needed, slack);
    let norm = 0;
    for (let k = 0; k < m; k++) {
      const g = shippableBySku[k]! - slack[k]! - shipped[k]!;
      gradient[k] = g;
      norm += g * g;
    }
    if (norm === 0) break;
    const move = (step * Math.max(1, upperBound - bound)) / norm;
    for (let k = 0; k < m; k++) prices[k] = prices[k]! + move * gradient[k]!;
  }
  return best;
}
