import { z } from 'zod';
import { conflict, notFound } from '../domain/errors.ts';
import { type Order, OrderIdSchema } from '../domain/order.ts';
import { isProgressStatus } from '../domain/order-progress.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { FulfilmentRun, WorkflowEngine } from '../ports/workflow-engine.ts';
import { releaseActiveReservations } from './release-reservations.ts';

/**
 * Orders a fulfilment run can carry on: their open lines may still be allocated (allocate-order's
 * ALLOCATABLE) or they wait for a hold release. Others are settled (shipped, completed, cancelled).
 */
export const RESUMABLE_STATUSES: readonly OrderStatus[] = [
  'CREATED',
  'ON_HOLD',
  'ALLOCATED',
  'PARTIALLY_ALLOCATED',
  'BACKORDERED',
  'RELEASED',
  // Some units shipped (or delivered) while others are still open: only while a line is still open.
  'PARTIALLY_SHIPPED',
  'PARTIALLY_DELIVERED',
];

/** Lines a fulfilment run still has to ship (not shipped, delivered, cancelled or returned). */
const OPEN_LINE_STATUSES: readonly string[] = ['CREATED', 'ALLOCATED', 'BACKORDERED', 'RELEASED'];

/** The order's fulfilment has something left to do: a resumable status with a line still open. */
export const isResumable = (order: Order): boolean =>
  RESUMABLE_STATUSES.includes(order.status) &&
  (!isProgressStatus(order.status) || order.lines.some((l) => OPEN_LINE_STATUSES.includes(l.status)));

/** Runs of one order: `<orderId>`, then `<orderId>-r1`, `-r2`… (one per resume). */
const MAX_RUNS = 50;
export const runName = (orderId: string, n: number) => (n === 0 ? orderId : `${orderId}-r${n}`);

/** Every fulfilment run of an order, oldest first (names are probed in order until one is missing). */
export async function fulfilmentRuns(engine: WorkflowEngine, orderId: string): Promise<FulfilmentRun[]> {
  if (!engine.describeFulfilment) throw new Error('This workflow engine cannot describe executions');
  const runs: FulfilmentRun[] = [];
  for (let n = 0; n < MAX_RUNS; n++) {
    const run = await engine.describeFulfilment(runName(orderId, n));
    if (!run) break;
    runs.push(run);
  }
  return runs;
}

export interface ResumeOutcome {
  orderId: string;
  /** `started`: a new run; `running`: a run is already live (nothing started; idempotent). */
  outcome: 'started' | 'running';
  /** The live run's execution name. */
  execution: string;
  /** How the previous run ended, when there was one. */
  previous?: { execution: string; status: string; error?: string; cause?: string };
}

/**
 * `POST /ops/orders/{orderId}/resume`: carries on the fulfilment of an order whose run ended
 * abnormally (FAILED, ABORTED, TIMED_OUT, or lost to a local runtime that could not resume it).
 * It starts a NEW execution `<orderId>-r<n>` that picks up from the order's stored state: Allocate
 * reserves what is still open (what is reserved stays reserved), the shipments already out at
 * locations are waited on again with fresh tokens (no second request), and shipments the location
 * reported while nothing waited (shipped, rejected) are settled at once. Idempotent: a live run is
 * answered as such; two concurrent calls start one run (same name and input: StartExecution's
 * idempotency). This is the same on AWS and locally; RedriveExecution is not used (see
 * docs/workflows.md: it cannot resume aborted-by-restart local runs and re-runs the failed state
 * with stale input).
 */
export function makeResumeFulfilment(deps: {
  orders: OrderRepository;
  shipments: ShipmentRepository;
  engine: WorkflowEngine;
}) {
  return async function resumeFulfilment(input: { orderId: string }): Promise<ResumeOutcome> {
    const parsed = OrderIdSchema.safeParse(input.orderId);
    if (!parsed.success) throw notFound('Order', input.orderId);
    const orderId = parsed.data;
    const order = await deps.orders.get(orderId);
    if (!order) throw notFound('Order', orderId);
    const runs = await fulfilmentRuns(deps.engine, orderId);
    const live = runs.find((r) => r.status === 'RUNNING' || r.status === 'PENDING_REDRIVE');
    if (live) return { orderId, outcome: 'running', execution: live.name };
    if (!isResumable(order)) {
      throw conflict(`Order ${orderId} is ${order.status}: its fulfilment has nothing left to resume`, {
        status: order.status,
      });
    }
    const last = runs.at(-1);
    const name = runName(orderId, runs.length);
    // Shipment ids derive from (round, location): a new round never collides with an earlier one's.
    const rounds = (await deps.shipments.listByOrder(orderId)).map((s) => s.round);
    const round = Math.max(0, ...rounds) + 1;
    const started = await deps.engine.startFulfilment({
      name,
      input: {
        orderId,
        correlationId: `resume-${orderId}-${runs.length}`,
        loop: { round, resourceAttempts: 0, excludedLocationIds: [], resume: runs.length > 0 },
      },
    });
    return {
      orderId,
      // Already there: a concurrent call started this very run.
      outcome: started === 'started' ? 'started' : 'running',
      execution: name,
      ...(last && {
        previous: {
          execution: last.name,
          status: last.status,
          ...(last.error !== undefined && { error: last.error }),
          ...(last.cause !== undefined && { cause: last.cause.slice(0, 500) }),
        },
      }),
    };
  };
}

const PreviousRunSchema = z.object({
  execution: z.string(),
  status: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

export const ResumeOutcomeSchema = z.object({
  orderId: z.string(),
  outcome: z
    .enum(['started', 'running'])
    .describe('started (202): a new run; running (200): a run is already live, nothing started'),
  execution: z.string().describe('The live run: <orderId>-r<n> (GET /ops/executions/{name})'),
  previous: PreviousRunSchema.optional().describe('How the previous run ended'),
});

export const StalledOrderSchema = z.object({
  orderId: z.string(),
  status: z.string(),
  createdAt: z.string(),
  reservedUnits: z.number().int().describe('Units still reserved for the order'),
  lastRun: z
    .object({
      execution: z.string(),
      status: z.string(),
      error: z.string().optional(),
      stopDate: z.string().optional(),
    })
    .optional()
    .describe('Its latest fulfilment run; absent when none ever started'),
});

export const ReconcileReportSchema = z.object({
  action: z.enum(['resume', 'release', 'report']),
  orders: z.array(
    StalledOrderSchema.extend({
      result: z.object({
        resumed: z.string().optional().describe('The run started'),
        releasedUnits: z.number().int().optional(),
        error: z.string().optional(),
      }),
    }),
  ),
});

export const StalledOrdersQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Orders younger than this are skipped: their first run may still be on its way (queue). */
  olderThanSeconds: z.coerce.number().int().min(0).max(86_400).default(300),
});

export const ReconcileRequestSchema = z.strictObject({
  /** resume: start a run for each; release: give back their reservations; report: change nothing. */
  action: z.enum(['resume', 'release', 'report']).default('report'),
  limit: z.number().int().min(1).max(200).default(50),
  olderThanSeconds: z.number().int().min(0).max(86_400).default(300),
});

export interface StalledOrder {
  orderId: string;
  status: OrderStatus;
  createdAt: string;
  reservedUnits: number;
  /** The latest run, if any ever started. */
  lastRun?: { execution: string; status: string; error?: string; stopDate?: string };
}

/**
 * Orders that are not settled and have no live fulfilment run: their last run ended abnormally (or
 * none ever started), so nothing will move them, and what they reserved stays reserved. Found by
 * status (every resumable status), oldest first per status, at most `limit`.
 */
export function makeFindStalledOrders(deps: {
  orders: OrderRepository;
  inventory: InventoryStore;
  engine: WorkflowEngine;
  clock: Clock;
}) {
  return async function findStalledOrders(query: {
    limit: number;
    olderThanSeconds: number;
  }): Promise<StalledOrder[]> {
    const cutoff = new Date(deps.clock.now().getTime() - query.olderThanSeconds * 1000).toISOString();
    const stalled: StalledOrder[] = [];
    for (const status of RESUMABLE_STATUSES) {
      let cursor: string | undefined;
      do {
        const page = await deps.orders.list(
          { by: 'status', status },
          { limit: 100, createdTo: cutoff, ...(cursor && { cursor }) },
        );
        for (const order of page.items) {
          if (!isResumable(order)) continue;
          const found = await stalledOrder(order);
          if (found) stalled.push(found);
          if (stalled.length >= query.limit) return stalled;
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    return stalled;
  };

  async function stalledOrder(order: Order): Promise<StalledOrder | undefined> {
    const runs = await fulfilmentRuns(deps.engine, order.orderId);
    if (runs.some((r) => r.status === 'RUNNING' || r.status === 'PENDING_REDRIVE')) return undefined;
    const last = runs.at(-1);
    // A run that SUCCEEDED settled the order (Fulfilled/Cancelled); one left unsettled is still stalled.
    const reserved = (await deps.inventory.listReservations(order.orderId)).reduce(
      (s, r) => s + r.quantity,
      0,
    );
    return {
      orderId: order.orderId,
      status: order.status,
      createdAt: order.createdAt,
      reservedUnits: reserved,
      ...(last && {
        lastRun: {
          execution: last.name,
          status: last.status,
          ...(last.error !== undefined && { error: last.error }),
          ...(last.stopDate && { stopDate: last.stopDate.toISOString() }),
        },
      }),
    };
  }
}

export interface ReconcileReport {
  action: 'resume' | 'release' | 'report';
  orders: (StalledOrder & {
    /** What was done: a run started (its name), units released, or nothing (report, or it failed). */
    result: { resumed?: string; releasedUnits?: number; error?: string };
  })[];
}

/**
 * `POST /ops/orders/reconcile`: every stalled order (see makeFindStalledOrders) and, by `action`,
 * resumed (a new run, as POST /ops/orders/{orderId}/resume) or its reservations released (the order
 * itself is left for ops: cancel it or resume it later), reporting what was done for each. `report`
 * (the default) changes nothing. Safe to repeat: a resumed order has a live run and is not found
 * again; a release releases nothing twice.
 */
export function makeReconcileStalledOrders(deps: {
  orders: OrderRepository;
  inventory: InventoryStore;
  shipments: ShipmentRepository;
  engine: WorkflowEngine;
  clock: Clock;
}) {
  const find = makeFindStalledOrders(deps);
  const resume = makeResumeFulfilment(deps);
  return async function reconcile(body: unknown): Promise<ReconcileReport> {
    const request = parseOrThrow(ReconcileRequestSchema, body ?? {}, 'body');
    const stalled = await find(request);
    const orders: ReconcileReport['orders'] = [];
    for (const order of stalled) {
      try {
        if (request.action === 'resume') {
          const outcome = await resume({ orderId: order.orderId });
          orders.push({ ...order, result: { resumed: outcome.execution } });
        } else if (request.action === 'release') {
          const released = await releaseActiveReservations(deps.inventory, deps.clock, order.orderId);
          orders.push({ ...order, result: { releasedUnits: released.reduce((s, r) => s + r.quantity, 0) } });
        } else orders.push({ ...order, result: {} });
      } catch (error) {
        orders.push({ ...order, result: { error: error instanceof Error ? error.message : String(error) } });
      }
    }
    return { action: request.action, orders };
  };
}
