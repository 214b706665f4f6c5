import { boundRegion } from './bounds.ts';
import { searchExact } from './branch-and-bound.ts';
import { improveGreedily } from './heuristic.ts';
import { integerBound } from './integer-bound.ts';
import { type DualPrices, optimiseDualPrices } from './lagrangian.ts';
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
 * Decides which locations fulfil an order: most units shipped first (backorders are the last
 * resort), then least objective (fixed + handling + shipping cost, plus preference penalties),
 * within ATS, capacity, capability, exclusions, `maxShipments` and the split policy.
 *
 * Every mode starts from the greedy plan (`improveGreedily`) and Lagrangian prices for the lower
 * bound (`optimiseDualPrices`). `exact` then runs branch-and-bound (`searchExact`) until it proves
 * the optimum or runs out of budget; `heuristic` stops there and reports the bound; `auto` runs
 * branch-and-bound with a work-scaled budget when the order is small enough, else acts as
 * `heuristic`. Same input, same plan: every choice is made in a fixed order and ties go to the
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
    },
    dual,
  );
  const chosen = new OpenSet(problem);
  for (const j of result.members) chosen.open(j);
  const lowerBound = result.proved
    ? result.lowerBound
    : Math.min(
        result.value.cost,
        Math.max(result.lowerBound, rootBound(problem, result.value.shipped, dual).lowerBound),
      );
  return buildPlan(problem, chosen.allocations(), {
    method: 'exact',
    optimal: result.proved,
    lowerBound,
    nodesExplored: result.nodes,
    searchNote: result.proved
      ? `Branch-and-bound over ${plural(problem.candidates.length, 'candidate')} (${plural(result.nodes, 'node')})`
      : `Branch-and-bound stopped at its budget after ${plural(result.nodes, 'node')}; best plan found`,
  });
}

/** Bound over every plan, for plans shipping at least `needed` units. */
export function rootBound(problem: SourcingProblem, needed: number, dual?: DualPrices) {
  const bound = boundRegion(problem, new OpenSet(problem), 0, false, needed, dual);
  return { maxShipped: bound.maxShipped, lowerBound: Math.max(0, integerBound(bound.costBound)) };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
