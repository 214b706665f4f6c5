import type { Allocation } from './assignment.ts';
import type { Candidate, SourcingProblem } from './problem.ts';
import type { LineQuantity, PlannedShipment, SourcingPlan, SourcingReason } from './types.ts';

export interface PlanOutcome {
  method: SourcingPlan['method'];
  optimal: boolean;
  lowerBound: number;
  nodesExplored: number;
  /** How the plan was found, for the reasons list. */
  searchNote: string;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Turns allocations (line × location × units) into shipments, shortfalls, costs and reasons. */
export function buildPlan(
  problem: SourcingProblem,
  allocations: readonly Allocation[],
  outcome: PlanOutcome,
): SourcingPlan {
  const byCandidate = new Map<number, Allocation[]>();
  const shippedByLine = new Array<number>(problem.lines.length).fill(0);
  const sourcesByLine: Allocation[][] = problem.lines.map(() => []);
  for (const allocation of allocations) {
    if (allocation.quantity <= 0) continue;
    let list = byCandidate.get(allocation.candidate);
    if (list === undefined) {
      list = [];
      byCandidate.set(allocation.candidate, list);
    }
    list.push(allocation);
    shippedByLine[allocation.line]! += allocation.quantity;
    sourcesByLine[allocation.line]!.push(allocation);
  }

  const reasons: SourcingReason[] = [];
  const shipments: PlannedShipment[] = [];
  const dropShip: PlannedShipment[] = [];
  const kindOrder = { pickup: 0, ship: 1, transfer: 2, 'drop-ship': 3 } as const;
  const used = [...byCandidate.keys()]
    .map((j) => problem.candidates[j]!)
    .sort(
      (a, b) =>
        kindOrder[a.kind] - kindOrder[b.kind] ||
        (a.location.locationId < b.location.locationId
          ? -1
          : a.location.locationId > b.location.locationId
            ? 1
            : 0),
    );
  let totalCost = 0;
  let objective = 0;
  for (const candidate of used) {
    const list = byCandidate
      .get(candidate.index)!
      .slice()
      .sort((a, b) => a.line - b.line);
    const lines = list.map((allocation) => {
      const line = problem.lines[allocation.line]!;
      return { lineId: line.lineId, sku: line.sku, quantity: allocation.quantity };
    });
    const units = lines.reduce((sum, line) => sum + line.quantity, 0);
    const fixed = candidate.fixedCost;
    const handling = units * candidate.unitHandling;
    const shipping = candidate.shipmentShipping + units * candidate.unitShipping;
    const total = fixed + handling + shipping;
    const shipment: PlannedShipment = {
      locationId: candidate.location.locationId,
      locationType: candidate.location.type,
      kind: candidate.kind,
      ...(candidate.toLocationId === undefined ? {} : { toLocationId: candidate.toLocationId }),
      distanceKm: Math.round(candidate.distanceKm * 10) / 10,
      lines,
      units,
      cost: { fixed, handling, shipping, total, penalty: candidate.penalty },
    };
    (candidate.kind === 'drop-ship' ? dropShip : shipments).push(shipment);
    totalCost += total;
    objective += total + candidate.penalty;
    reasons.push(selectionReason(problem, candidate, shipment));
  }

  const backordered: LineQuantity[] = [];
  const unfulfillable: LineQuantity[] = [];
  problem.lines.forEach((line, index) => {
    const sources = sourcesByLine[index]!;
    const k = problem.lineSku[index]!;
    const ownSources = sources.filter((source) => problem.candidates[source.candidate]!.kind !== 'drop-ship');
    if (sources.length > 1) {
      const parts = sources
        .map((source) => `${problem.candidates[source.candidate]!.location.locationId} (${source.quantity})`)
        .join(', ');
      const why =
        problem.largestHolding[k]! < line.quantity
          ? `no eligible location holds all ${line.quantity} units`
          : 'splitting is part of the cheapest plan within the shipment limit';
      reasons.push({
        code: 'line-split',
        lineId: line.lineId,
        message: `Line ${line.lineId} split across ${parts}: ${why}`,
      });
    }
    const dropShipped = sources.length - ownSources.length;
    if (dropShipped > 0) {
      for (const source of sources) {
        const candidate = problem.candidates[source.candidate]!;
        if (candidate.kind !== 'drop-ship') continue;
        const why = problem.heldByOwnLocation[k]
          ? 'cheaper than sending it from our own stock'
          : `only vendors carry ${line.sku}`;
        reasons.push({
          code: 'line-drop-shipped',
          lineId: line.lineId,
          locationId: candidate.location.locationId,
          message: `${plural(source.quantity, 'unit')} of line ${line.lineId} drop-shipped by ${candidate.location.locationId}: ${why}`,
        });
      }
    }
    const shortfall = line.quantity - shippedByLine[index]!;
    if (shortfall <= 0) return;
    const entry = { lineId: line.lineId, quantity: shortfall };
    const why = shortfallCause(problem, k, line.quantity);
    if (problem.policy.allowBackorder) {
      backordered.push(entry);
      reasons.push({
        code: 'line-backordered',
        lineId: line.lineId,
        message: `${plural(shortfall, 'unit')} of line ${line.lineId} backordered: ${why}`,
      });
    } else {
      unfulfillable.push(entry);
      reasons.push({
        code: 'line-unfulfillable',
        lineId: line.lineId,
        message: `${plural(shortfall, 'unit')} of line ${line.lineId} cannot be fulfilled (backorders not allowed): ${why}`,
      });
    }
  });

  reasons.push(...problem.skipReasons);
  const lowerBound = outcome.optimal ? objective : outcome.lowerBound;
  const gap = objective > 0 ? ((objective - lowerBound) / objective) * 100 : 0;
  reasons.push({
    code: 'search',
    message: outcome.optimal
      ? `${outcome.searchNote}; proved optimal`
      : `${outcome.searchNote}; not proved optimal: lower bound ${lowerBound}, gap at most ${gap.toFixed(1)}%`,
  });

  return {
    shipments,
    dropShip,
    backordered,
    unfulfillable,
    totalCost,
    objective,
    lowerBound,
    gap: objective > 0 ? (objective - lowerBound) / objective : 0,
    optimal: outcome.optimal,
    method: outcome.method,
    nodesExplored: outcome.nodesExplored,
    reasons,
  };
}

function selectionReason(
  problem: SourcingProblem,
  candidate: Candidate,
  shipment: PlannedShipment,
): SourcingReason {
  const { locationId } = candidate.location;
  const lineIds = shipment.lines.map((line) => line.lineId).join(', ');
  const what =
    candidate.kind === 'pickup'
      ? `${locationId} hands over ${plural(shipment.units, 'unit')} (line ${lineIds}) for pickup`
      : candidate.kind === 'transfer'
        ? `${locationId} (${candidate.location.type}, ${shipment.distanceKm} km) transfers ${plural(shipment.units, 'unit')} (line ${lineIds}) to pickup store ${candidate.toLocationId}`
        : `${locationId} (${candidate.location.type}, ${shipment.distanceKm} km away) ships ${plural(shipment.units, 'unit')} (line ${lineIds})`;
  const { cost } = shipment;
  const price = `cost ${cost.total} = fixed ${cost.fixed} + handling ${cost.handling} + shipping ${cost.shipping}${
    cost.penalty > 0 ? ` (plus preference penalty ${cost.penalty})` : ''
  }`;
  const onlySource = [...new Set(shipment.lines.map((line) => line.sku))].filter(
    (sku) => problem.holderCount[problem.skus.indexOf(sku)] === 1,
  );
  const why =
    onlySource.length > 0
      ? `the only eligible location holding ${onlySource.join(', ')}`
      : 'part of the cheapest set of locations covering the order';
  return { code: 'location-selected', locationId, message: `${what}: ${why}; ${price}` };
}

function shortfallCause(problem: SourcingProblem, k: number, quantity: number): string {
  const sku = problem.skus[k]!;
  const available = problem.eligibleStock[k]!;
  if (available === 0) return `no eligible location holds ${sku}`;
  if (available < problem.demand[k]!)
    return `only ${plural(available, 'unit')} of ${sku} at eligible locations`;
  if (!problem.allowSplit && problem.largestHolding[k]! < quantity) {
    return `no single eligible location holds all ${quantity} units and splitting is not allowed`;
  }
  return `sending more would need more than ${plural(problem.maxCounted, 'shipment')} (maxShipments)`;
}
