import type { SourcingProblem } from './problem.ts';

/**
 * Quantity assignment for a fixed set of open locations, one SKU at a time.
 *
 * Once the set is fixed its open costs are paid, and what remains is Σ c_j × x_jk with
 * x_jk ≤ stock_jk and Σ_j x_jk ≤ demand_k. The per-unit cost c_j depends on the location only,
 * and nothing couples SKUs (capacity counts shipments, not units), so the problem splits into one
 * single-sink transportation problem per SKU.
 *
 * With splitting allowed, filling the SKU's demand from the cheapest open location first is
 * optimal: the units shipped are min(demand, Σ stock) whatever the order, and if an optimal
 * assignment used a unit from j while a cheaper open i had an unused unit, moving that unit to i
 * would not cost more (exchange argument). All data are integers, so so is the greedy answer.
 *
 * Without splitting each line picks one location (shipping what it holds, up to the quantity, the
 * rest is backordered). A SKU with one line takes the best single location; lines sharing a SKU
 * compete for the same stock and are enumerated with a bounded depth-first search.
 */

export interface SkuOutcome {
  shipped: number;
  cost: number;
  /** False only if a non-split enumeration hit its step budget (then the result is feasible, not proved). */
  exact: boolean;
}

export interface Allocation {
  line: number;
  candidate: number;
  quantity: number;
}

/** Steps for enumerating lines that share a SKU without splitting; orders rarely repeat a SKU. */
const SHARED_SKU_STEP_BUDGET = 20_000;

/**
 * Best (most units, then cheapest) assignment of SKU `k` to `members`, which must be sorted by
 * `unitRank` so ties go to the cheaper, then lower-id, location. Appends allocations to `out`.
 */
export function assignSku(
  problem: SourcingProblem,
  k: number,
  members: readonly number[],
  out?: Allocation[],
): SkuOutcome {
  return problem.allowSplit ? assignSplit(problem, k, members, out) : assignWhole(problem, k, members, out);
}

function assignSplit(problem: SourcingProblem, k: number, members: readonly number[], out?: Allocation[]) {
  const m = problem.skus.length;
  let remaining = problem.demand[k]!;
  let cost = 0;
  const lines = problem.linesBySku[k]!;
  let lineCursor = 0;
  let lineLeft = lines.length > 0 ? problem.lines[lines[0]!]!.quantity : 0;
  for (const j of members) {
    if (remaining === 0) break;
    const take = Math.min(problem.stock[j * m + k]!, remaining);
    if (take === 0) continue;
    remaining -= take;
    cost += take * problem.candidates[j]!.unitCost;
    if (out === undefined) continue;
    // Hand the units to the SKU's lines in order.
    let left = take;
    while (left > 0) {
      const quantity = Math.min(left, lineLeft);
      out.push({ line: lines[lineCursor]!, candidate: j, quantity });
      left -= quantity;
      lineLeft -= quantity;
      if (lineLeft === 0 && lineCursor + 1 < lines.length) {
        lineCursor += 1;
        lineLeft = problem.lines[lines[lineCursor]!]!.quantity;
      }
    }
  }
  return { shipped: problem.demand[k]! - remaining, cost, exact: true };
}

function assignWhole(problem: SourcingProblem, k: number, members: readonly number[], out?: Allocation[]) {
  const m = problem.skus.length;
  const lines = problem.linesBySku[k]!;
  const holders = members.filter((j) => problem.stock[j * m + k]! > 0);
  if (lines.length === 1) {
    const line = lines[0]!;
    const quantity = problem.lines[line]!.quantity;
    let best = -1;
    let bestShipped = 0;
    let bestCost = 0;
    for (const j of holders) {
      const shipped = Math.min(quantity, problem.stock[j * m + k]!);
      const cost = shipped * problem.candidates[j]!.unitCost;
      if (shipped > bestShipped || (shipped === bestShipped && cost < bestCost)) {
        best = j;
        bestShipped = shipped;
        bestCost = cost;
      }
    }
    if (best >= 0 && out !== undefined) out.push({ line, candidate: best, quantity: bestShipped });
    return { shipped: bestShipped, cost: bestCost, exact: true };
  }

  // Several lines of one SKU: choose a location (or none) per line, largest lines first.
  const order = [...lines].sort((a, b) => problem.lines[b]!.quantity - problem.lines[a]!.quantity || a - b);
  const quantities = order.map((line) => problem.lines[line]!.quantity);
  const suffixUnits = new Array<number>(order.length + 1).fill(0);
  for (let i = order.length - 1; i >= 0; i--) suffixUnits[i] = suffixUnits[i + 1]! + quantities[i]!;
  const left = holders.map((j) => problem.stock[j * m + k]!);
  const cheapest = holders.length > 0 ? problem.candidates[holders[0]!]!.unitCost : 0;
  const choice = new Array<number>(order.length).fill(-1);
  let bestShipped = -1;
  let bestCost = 0;
  let bestChoice = choice.slice();
  let steps = 0;
  let exact = true;

  const visit = (i: number, shipped: number, cost: number, stockLeft: number): void => {
    if (++steps > SHARED_SKU_STEP_BUDGET) {
      exact = false;
      return;
    }
    if (i === order.length) {
      if (shipped > bestShipped || (shipped === bestShipped && cost < bestCost)) {
        bestShipped = shipped;
        bestCost = cost;
        bestChoice = choice.slice();
      }
      return;
    }
    const reachable = shipped + Math.min(suffixUnits[i]!, stockLeft);
    if (reachable < bestShipped) return;
    if (reachable === bestShipped && cost + (reachable - shipped) * cheapest >= bestCost) return;
    for (let h = 0; h < holders.length; h++) {
      const take = Math.min(quantities[i]!, left[h]!);
      if (take === 0) continue;
      left[h]! -= take;
      choice[i] = h;
      visit(i + 1, shipped + take, cost + take * problem.candidates[holders[h]!]!.unitCost, stockLeft - take);
      left[h]! += take;
    }
    choice[i] = -1;
    visit(i + 1, shipped, cost, stockLeft);
  };
  visit(
    0,
    0,
    0,
    left.reduce((sum, units) => sum + units, 0),
  );

  if (out !== undefined) {
    const replay = holders.map((j) => problem.stock[j * m + k]!);
    order.forEach((line, i) => {
      const h = bestChoice[i]!;
      if (h < 0) return;
      const take = Math.min(quantities[i]!, replay[h]!);
      replay[h]! -= take;
      if (take > 0) out.push({ line, candidate: holders[h]!, quantity: take });
    });
  }
  return { shipped: Math.max(0, bestShipped), cost: bestCost, exact };
}
