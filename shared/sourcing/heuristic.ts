import { isBetter, OpenSet, type SetValue } from './open-set.ts';
import type { SourcingProblem } from './problem.ts';

/** Rounds of drop / add / swap moves after the greedy pass; each round applies the best move. */
const MAX_IMPROVEMENT_ROUNDS = 100;

/**
 * Greedy set cover by cost per covered unit, then local improvement. Fast and usually optimal or
 * close; the caller pairs it with a lower bound so the gap is known.
 *
 * Greedy: repeatedly open the location with the lowest added cost per added shipped unit (the
 * assignment is re-solved optimally each time); once nothing adds units, open locations that still
 * lower the cost. Improvement: apply the best of closing one location, opening one, or replacing one
 * open location with a closed one, until no move helps. Candidates are scanned in search order and
 * only strictly better moves win, so equal choices resolve the same way every time.
 */
export function improveGreedily(problem: SourcingProblem): OpenSet {
  const open = new OpenSet(problem);
  const n = problem.candidates.length;

  for (;;) {
    let best = -1;
    let bestRatio = Number.POSITIVE_INFINITY;
    let bestSaving = 0;
    let covers = false;
    for (let j = 0; j < n; j++) {
      if (open.inSet[j] === 1 || !open.hasSlotFor(j)) continue;
      const next = open.valueWith(j, -1);
      const addedUnits = next.shipped - open.shipped;
      const addedCost = next.cost - open.cost;
      if (addedUnits > 0) {
        const ratio = addedCost / addedUnits;
        if (!covers || ratio < bestRatio) {
          covers = true;
          best = j;
          bestRatio = ratio;
        }
      } else if (!covers && addedUnits === 0 && -addedCost > bestSaving) {
        best = j;
        bestSaving = -addedCost;
      }
    }
    if (best < 0) break;
    open.open(best);
  }
  return improveLocally(problem, open);
}

/**
 * Local improvement of `open` in place: apply the best of closing one location, opening one, or
 * replacing one open location with a closed one, until no move helps. Moves never ship fewer units.
 */
export function improveLocally(problem: SourcingProblem, open: OpenSet): OpenSet {
  const n = problem.candidates.length;
  for (let round = 0; round < MAX_IMPROVEMENT_ROUNDS; round++) {
    let bestValue: SetValue = open.value();
    let move: { add: number; remove: number } | undefined;
    const consider = (add: number, remove: number) => {
      const value = open.valueWith(add, remove);
      if (isBetter(value, bestValue)) {
        bestValue = value;
        move = { add, remove };
      }
    };
    const members = open.members.slice();
    for (const remove of members) consider(-1, remove);
    for (let add = 0; add < n; add++) {
      if (open.inSet[add] === 1) continue;
      if (open.hasSlotFor(add)) consider(add, -1);
      for (const remove of members) {
        // A swap must keep the shipment count within the limit.
        const freesSlot = problem.candidates[remove]!.counted;
        if (problem.candidates[add]!.counted && !freesSlot && !open.hasSlotFor(add)) continue;
        consider(add, remove);
      }
    }
    if (move === undefined) break;
    const chosen: { add: number; remove: number } = move;
    if (chosen.add >= 0 && chosen.remove >= 0) open.replace(chosen.remove, chosen.add);
    else if (chosen.add >= 0) open.open(chosen.add);
    else open.close(chosen.remove);
  }
  return open;
}
