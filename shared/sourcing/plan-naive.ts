import type { Allocation } from './assignment.ts';
import { buildPlan } from './plan-builder.ts';
import { rootBound } from './plan-shipments.ts';
import { buildProblem } from './problem.ts';
import type { SourcingPlan, SourcingRequest } from './types.ts';

/**
 * Baseline for comparison: the closest eligible location that holds the whole order, else take
 * what the closest location holds, then the next closest, within `maxShipments` and the split
 * policy. Same eligibility rules and cost accounting as `planShipments`.
 */
export function planNaive(request: SourcingRequest): SourcingPlan {
  const problem = buildProblem(request, { pruneDominated: false });
  const m = problem.skus.length;
  const byDistance = problem.candidates
    .map((candidate) => candidate.index)
    .sort((a, b) => {
      const x = problem.candidates[a]!;
      const y = problem.candidates[b]!;
      const pickupFirst = Number(y.kind === 'pickup') - Number(x.kind === 'pickup');
      const byId = x.location.locationId < y.location.locationId ? -1 : 1;
      return pickupFirst || x.distanceKm - y.distanceKm || byId;
    });
  const allocations: Allocation[] = [];

  const whole = byDistance.find(
    (j) =>
      (!problem.candidates[j]!.counted || problem.maxCounted > 0) &&
      problem.demand.every((units, k) => problem.stock[j * m + k]! >= units),
  );
  if (whole !== undefined) {
    problem.lines.forEach((line, index) => {
      allocations.push({ line: index, candidate: whole, quantity: line.quantity });
    });
  } else {
    const remaining = problem.lines.map((line) => line.quantity);
    let shipments = 0;
    for (const j of byDistance) {
      const candidate = problem.candidates[j]!;
      if (candidate.counted && shipments >= problem.maxCounted) continue;
      const left = Array.from(problem.stock.subarray(j * m, (j + 1) * m));
      let took = false;
      problem.lines.forEach((line, index) => {
        const k = problem.lineSku[index]!;
        const want = remaining[index]!;
        if (want === 0 || left[k]! === 0) return;
        // Without splitting a line goes whole to one location or not at all.
        if (!problem.allowSplit && (want < line.quantity || left[k]! < want)) return;
        const quantity = Math.min(want, left[k]!);
        left[k]! -= quantity;
        remaining[index] = want - quantity;
        allocations.push({ line: index, candidate: j, quantity });
        took = true;
      });
      if (took && candidate.counted) shipments += 1;
      if (remaining.every((units) => units === 0)) break;
    }
  }

  const shipped = allocations.reduce((sum, allocation) => sum + allocation.quantity, 0);
  // The plain bound (no Lagrangian prices) keeps the baseline's timing honest.
  const root = rootBound(problem, shipped);
  const plan = buildPlan(problem, allocations, {
    method: 'naive',
    optimal: false,
    lowerBound: root.lowerBound,
    nodesExplored: 0,
    searchNote: 'Naive plan (closest location first)',
  });
  plan.lowerBound = Math.min(plan.lowerBound, plan.objective);
  return plan;
}
