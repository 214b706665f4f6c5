import type { SourcingProblem } from './problem.ts';

/**
 * Lagrangian lower bound, the strong bound of facility-location problems. Price the demand of each
 * SKU at π_k and drop the demand constraints: a plan shipping at least `needed` units, with at
 * most D_k units of SKU k, then costs at least
 *
 *   L(π) = Σ_k π_k D_k − μ (T − needed) + min over allowed sets S of Σ_{j ∈ S} value_j,
 *   value_j = F_j + Σ_k stock_jk × min(0, c_j − π_k),
 *
 * where μ = max(0, max_k π_k), T = Σ D_k (weak duality: the dropped terms are ≤ 0 for every
 * feasible plan). The minimum is easy: the region's fixed members, plus every later candidate with a
 * negative value (only the `slots` most negative counted ones). Any π gives a valid bound, so prices are tuned by
 * subgradient ascent once per order and re-tuned briefly at each search node (warm-started); with
 * the prices fixed, a region's bound costs O(candidates).
 */
export class DualPrices {
  /** value_j = F_j + Σ_k stock_jk × min(0, c_j − π_k). */
  readonly values: Float64Array;
  /** Counted candidates by value ascending (most attractive first). */
  readonly countedByValue: number[];
  /** Σ of negative values of uncounted (drop-ship) candidates from index j on. */
  readonly vendorSuffix: Float64Array;
  readonly priceTerm: number;
  readonly maxPrice: number;

  constructor(
    private readonly problem: SourcingProblem,
    readonly prices: Float64Array,
  ) {
    const { candidates, stock, demand } = problem;
    const m = problem.skus.length;
    const n = candidates.length;
    this.values = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const candidate = candidates[j]!;
      let value = candidate.openCost;
      for (const k of candidate.skus)
        value += stock[j * m + k]! * Math.min(0, candidate.unitCost - prices[k]!);
      this.values[j] = value;
    }
    this.countedByValue = candidates
      .filter((candidate) => candidate.counted)
      .map((candidate) => candidate.index)
      .sort((a, b) => this.values[a]! - this.values[b]! || a - b);
    this.vendorSuffix = new Float64Array(n + 1);
    for (let j = n - 1; j >= 0; j--) {
      const value = this.values[j]!;
      this.vendorSuffix[j] = this.vendorSuffix[j + 1]! + (!candidates[j]!.counted && value < 0 ? value : 0);
    }
    let priceTerm = 0;
    let maxPrice = 0;
    for (let k = 0; k < m; k++) {
      priceTerm += prices[k]! * demand[k]!;
      maxPrice = Math.max(maxPrice, prices[k]!);
    }
    this.priceTerm = priceTerm;
    this.maxPrice = maxPrice;
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
    let bound = this.priceTerm - this.maxPrice * (this.problem.totalUnits - needed);
    for (const j of members) bound += this.values[j]!;
    let opened = 0;
    for (const j of this.countedByValue) {
      if (opened >= slots || this.values[j]! >= 0) break;
      if (j < start) continue;
      bound += this.values[j]!;
      opened += 1;
      chosen?.push(j);
    }
    bound += this.vendorSuffix[start] ?? 0;
    if (chosen !== undefined) {
      for (let j = start; j < candidates.length; j++) {
        if (!candidates[j]!.counted && this.values[j]! < 0) chosen.push(j);
      }
    }
    if (atLeastOne && opened === 0 && (this.vendorSuffix[start] ?? 0) === 0) {
      // Nothing attractive, yet the region opens something: add the least harmful candidate.
      let least = Number.POSITIVE_INFINITY;
      for (let j = start; j < candidates.length; j++) {
        if (candidates[j]!.counted && slots <= 0) continue;
        least = Math.min(least, this.values[j]!);
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
  const { demand, stock, candidates } = problem;
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
    // Subgradient: demand minus what the opened locations would send at these prices.
    shipped.fill(0);
    for (const j of chosen) {
      const candidate = candidates[j]!;
      for (const k of candidate.skus) if (candidate.unitCost < prices[k]!) shipped[k]! += stock[j * m + k]!;
    }
    let argmax = -1;
    for (let k = 0; k < m; k++) if (argmax < 0 || prices[k]! > prices[argmax]!) argmax = k;
    let norm = 0;
    for (let k = 0; k < m; k++) {
      let g = demand[k]! - shipped[k]!;
      if (k === argmax && prices[k]! > 0) g -= problem.totalUnits - needed;
      gradient[k] = g;
      norm += g * g;
    }
    if (norm === 0) break;
    const move = (step * Math.max(1, upperBound - bound)) / norm;
    for (let k = 0; k < m; k++) prices[k] = prices[k]! + move * gradient[k]!;
  }
  return best;
}
