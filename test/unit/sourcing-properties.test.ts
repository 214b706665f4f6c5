import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineKm } from '../../shared/domain/geo.ts';
import type { Location } from '../../shared/domain/location.ts';
import { boundRegion } from '../../shared/sourcing/bounds.ts';
import { integerBound } from '../../shared/sourcing/integer-bound.ts';
import { optimiseDualPrices } from '../../shared/sourcing/lagrangian.ts';
import { OpenSet } from '../../shared/sourcing/open-set.ts';
import { planNaive } from '../../shared/sourcing/plan-naive.ts';
import { planShipments } from '../../shared/sourcing/plan-shipments.ts';
import { buildProblem } from '../../shared/sourcing/problem.ts';
import {
  type CandidatePosition,
  DEFAULT_PREFERENCE_PENALTY,
  DEFAULT_SOURCING_POLICY,
  type SourcingPlan,
  type SourcingRequest,
} from '../../shared/sourcing/types.ts';
import { at, HOME, line, location, request, sources, stock } from '../support/sourcing-fixtures.ts';

// ---------------------------------------------------------------------------------------------
// Property-based tests on small random instances, against an independent brute force.

const SKUS = ['A', 'B', 'C'];
const TYPES = ['warehouse', 'store', 'vendor', 'dark-store'] as const;

const locationArb = (locationId: string) =>
  fc
    .record({
      type: fc.constantFrom(...TYPES),
      lon: fc.integer({ min: -300, max: 300 }).map((v) => v / 100),
      capabilities: fc.subarray(['ship', 'pickup', 'ship-from-store'] as const),
      capacity: fc.constantFrom(0, 1, 5),
      fixed: fc.integer({ min: 0, max: 800 }),
      handling: fc.integer({ min: 0, max: 150 }),
      paused: fc.integer({ min: 0, max: 4 }).map((v) => v === 0),
      transfer: fc.boolean(),
    })
    .map(
      (r): Location =>
        location(locationId, {
          type: r.type,
          geo: at(r.lon),
          capabilities: r.type === 'vendor' ? ['ship'] : [...r.capabilities],
          dailyShipmentCapacity: r.capacity,
          shipmentFixedCost: r.fixed,
          unitHandlingCost: r.handling,
          status: r.paused ? 'paused' : 'active',
          transferToStores: r.transfer,
        }),
    );

const instanceArb = fc
  .record({
    locationCount: fc.integer({ min: 1, max: 4 }),
    lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 3 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    policy: fc.record({
      maxShipments: fc.integer({ min: 0, max: 3 }),
      allowSplit: fc.boolean(),
      allowBackorder: fc.boolean(),
      allowDropShip: fc.boolean(),
      allowTransferForPickup: fc.boolean(),
      preference: fc.constantFrom('none', 'prefer-warehouse', 'prefer-store'),
      excludeFirst: fc.boolean(),
    }),
    pickup: fc.boolean(),
    model: fc.record({
      perShipment: fc.integer({ min: 0, max: 300 }),
      perShipmentPerKm: fc.constantFrom(0, 0.5, 1.3),
      perUnit: fc.integer({ min: 0, max: 50 }),
      perUnitPerKm: fc.constantFrom(0, 0.1, 0.37),
    }),
  })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      locations: fc.tuple(...Array.from({ length: shape.locationCount }, (_, i) => locationArb(`L${i}`))),
      stock: fc.array(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: SKUS.length, maxLength: SKUS.length }),
        {
          minLength: shape.locationCount,
          maxLength: shape.locationCount,
        },
      ),
    }),
  )
  .map(({ shape, locations, stock: grid }): SourcingRequest => {
    const positions: CandidatePosition[] = [];
    grid.forEach((row, i) => {
      row.forEach((ats, k) => {
        if (ats > 0) positions.push(stock(`L${i}`, SKUS[k]!, ats));
      });
    });
    const { excludeFirst, ...policy } = shape.policy;
    return {
      lines: shape.lines.map((l, i) => line(`l${i}`, l.sku, l.quantity)),
      delivery: shape.pickup
        ? { method: 'pickup', pickupLocationId: 'L0' }
        : { method: 'ship', destination: HOME },
      positions,
      locations: [...locations],
      shippingCost: shape.model,
      policy: {
        ...DEFAULT_SOURCING_POLICY,
        ...policy,
        excludedLocationIds: excludeFirst && shape.locationCount > 1 ? ['L1'] : [],
        mode: 'exact',
      },
    };
  });

/**
 * Independent model of the rules and costs, written from the specification rather than from the
 * implementation: which locations may send stock, and what a shipment of u units costs.
 */
function referenceSources(req: SourcingRequest) {
  const { policy } = req;
  const penaltyTypes =
    policy.preference === 'prefer-warehouse'
      ? ['store', 'dark-store']
      : policy.preference === 'prefer-store'
        ? ['warehouse', 'dark-store']
        : [];
  const out: { id: string; vendor: boolean; open: number; perUnit: number; money: (u: number) => number }[] =
    [];
  const pickupStore =
    req.delivery.method === 'pickup'
      ? req.locations.find(
          (l) => l.locationId === (req.delivery as { pickupLocationId: string }).pickupLocationId,
        )
      : undefined;
  for (const loc of req.locations) {
    const capacity = req.remainingCapacity?.[loc.locationId] ?? loc.dailyShipmentCapacity;
    const active = loc.status === 'active' && !policy.excludedLocationIds.includes(loc.locationId);
    if (!active) continue;
    let km: number;
    let pickup = false;
    if (req.delivery.method === 'pickup') {
      if (pickupStore === undefined || pickupStore.status !== 'active') continue;
      if (
        policy.excludedLocationIds.includes(pickupStore.locationId) ||
        !pickupStore.capabilities.includes('pickup')
      ) {
        continue;
      }
      if (loc.locationId === pickupStore.locationId) {
        pickup = true;
        km = 0;
      } else {
        if (!policy.allowTransferForPickup || loc.type === 'vendor' || !loc.transferToStores || capacity <= 0)
          continue;
        km = haversineKm(loc.geo, pickupStore.geo);
      }
    } else {
      if (loc.type === 'vendor' && !policy.allowDropShip) continue;
      const storeLike = loc.type === 'store' || loc.type === 'dark-store';
      const ships =
        loc.capabilities.includes('ship') || (storeLike && loc.capabilities.includes('ship-from-store'));
      if (!ships || capacity <= 0) continue;
      km = haversineKm(loc.geo, req.delivery.destination);
    }
    const m = req.shippingCost;
    // A pickup handover happens whatever the sources, so the store's fixed cost is not counted.
    const fixed = pickup ? 0 : loc.shipmentFixedCost;
    const perShipmentShipping = pickup ? 0 : Math.round(m.perShipment + m.perShipmentPerKm * km);
    const perUnitShipping = pickup ? 0 : Math.round(m.perUnit + m.perUnitPerKm * km);
    const penalty =
      req.delivery.method === 'ship' && loc.type !== 'vendor' && penaltyTypes.includes(loc.type)
        ? DEFAULT_PREFERENCE_PENALTY
        : 0;
    out.push({
      id: loc.locationId,
      vendor: loc.type === 'vendor' && req.delivery.method === 'ship',
      open: fixed + perShipmentShipping + penalty,
      perUnit: loc.unitHandlingCost + perUnitShipping,
      money: (u) => fixed + perShipmentShipping + u * (loc.unitHandlingCost + perUnitShipping),
    });
  }
  return out;
}

const atsOf = (req: SourcingRequest, locationId: string, sku: string) =>
  req.positions
    .filter((p) => p.locationId === locationId && p.sku === sku)
    .reduce((sum, p) => sum + p.ats, 0);

/** Brute force: every way to send every unit (per line, per location), keep the best. */
function bruteForce(req: SourcingRequest): { shipped: number; objective: number } {
  const srcs = referenceSources(req);
  const lines = req.lines;
  const left = srcs.map((s) => Object.fromEntries(SKUS.map((sku) => [sku, atsOf(req, s.id, sku)])));
  const units = srcs.map(() => 0);
  let best = { shipped: -1, objective: 0 };
  const evaluate = () => {
    let shipped = 0;
    let objective = 0;
    let counted = 0;
    srcs.forEach((s, j) => {
      if (units[j] === 0) return;
      shipped += units[j]!;
      objective += s.open + units[j]! * s.perUnit;
      if (!s.vendor) counted += 1;
    });
    if (counted > req.policy.maxShipments) return;
    if (shipped > best.shipped || (shipped === best.shipped && objective < best.objective)) {
      best = { shipped, objective };
    }
  };
  // Distribute line i's units over sources from j on; without splitting, all to one source.
  const visit = (i: number, j: number, remaining: number, usedSources: number): void => {
    if (i === lines.length) {
      evaluate();
      return;
    }
    const l = lines[i]!;
    if (j === srcs.length) {
      visit(i + 1, 0, lines[i + 1]?.quantity ?? 0, 0);
      return;
    }
    const available = left[j]![l.sku]!;
    for (let q = 0; q <= Math.min(remaining, available); q++) {
      if (q > 0 && !req.policy.allowSplit && usedSources > 0) break;
      left[j]![l.sku] = available - q;
      units[j]! += q;
      visit(i, j + 1, remaining - q, usedSources + (q > 0 ? 1 : 0));
      units[j]! -= q;
      left[j]![l.sku] = available;
    }
  };
  visit(0, 0, lines[0]?.quantity ?? 0, 0);
  return best;
}

function shippedUnits(plan: SourcingPlan) {
  return [...plan.shipments, ...plan.dropShip].reduce((sum, s) => sum + s.units, 0);
}

/** Every rule a plan must respect, checked from the request alone. */
function expectValidPlan(req: SourcingRequest, plan: SourcingPlan) {
  const { policy } = req;
  const allowed = new Map(referenceSources(req).map((s) => [s.id, s]));
  expect(plan.shipments.length).toBeLessThanOrEqual(policy.maxShipments);
  const usedStock = new Map<string, number>();
  const perLine = new Map<string, { units: number; sources: Set<string> }>();
  let money = 0;
  for (const shipment of [...plan.shipments, ...plan.dropShip]) {
    const source = allowed.get(shipment.locationId);
    expect(source, `${shipment.locationId} may not send stock`).toBeDefined();
    expect(policy.excludedLocationIds).not.toContain(shipment.locationId);
    expect(shipment.kind === 'drop-ship').toBe(source?.vendor ?? false);
    expect(shipment.cost.total).toBe(source?.money(shipment.units));
    money += shipment.cost.total;
    for (const planned of shipment.lines) {
      expect(planned.quantity).toBeGreaterThan(0);
      const key = `${shipment.locationId}|${planned.sku}`;
      usedStock.set(key, (usedStock.get(key) ?? 0) + planned.quantity);
      const entry = perLine.get(planned.lineId) ?? { units: 0, sources: new Set<string>() };
      entry.units += planned.quantity;
      entry.sources.add(shipment.locationId);
      perLine.set(planned.lineId, entry);
    }
  }
  expect(plan.totalCost).toBe(money);
  for (const [key, used] of usedStock) {
    const [locationId, sku] = key.split('|') as [string, string];
    expect(used).toBeLessThanOrEqual(atsOf(req, locationId, sku));
  }
  const short = new Map([...plan.backordered, ...plan.unfulfillable].map((e) => [e.lineId, e.quantity]));
  if (!policy.allowBackorder) expect(plan.backordered).toEqual([]);
  else expect(plan.unfulfillable).toEqual([]);
  for (const l of req.lines) {
    const entry = perLine.get(l.lineId);
    expect((entry?.units ?? 0) + (short.get(l.lineId) ?? 0)).toBe(l.quantity);
    if (!policy.allowSplit) expect(entry?.sources.size ?? 0).toBeLessThanOrEqual(1);
  }
  expect(plan.lowerBound).toBeLessThanOrEqual(plan.objective);
}

/** A random feasible plan: lines in random order take random amounts from random allowed sources. */
function randomFeasiblePlan(req: SourcingRequest, seed: number[]): { shipped: number; objective: number } {
  const srcs = referenceSources(req);
  let cursor = 0;
  const next = () => seed[cursor++ % seed.length]!;
  const left = srcs.map((s) => Object.fromEntries(SKUS.map((sku) => [sku, atsOf(req, s.id, sku)])));
  const units = srcs.map(() => 0);
  for (const l of req.lines) {
    let remaining = l.quantity;
    const order = srcs.map((_, j) => j).sort((a, b) => ((next() + a) % 3) - ((next() + b) % 3));
    for (const j of order) {
      if (remaining === 0) break;
      const counted = srcs.filter((s, i) => units[i]! > 0 && !s.vendor).length;
      if (units[j] === 0 && !srcs[j]!.vendor && counted >= req.policy.maxShipments) continue;
      const q = Math.min(remaining, left[j]![l.sku]!, next() % 4);
      if (q === 0) continue;
      if (!req.policy.allowSplit && q < remaining) continue;
      left[j]![l.sku]! -= q;
      units[j]! += q;
      remaining -= q;
      if (!req.policy.allowSplit) break;
    }
  }
  let shipped = 0;
  let objective = 0;
  srcs.forEach((s, j) => {
    if (units[j]! > 0) {
      shipped += units[j]!;
      objective += s.open + units[j]! * s.perUnit;
    }
  });
  return { shipped, objective };
}

const lexAtMost = (a: { shipped: number; objective: number }, b: { shipped: number; objective: number }) =>
  a.shipped > b.shipped || (a.shipped === b.shipped && a.objective <= b.objective);

describe('planShipments: properties', () => {
  it('plans in every mode respect ATS, capabilities, exclusions, maxShipments and cover each line exactly', () => {
    fc.assert(
      fc.property(instanceArb, (req) => {
        for (const mode of ['exact', 'heuristic', 'auto'] as const) {
          expectValidPlan(req, planShipments({ ...req, policy: { ...req.policy, mode } }));
        }
        expectValidPlan(req, planNaive(req));
      }),
      { numRuns: 300, seed: 20240611 },
    );
  });

  it('exact mode equals an independent brute-force optimum', () => {
    fc.assert(
      fc.property(instanceArb, (req) => {
        const plan = planShipments(req);
        const best = bruteForce(req);
        expect(plan.optimal).toBe(true);
        expect({ shipped: shippedUnits(plan), objective: plan.objective }).toEqual(best);
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('exact mode is never beaten by a random feasible plan (more units, or as many for no more cost)', () => {
    fc.assert(
      fc.property(instanceArb, fc.array(fc.nat(1000), { minLength: 1, maxLength: 20 }), (req, seed) => {
        const plan = planShipments(req);
        const other = randomFeasiblePlan(req, seed);
        expect(lexAtMost({ shipped: shippedUnits(plan), objective: plan.objective }, other)).toBe(true);
      }),
      { numRuns: 300, seed: 99 },
    );
  });

  it('heuristic cost ≥ its lower bound, and the exact optimum ≥ the heuristic lower bound', () => {
    fc.assert(
      fc.property(instanceArb, (req) => {
        const heuristic = planShipments({ ...req, policy: { ...req.policy, mode: 'heuristic' } });
        const exact = planShipments(req);
        expect(heuristic.objective).toBeGreaterThanOrEqual(heuristic.lowerBound);
        expect(shippedUnits(exact)).toBeGreaterThanOrEqual(shippedUnits(heuristic));
        expect(exact.objective).toBeGreaterThanOrEqual(heuristic.lowerBound);
        const naive = planNaive(req);
        expect(
          lexAtMost(
            { shipped: shippedUnits(exact), objective: exact.objective },
            {
              shipped: shippedUnits(naive),
              objective: naive.objective,
            },
          ),
        ).toBe(true);
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('a search stopped by its node budget still returns a valid plan and a sound lower bound', () => {
    fc.assert(
      fc.property(instanceArb, (req) => {
        const plan = planShipments(req, { nodeBudget: 1 });
        expectValidPlan(req, plan);
        const best = bruteForce(req);
        // The bound covers every plan shipping at least as much as this one, the optimum included.
        expect(plan.lowerBound).toBeLessThanOrEqual(best.objective);
        if (plan.optimal) expect(plan.objective).toBe(best.objective);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});

/**
 * Networks of identical locations: 1–4 classes of 1–2 twins (same place, costs and stock). Small
 * enough for the brute force, large enough that greedy + local search can miss a unit (two
 * locations must be swapped at once), which the maximum-units pass then recovers.
 */
const symmetricArb = fc
  .record({
    classes: fc.array(
      fc.record({
        twins: fc.integer({ min: 1, max: 2 }),
        lon: fc.integer({ min: -200, max: 200 }).map((v) => v / 100),
        fixed: fc.integer({ min: 0, max: 800 }),
        handling: fc.integer({ min: 0, max: 150 }),
        stock: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: SKUS.length, maxLength: SKUS.length }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    lines: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 2 }) }), {
      minLength: 1,
      maxLength: 3,
    }),
    maxShipments: fc.integer({ min: 1, max: 3 }),
    allowSplit: fc.boolean(),
    allowBackorder: fc.boolean(),
  })
  .map((shape): SourcingRequest => {
    const locations: Location[] = [];
    const positions: CandidatePosition[] = [];
    shape.classes.forEach((c, ci) => {
      for (let t = 0; t < c.twins; t++) {
        const id = `C${ci}-${t}`;
        locations.push(
          location(id, { geo: at(c.lon), shipmentFixedCost: c.fixed, unitHandlingCost: c.handling }),
        );
        c.stock.forEach((ats, k) => {
          if (ats > 0) positions.push(stock(id, SKUS[k]!, ats));
        });
      }
    });
    return request({
      lines: shape.lines.map((l, i) => line(`l${i}`, l.sku, l.quantity)),
      locations,
      positions,
      shippingCost: { perShipment: 100, perShipmentPerKm: 0.5, perUnit: 20, perUnitPerKm: 0.1 },
      policy: {
        maxShipments: shape.maxShipments,
        allowSplit: shape.allowSplit,
        allowBackorder: shape.allowBackorder,
        mode: 'auto',
      },
    });
  });

describe('planShipments: symmetric networks and the reported gap', () => {
  it('exact mode equals the brute-force optimum on networks of identical locations', () => {
    fc.assert(
      fc.property(symmetricArb, (req) => {
        const plan = planShipments({ ...req, policy: { ...req.policy, mode: 'exact' } });
        expect(plan.optimal).toBe(true);
        expect({ shipped: shippedUnits(plan), objective: plan.objective }).toEqual(bruteForce(req));
      }),
      { numRuns: 300, seed: 4242 },
    );
  });

  it('auto ships as many units as any feasible plan, even when its search stops on its budget', () => {
    fc.assert(
      fc.property(symmetricArb, fc.constantFrom(1, 2, 5), (req, nodeBudget) => {
        const best = bruteForce(req);
        for (const plan of [planShipments(req), planShipments(req, { nodeBudget })]) {
          expectValidPlan(req, plan);
          expect(shippedUnits(plan)).toBe(best.shipped);
          expect(plan.lowerBound).toBeLessThanOrEqual(best.objective);
        }
      }),
      { numRuns: 300, seed: 77 },
    );
  });

  it('a search stopped on its budget still ships every unit when that takes swapping two cheap locations for two dearer ones', () => {
    // Greedy opens the cheapest per unit (C3 for B, C0 for A) and fills both shipments; no single swap
    // ships more. Only C2 (A and B) + C1 (C) ship all three units.
    const classes = [
      { id: 'C0', fixed: 175, handling: 37, lon: -0.85, skus: ['A'] },
      { id: 'C1', fixed: 148, handling: 103, lon: 0.82, skus: ['C'] },
      { id: 'C2', fixed: 444, handling: 146, lon: -1.51, skus: ['A', 'B'] },
      { id: 'C3', fixed: 6, handling: 103, lon: -0.27, skus: ['B'] },
    ];
    const twins = classes.flatMap((c) => [`${c.id}-0`, `${c.id}-1`].map((id) => ({ ...c, id })));
    const req = request({
      lines: [line('l0', 'A', 1), line('l1', 'B', 1), line('l2', 'C', 1)],
      locations: twins.map((c) =>
        location(c.id, { geo: at(c.lon), shipmentFixedCost: c.fixed, unitHandlingCost: c.handling }),
      ),
      positions: twins.flatMap((c) => c.skus.map((sku) => stock(c.id, sku, 1))),
      shippingCost: { perShipment: 100, perShipmentPerKm: 0.5, perUnit: 20, perUnitPerKm: 0.1 },
      policy: { maxShipments: 2, allowSplit: true, allowBackorder: true, mode: 'auto' },
    });
    const plan = planShipments(req, { nodeBudget: 1 });
    expectValidPlan(req, plan);
    expect(shippedUnits(plan)).toBe(3);
    expect(sources(plan)).toEqual({ 'C1-0': { l2: 1 }, 'C2-0': { l0: 1, l1: 1 } });
    expect(plan.optimal).toBe(false);
    expect(plan.reasons.at(-1)?.message).toMatch(/maximum-units pass: no plan ships more than 3 units/);
  });

  it('auto reports its gap, at most 1 %, with a lower bound no plan shipping as much beats', () => {
    fc.assert(
      fc.property(fc.oneof(instanceArb, symmetricArb), (req) => {
        const plan = planShipments({ ...req, policy: { ...req.policy, mode: 'auto' } });
        const best = bruteForce(req);
        expect(shippedUnits(plan)).toBe(best.shipped);
        expect(plan.lowerBound).toBeLessThanOrEqual(best.objective);
        expect(plan.gap).toBeCloseTo(
          plan.objective > 0 ? (plan.objective - plan.lowerBound) / plan.objective : 0,
          12,
        );
        expect(plan.gap).toBeLessThanOrEqual(0.01);
        expect(plan.objective * 0.99).toBeLessThanOrEqual(best.objective);
        if (plan.optimal) expect(plan.gap).toBe(0);
      }),
      { numRuns: 400, seed: 2026 },
    );
  });
});

describe('planShipments: bounds', () => {
  it('a SKU no location holds does not loosen the lower bound (its units are not slack at the dearest price)', () => {
    fc.assert(
      fc.property(instanceArb, (req) => {
        const heuristic = { ...req, policy: { ...req.policy, mode: 'heuristic' as const } };
        const withGhost = { ...heuristic, lines: [...heuristic.lines, line('ghost', 'SKU-NOBODY-HOLDS', 2)] };
        const plain = planShipments(heuristic);
        const ghost = planShipments(withGhost);
        expect(ghost.objective).toBe(plain.objective);
        expect(ghost.lowerBound).toBe(plain.lowerBound);
      }),
      { numRuns: 300, seed: 77 },
    );
  });

  it('a region bound asked to stop at a threshold is exact below it and reaches it otherwise', () => {
    fc.assert(
      fc.property(
        instanceArb,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 3000 }),
        (req, opened, enough) => {
          const problem = buildProblem(req, { pruneDominated: true });
          const open = new OpenSet(problem);
          const first = Math.min(opened, problem.candidates.length);
          for (let j = 0; j < first; j++) if (open.hasSlotFor(j)) open.open(j);
          const dual = optimiseDualPrices(problem, open.shipped, open.cost + 1);
          const full = boundRegion(problem, open, first, true, 0, dual);
          const needed = Math.max(0, full.maxShipped);
          const exact = boundRegion(problem, open, first, true, needed, dual);
          const cut = boundRegion(problem, open, first, true, needed, dual, enough, enough);
          expect(cut.maxShipped).toBe(exact.maxShipped);
          if (integerBound(exact.costBound) < enough) expect(cut.costBound).toBe(exact.costBound);
          else expect(integerBound(cut.costBound)).toBeGreaterThanOrEqual(enough);
          expect(integerBound(cut.costBound)).toBeLessThanOrEqual(
            Math.max(enough, integerBound(exact.costBound)),
          );
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });
});
