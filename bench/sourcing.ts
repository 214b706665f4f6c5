/**
 * Sourcing benchmark: seeded synthetic orders over a country-sized network, planned by
 * `planShipments` (mode auto) and by the naive closest-first baseline, compared with the exact
 * optimum where a budget-limited exact search proves it.
 *
 * A second family, symmetric networks, has many identical locations (same place, costs and stock):
 * 20 lines × 200 locations in 8 classes of 25 twins, no split, maxShipments 3.
 *
 *   npm run bench:sourcing            (BENCH_SCALE=0.5 for a quicker run;
 *                                      BENCH_SIZES=50x1000,sym20x200 to run only those sizes)
 */

import { availableParallelism, loadavg } from 'node:os';
import { planNaive } from '../shared/sourcing/plan-naive.ts';
import { planShipments } from '../shared/sourcing/plan-shipments.ts';
import type { SourcingPlan, SourcingRequest } from '../shared/sourcing/types.ts';
import { buildInstance, buildSymmetricInstance } from './lib/sourcing-instances.ts';

const shipped = (plan: SourcingPlan) =>
  [...plan.shipments, ...plan.dropShip].reduce((sum, s) => sum + s.units, 0);
const shipmentCount = (plan: SourcingPlan) => plan.shipments.length + plan.dropShip.length;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface Sample {
  ms: number;
  /** CPU time of the process during the solve (user + system): less sensitive to a loaded machine. */
  cpuMs: number;
  plan: SourcingPlan;
}

function timed(run: () => SourcingPlan): Sample {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const plan = run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, plan };
}

interface Row {
  size: string;
  algorithm: string;
  n: number;
  p50: number;
  p99: number;
  cpuP99: number;
  shipments: number;
  fill: number;
  ratio: number;
  ratioCount: number;
  optimal: number;
  gap: number;
}

function summarise(
  size: string,
  algorithm: string,
  samples: Sample[],
  optimum: (SourcingPlan | undefined)[],
  optimalMeans: 'proved' | 'matched',
): Row {
  const times = samples.map((s) => s.ms).sort((a, b) => a - b);
  let ratioSum = 0;
  let ratioCount = 0;
  let optimalCount = 0;
  let gapSum = 0;
  let unitsOrdered = 0;
  let unitsShipped = 0;
  samples.forEach((sample, i) => {
    const best = optimum[i];
    const units = shipped(sample.plan);
    unitsShipped += units;
    unitsOrdered +=
      units + [...sample.plan.backordered, ...sample.plan.unfulfillable].reduce((s, e) => s + e.quantity, 0);
    if (best !== undefined) {
      // The optimum ships the most units; a cost ratio only means something at the same fill.
      const ratio =
        units !== shipped(best)
          ? Number.NaN
          : best.objective === 0
            ? 1 // nothing could be sent: both plans are empty
            : sample.plan.objective / best.objective;
      if (!Number.isNaN(ratio)) {
        ratioSum += ratio;
        ratioCount += 1;
      }
      if (optimalMeans === 'matched' && units === shipped(best) && sample.plan.objective === best.objective) {
        optimalCount += 1;
      }
    }
    if (optimalMeans === 'proved' && sample.plan.optimal) optimalCount += 1;
    gapSum += sample.plan.objective > 0 ? 1 - sample.plan.lowerBound / sample.plan.objective : 0;
  });
  return {
    size,
    algorithm,
    n: samples.length,
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    cpuP99: quantile(
      samples.map((s) => s.cpuMs).sort((a, b) => a - b),
      0.99,
    ),
    shipments: samples.reduce((sum, s) => sum + shipmentCount(s.plan), 0) / samples.length,
    fill: unitsOrdered > 0 ? unitsShipped / unitsOrdered : 1,
    ratio: ratioCount > 0 ? ratioSum / ratioCount : Number.NaN,
    ratioCount,
    optimal: optimalCount / samples.length,
    gap: gapSum / samples.length,
  };
}

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const LINE_SIZES = [1, 5, 20, 50];
const LOCATION_SIZES = [10, 50, 200, 1000];
/** Instances per size: fewer for the big networks so the run stays within a few minutes. */
const instancesFor = (locations: number, lines: number) =>
  Math.max(
    3,
    Math.round(SCALE * (locations >= 1000 ? (lines >= 20 ? 30 : 60) : locations >= 200 ? 100 : 200)),
  );
/** The reference optimum: exact mode within this budget (it may be cut short, then it is unknown). */
const REFERENCE_LIMITS = { nodeBudget: 300_000, timeBudgetMs: 1_500 };

/** Sizes to run (BENCH_SIZES, e.g. `50x1000,sym20x200`), every size when unset. */
const ONLY = process.env.BENCH_SIZES?.split(',').map((size) => size.replaceAll('×', 'x').replaceAll(' ', ''));
const wanted = (size: string) =>
  ONLY === undefined || ONLY.includes(size.replaceAll('×', 'x').replaceAll(' ', ''));
const FAMILIES: {
  label: string;
  build: (seed: number, lines: number, locations: number) => SourcingRequest;
  sizes: [number, number][];
  instances: (locations: number, lines: number) => number;
}[] = [
  {
    label: '',
    build: buildInstance,
    sizes: LINE_SIZES.flatMap((lines) => LOCATION_SIZES.map((locs): [number, number] => [lines, locs])),
    instances: instancesFor,
  },
  {
    label: 'sym ',
    build: buildSymmetricInstance,
    sizes: [[20, 200]],
    instances: () => Math.max(3, Math.round(SCALE * 60)),
  },
];

const rows: Row[] = [];
const started = performance.now();
const loadAtStart = loadavg()
  .map((v) => v.toFixed(2))
  .join(' ');
// Warm up the JIT so the first size's p99 measures planning, not compilation.
for (let i = 0; i < 30; i++) {
  const instance = buildInstance(i, 5, 50);
  planShipments(instance);
  planShipments({ ...instance, policy: { ...instance.policy, mode: 'heuristic' } });
  planNaive(instance);
}
for (const family of FAMILIES) {
  for (const [lineCount, locationCount] of family.sizes) {
    const size = `${family.label}${lineCount}×${locationCount}`;
    if (!wanted(size)) continue;
    const count = family.instances(locationCount, lineCount);
    const auto: Sample[] = [];
    const heuristic: Sample[] = [];
    const naive: Sample[] = [];
    const optimum: (SourcingPlan | undefined)[] = [];
    for (let i = 0; i < count; i++) {
      const instance = family.build(
        1_000_003 * lineCount + 7_919 * locationCount + i,
        lineCount,
        locationCount,
      );
      auto.push(timed(() => planShipments(instance)));
      heuristic.push(
        timed(() => planShipments({ ...instance, policy: { ...instance.policy, mode: 'heuristic' } })),
      );
      naive.push(timed(() => planNaive(instance)));
      const autoPlan = auto[auto.length - 1]!.plan;
      const reference = autoPlan.optimal
        ? autoPlan
        : planShipments({ ...instance, policy: { ...instance.policy, mode: 'exact' } }, REFERENCE_LIMITS);
      optimum.push(reference.optimal ? reference : undefined);
    }
    rows.push(summarise(size, 'auto', auto, optimum, 'proved'));
    rows.push(summarise(size, 'heuristic', heuristic, optimum, 'proved'));
    rows.push(summarise(size, 'naive', naive, optimum, 'matched'));
    const known = optimum.filter((plan) => plan !== undefined).length;
    const fewer = auto.filter(
      (s, i) => optimum[i] !== undefined && shipped(s.plan) < shipped(optimum[i]!),
    ).length;
    process.stderr.write(
      `  ${size.padEnd(12)} ${count} instances, optimum known for ${known}, auto ships fewer units than it for ${fewer}  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  }
}

const fmt = (value: number, digits = 2) => (Number.isNaN(value) ? '—' : value.toFixed(digits));
const pct = (value: number) => (Number.isNaN(value) ? '—' : `${(value * 100).toFixed(0)}%`);
const header = [
  'lines×locs',
  'algo',
  'n',
  'p50 ms',
  'p99 ms',
  'p99 cpu',
  'shipments',
  'fill',
  'cost/opt',
  '(n opt)',
  'optimal',
  'gap≤',
];
const table = rows.map((row) => [
  row.size,
  row.algorithm,
  String(row.n),
  fmt(row.p50),
  fmt(row.p99),
  fmt(row.cpuP99),
  fmt(row.shipments),
  pct(row.fill),
  fmt(row.ratio, 4),
  String(row.ratioCount),
  pct(row.optimal),
  row.algorithm === 'naive' ? '' : pct(row.gap),
]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((r) => r[c]!.length)));
const print = (cells: string[]) => console.log(cells.map((cell, c) => cell.padStart(widths[c]!)).join('  '));
console.log();
print(header);
print(widths.map((w) => '-'.repeat(w)));
for (const row of table) print(row);
console.log(`
cost/opt: mean objective ÷ proved optimum, over instances where the optimum is known and the plan
ships as many units ((n opt) counts them). optimal: auto/heuristic = proved optimal by the plan
itself (within 1 %: auto stops there and reports the gap); naive = matched the optimum. heuristic = mode 'heuristic' (greedy + local search + bound).
p99 cpu: p99 of the process CPU time (user + system ms) per solve, less sensitive to other load.
gap≤: mean (objective − lower bound) ÷ objective reported by the plan itself.
fill: units shipped or drop-shipped ÷ units ordered. Total ${((performance.now() - started) / 1000).toFixed(1)} s.
Load average (1/5/15 min) at start ${loadAtStart}, at end ${loadavg()
  .map((v) => v.toFixed(2))
  .join(' ')} on ${availableParallelism()} cores: wall-clock percentiles on a busy machine say little.`);
