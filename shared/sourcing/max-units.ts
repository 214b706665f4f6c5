import { boundRegion } from './bounds.ts';
import { OpenSet } from './open-set.ts';
import type { SourcingProblem } from './problem.ts';

export interface MaxUnitsResult {
  members: number[];
  shipped: number;
  /** No set of locations within the limits ships more (the whole tree was searched or the bound was met). */
  proved: boolean;
  nodes: number;
}

/**
 * The most units any plan can ship, ignoring cost: depth-first over the same tree of location sets as
 * `searchExact` (identical twins opened in order), pruning every region whose unit bound
 * (`boundRegion(…).maxShipped`) cannot beat the best set found, and stopping as soon as a set meets
 * the bound over all plans. Units are far easier to bound than cost, so this is cheap where the cost
 * search runs out of budget; `planShipments` runs it then, so a budget-limited plan never ships fewer
 * units than a feasible plan could.
 */
export function maximiseUnits(
  problem: SourcingProblem,
  start: { members: number[]; shipped: number },
  upperBound: number,
  nodeBudget: number,
): MaxUnitsResult {
  const n = problem.candidates.length;
  const open = new OpenSet(problem);
  let best = start.shipped;
  let bestMembers = start.members.slice();
  let nodes = 0;
  let aborted = false;
  // needed = best + 1 and a target of -∞: boundRegion answers from its unit bound alone.
  const canBeat = (from: number) =>
    boundRegion(problem, open, from, true, best + 1, undefined, Number.NEGATIVE_INFINITY).maxShipped > best;

  const explore = (from: number): void => {
    for (let j = from; j < n && best < upperBound; j++) {
      if (nodes >= nodeBudget) {
        aborted = true;
        return;
      }
      if (!open.hasSlotFor(j)) continue;
      const twin = problem.previousTwin[j]!;
      if (twin >= 0 && open.inSet[twin] === 0) continue;
      if (!canBeat(j)) break;
      open.open(j);
      nodes += 1;
      if (open.shipped > best) {
        best = open.shipped;
        bestMembers = open.members.slice();
      }
      if (j + 1 < n && canBeat(j + 1)) explore(j + 1);
      open.close(j);
      if (aborted) return;
    }
  };
  if (best < upperBound) explore(0);
  return { members: bestMembers, shipped: best, proved: !aborted || best >= upperBound, nodes };
}
