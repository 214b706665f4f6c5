import { type Allocation, assignSku } from './assignment.ts';
import type { SourcingProblem } from './problem.ts';

/** Shipped units and objective of a set of open locations; more units first, then lower cost. */
export interface SetValue {
  shipped: number;
  cost: number;
}

export const isBetter = (a: SetValue, b: SetValue) =>
  a.shipped > b.shipped || (a.shipped === b.shipped && a.cost < b.cost);

/**
 * A set of open locations with its optimal assignment, kept per SKU so that opening or closing one
 * location re-solves only the SKUs that location holds.
 */
export class OpenSet {
  readonly inSet: Uint8Array;
  /** Members sorted by unitRank (the fill order of `assignSku`). */
  members: number[] = [];
  /** Σ stock of members per SKU (uncapped sum of capped holdings). */
  readonly supply: Int32Array;
  readonly skuShipped: Float64Array;
  readonly skuCost: Float64Array;
  openCost = 0;
  counted = 0;
  shipped = 0;
  assignmentCost = 0;
  /** SKUs whose current assignment is not proved optimal (see `assignSku`). */
  inexactSkus = 0;
  private readonly skuExact: Uint8Array;

  constructor(private readonly problem: SourcingProblem) {
    const m = problem.skus.length;
    this.inSet = new Uint8Array(problem.candidates.length);
    this.supply = new Int32Array(m);
    this.skuShipped = new Float64Array(m);
    this.skuCost = new Float64Array(m);
    this.skuExact = new Uint8Array(m).fill(1);
  }

  get cost(): number {
    return this.openCost + this.assignmentCost;
  }

  value(): SetValue {
    return { shipped: this.shipped, cost: this.cost };
  }

  hasSlotFor(j: number): boolean {
    return !this.problem.candidates[j]!.counted || this.counted < this.problem.maxCounted;
  }

  /** Value of the set after opening `add` and closing `remove` (either may be -1), without changing it. */
  valueWith(add: number, remove: number): SetValue {
    const { problem } = this;
    const members = this.membersWith(add, remove);
    let shipped = this.shipped;
    let cost = this.cost;
    if (add >= 0) cost += problem.candidates[add]!.openCost;
    if (remove >= 0) cost -= problem.candidates[remove]!.openCost;
    for (const k of this.touchedSkus(add, remove)) {
      const outcome = assignSku(problem, k, members);
      shipped += outcome.shipped - this.skuShipped[k]!;
      cost += outcome.cost - this.skuCost[k]!;
    }
    return { shipped, cost };
  }

  open(j: number): void {
    this.change(j, -1);
  }

  close(j: number): void {
    this.change(-1, j);
  }

  replace(remove: number, add: number): void {
    this.change(add, remove);
  }

  /** The optimal allocations of the current set. */
  allocations(): Allocation[] {
    const out: Allocation[] = [];
    for (let k = 0; k < this.problem.skus.length; k++) assignSku(this.problem, k, this.members, out);
    return out;
  }

  private change(add: number, remove: number): void {
    const { problem } = this;
    const m = problem.skus.length;
    const touched = this.touchedSkus(add, remove);
    this.members = this.membersWith(add, remove);
    if (add >= 0) {
      const candidate = problem.candidates[add]!;
      this.inSet[add] = 1;
      this.openCost += candidate.openCost;
      if (candidate.counted) this.counted += 1;
      for (const k of candidate.skus) this.supply[k]! += problem.stock[add * m + k]!;
    }
    if (remove >= 0) {
      const candidate = problem.candidates[remove]!;
      this.inSet[remove] = 0;
      this.openCost -= candidate.openCost;
      if (candidate.counted) this.counted -= 1;
      for (const k of candidate.skus) this.supply[k]! -= problem.stock[remove * m + k]!;
    }
    for (const k of touched) {
      const outcome = assignSku(problem, k, this.members);
      this.shipped += outcome.shipped - this.skuShipped[k]!;
      this.assignmentCost += outcome.cost - this.skuCost[k]!;
      this.skuShipped[k] = outcome.shipped;
      this.skuCost[k] = outcome.cost;
      const exact = outcome.exact ? 1 : 0;
      if (exact !== this.skuExact[k]) this.inexactSkus += exact ? -1 : 1;
      this.skuExact[k] = exact;
    }
  }

  private membersWith(add: number, remove: number): number[] {
    const { candidates } = this.problem;
    const members = remove >= 0 ? this.members.filter((j) => j !== remove) : this.members.slice();
    if (add >= 0) {
      const rank = candidates[add]!.unitRank;
      let at = members.length;
      while (at > 0 && candidates[members[at - 1]!]!.unitRank > rank) at -= 1;
      members.splice(at, 0, add);
    }
    return members;
  }

  private touchedSkus(add: number, remove: number): number[] {
    const { candidates } = this.problem;
    if (add < 0) return remove < 0 ? [] : candidates[remove]!.skus;
    if (remove < 0) return candidates[add]!.skus;
    // A swap: the added location's SKUs, then the removed one's that it does not hold.
    const { stock } = this.problem;
    const m = this.problem.skus.length;
    const touched = candidates[add]!.skus.slice();
    for (const k of candidates[remove]!.skus) if (stock[add * m + k] === 0) touched.push(k);
    return touched;
  }
}
