import { boundRegion } from './bounds.ts';
import { searchExact } from './branch-and-bound.ts';
import { improveGreedily, improveLocally } from './heuristic.ts';
import { integerBound } from './integer-bound.ts';
import { type DualPrices, optimiseDualPrices } from './lagrangian.ts';
import { maximiseUnits } from './max-units.ts';
import { OpenSet } from './open-set.ts';
import { buildPlan } from './plan-builder.ts';
import { buildProblem, type SourcingProblem } from './problem.ts';
import type { SearchLimits, SourcingPlan, SourcingRequest } from './types.ts';

/** `auto` searches exactly up to this size (after dropping locations that hold nothing needed). */
export const AUTO_EXACT_MAX_LINES = 60;
export const AUTO_EXACT_MAX_CANDIDATES = 400;
/**
 * Node budgets. A node costs about (RETUNE_ITERATIONS + 2) passes over the candidates' holdings,
 * so `auto` divides a work budget by that size to bound the time per order (deterministically,
 * unlike a clock: about 100 ms worst case on the benchmark machine); `exact` is asked for a proof
 * and gets far more.
 */
export const AUTO_NODE_BUDGET = 20_000;
export const AUTO_WORK_BUDGET = 2_500_000;
export const EXACT_NODE_BUDGET = 2_000_000;
/**
 * `auto` stops once its plan is proved within this fraction of the optimum (objective − lower bound
 * ≤ 1 % of the objective, reported in the plan's `gap`): the last percent is where branch-and-bound
 * spends its tail. `exact` proves the optimum.
 */
export const AUTO_RELATIVE_GAP = 0.01;
/** Node budget of the maximum-units pass run after a search stopped on its budget. */
export const MAX_UNITS_NODE_BUDGET = 200_000;

/**
 * Decides which locations fulfil an order: most units shipped first (backorders are the last
 * resort), then least objective (fixed + handling + shipping cost, plus preference penalties),
 * within ATS, capacity, capability, exclusions, `maxShipments` and the split policy.
 *
 * Every mode starts from the greedy plan (`improveGreedily`) and Lagrangian prices for the lower
 * bound (`optimiseDualPrices`). `exact` then runs branch-and-bound (`searchExact`) until it proves
 * the optimum or runs out of budget; `heuristic` stops there and reports the bound; `auto` runs
 * branch-and-bound with a work-scaled budget and a 1 % gap tolerance when the order is small enough,
 * else acts as `heuristic`. When a search stops on its budget, a maximum-units pass
 * (`maximiseUnits`) makes sure the plan ships as many units as any feasible plan: units come first,
 * and the cost search may not have reached the sets that ship the most. Same input, same plan: every choice is made in a fixed order and ties go to the
 * lower location id.
 */
export function planShipments(request: SourcingRequest, limits: SearchLimits = {}): SourcingPlan {
  const problem = buildProblem(request, { pruneDominated: true });
  const greedy = improveGreedily(problem);
  const greedyValue = greedy.value();
  const dual = optimiseDualPrices(problem, greedyValue.shipped, greedyValue.cost);
  const { mode } = request.policy;
  const small =
    problem.lines.length <= AUTO_EXACT_MAX_LINES && problem.candidates.length <= AUTO_EXACT_MAX_CANDIDATES;

  if (mode === 'heuristic' || (mode === 'auto' && !small)) {
    const root = rootBound(problem, greedyValue.shipped, dual);
    const optimal =
      greedy.inexactSkus === 0 &&
      root.maxShipped === greedyValue.shipped &&
      root.lowerBound >= greedyValue.cost;
    return buildPlan(problem, greedy.allocations(), {
      method: 'heuristic',
      optimal,
      lowerBound: Math.min(root.lowerBound, greedyValue.cost),
      nodesExplored: 0,
      searchNote: `Greedy set cover with local improvement over ${plural(problem.candidates.length, 'candidate')}`,
    });
  }

  const holdings = problem.candidates.reduce((sum, candidate) => sum + candidate.skus.length, 0);
  const autoBudget = Math.max(
    100,
    Math.min(AUTO_NODE_BUDGET, Math.floor(AUTO_WORK_BUDGET / (holdings + problem.candidates.length + 1))),
  );
  const result = searchExact(
    problem,
    { members: greedy.members, ...greedyValue },
    {
      nodeBudget: limits.nodeBudget ?? (mode === 'exact' ? EXACT_NODE_BUDGET : autoBudget),
      ...(limits.timeBudgetMs === undefined ? {} : { timeBudgetMs: limits.timeBudgetMs }),
      relativeGap: mode === 'exact' ? 0 : AUTO_RELATIVE_GAP,
    },
    dual,
  );
  const chosen = new OpenSet(problem);
  for (const j of result.members) chosen.open(j);
  let nodes = result.nodes;
  let unitsNote = '';
  if (result.stoppedOnBudget) {
    const most = rootBound(problem, chosen.shipped, dual).maxShipped;
    if (chosen.shipped < most) {
      const units = maximiseUnits(
        problem,
        { members: chosen.members, shipped: chosen.shipped },
        most,
        MAX_UNITS_NODE_BUDGET,
      );
      nodes += units.nodes;
      if (units.shipped > chosen.shipped) {
        for (const j of chosen.members.slice()) chosen.close(j);
        for (const j of units.members) chosen.open(j);
        // Local moves never ship fewer units. The search's bound (for plans shipping at least its
        // incumbent's units) still holds for plans shipping more: they are a subset of those.
        improveLocally(problem, chosen);
      }
      unitsNote = units.proved
        ? `; maximum-units pass: no plan ships more than ${plural(chosen.shipped, 'unit')}`
        : `; maximum-units pass stopped at its budget (${plural(chosen.shipped, 'unit')})`;
    } else {
      unitsNote = `; no plan ships more than ${plural(chosen.shipped, 'unit')}`;
    }
  }
  const value = chosen.value();
  const lowerBound = result.proved
    ? result.lowerBound
    : Math.min(value.cost, Math.max(result.lowerBound, rootBound(problem, value.shipped, dual).lowerBound));
  const candidates = plural(problem.candidates.length, 'candidate');
  return buildPlan(problem, chosen.allocations(), {
    method: 'exact',
    optimal: result.proved,
    lowerBound,
    nodesExplored: nodes,
    searchNote: result.proved
      ? `Branch-and-bound over ${candidates} (${plural(result.nodes, 'node')})`
      : result.stoppedOnBudget
        ? `Branch-and-bound stopped at its budget after ${plural(result.nodes, 'node')}; best plan found${unitsNote}`
        : `Branch-and-bound over ${candidates} (${plural(result.nodes, 'node')}) stopped once within ${AUTO_RELATIVE_GAP * 100}% of the optimum`,
  });
}

/** Bound over every plan, for plans shipping at least `needed` units. */
export function rootBound(problem: SourcingProblem, needed: number, dual?: DualPrices) {
  const bound = boundRegion(problem, new OpenSet(problem), 0, false, needed, dual);
  return { maxShipped: bound.maxShipped, lowerBound: Math.max(0, integerBound(bound.costBound)) };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
