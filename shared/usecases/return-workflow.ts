import type { Order, OrderLine } from '../domain/order.ts';
import { ReturnWorkflowError, type Rma, refundLines } from '../domain/return.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ReturnRepository } from '../ports/return-repository.ts';
import type { TaskSignalOutcome } from '../ports/workflow-engine.ts';
import { refundRequested } from './return-events.ts';

/** What the returns steps need of the workflow engine. */
export interface ReturnsEngine {
  sendTaskSuccess(taskToken: string, output: unknown): Promise<TaskSignalOutcome>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<TaskSignalOutcome>;
}

/** The inventory adjust use case as the restock step calls it (`makeAdjustInventory`). */
export type AdjustInventory = (input: { body: unknown }) => Promise<{ applied: boolean }>;

export interface ReturnStepInput {
  rmaId: string;
  taskToken?: string;
  /** The Catch's error object (`{ Error, Cause }`) for the `fail` step. */
  error?: { Error?: string; Cause?: string };
}

const MAX_ATTEMPTS = 6;

/** Refund ids are derived from the RMA, so a retried step asks for the same refund. */
export const refundIdFor = (rmaId: string) => `rf_${rmaId.replace(/^rma_/, '')}`;

/** What the receipt step hands the state machine when the goods are in. */
export function receiptOutput(rma: Rma) {
  return {
    received: rma.lines.reduce((n, l) => n + (l.received ?? 0), 0),
    restocked: rma.lines.reduce((n, l) => n + (l.restocked ?? 0), 0),
    disposed: rma.lines.reduce((n, l) => n + (l.disposed ?? 0), 0),
  };
}

/**
 * The Task states of the returns state machine (workflows/returns.ts). Each is idempotent: Step
 * Functions retries them, and a partner may report before the workflow reached the step that waits.
 */
export function makeReturnWorkflowSteps(deps: {
  returns: ReturnRepository;
  orders: OrderRepository;
  adjustInventory: AdjustInventory;
  engine: ReturnsEngine;
  clock: Clock;
  ids: IdGenerator;
}) {
  const load = async (rmaId: string): Promise<Rma> => {
    const rma = await deps.returns.get(rmaId);
    if (!rma) throw new ReturnWorkflowError('ReturnStateError', `RMA ${rmaId} does not exist`);
    return rma;
  };
  const now = () => deps.clock.now().toISOString();

  /** Re-reads and re-applies `change` until the RMA write wins (optimistic concurrency). */
  async function mutate<T>(
    rmaId: string,
    change: (
      rma: Rma,
    ) => { next: Rma; events?: Parameters<ReturnRepository['update']>[2]; result: T } | { result: T },
  ): Promise<T> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const rma = await load(rmaId);
      const decided = change(rma);
      if (!('next' in decided)) return decided.result;
      const outcome = await deps.returns.update(
        { ...decided.next, updatedAt: now(), version: rma.version + 1 },
        rma.version,
        decided.events ?? [],
      );
      if (outcome === 'updated') return decided.result;
    }
    throw new ReturnWorkflowError('TransientError', `RMA ${rmaId} is changing concurrently`);
  }

  return {
    /**
     * `.waitForTaskToken`: stores the token against the RMA. If the location already reported the
     * receipt (it raced the workflow), the step completes itself at once.
     */
    async awaitReceipt(input: ReturnStepInput): Promise<{ waiting: boolean }> {
      const token = required(input.taskToken, 'taskToken');
      const rma = await mutate(input.rmaId, (rma) => {
        if (rma.status !== 'AUTHORIZED') return { result: rma };
        return { next: { ...rma, taskToken: token, waitingFor: 'receipt' as const }, result: rma };
      });
      if (rma.status === 'AUTHORIZED') return { waiting: true };
      if (rma.status === 'EXPIRED' || rma.status === 'FAILED') {
        throw new ReturnWorkflowError('ReturnStateError', `RMA ${rma.rmaId} is ${rma.status}`);
      }
      await deps.engine.sendTaskSuccess(token, receiptOutput(rma));
      return { waiting: false };
    },

    /** Restock lines go back on hand at the receiving location (one adjustment batch per RMA). */
    async restock(input: ReturnStepInput): Promise<{ restocked: number }> {
      const rma = await load(input.rmaId);
      const adjustments = rma.lines
        .filter((l) => (l.restocked ?? 0) > 0)
        .map((l) => ({
          sku: l.sku,
          locationId: rma.returnLocationId,
          delta: l.restocked ?? 0,
          reason: 'returned' as const,
          note: `RMA ${rma.rmaId} line ${l.lineId}`,
        }));
      if (adjustments.length === 0) return { restocked: 0 };
      await deps.adjustInventory({ body: { batchId: `${rma.rmaId}.restock`, adjustments } });
      return { restocked: adjustments.reduce((n, a) => n + a.delta, 0) };
    },

    /**
     * `.waitForTaskToken`: records the refund and its RefundRequested event (a new event each
     * attempt, so a retry after RefundFailed asks the payment service again) and stores the token.
     */
    async requestRefund(input: ReturnStepInput): Promise<{ waiting: boolean; amount: number }> {
      const token = required(input.taskToken, 'taskToken');
      const outcome = await mutate(input.rmaId, (rma) => {
        if (rma.refund?.providerReference !== undefined) return { result: { rma, issued: true } };
        if (rma.status !== 'RECEIVED' && rma.status !== 'REFUND_REQUESTED') {
          throw new ReturnWorkflowError(
            'ReturnStateError',
            `RMA ${rma.rmaId} is ${rma.status}, not RECEIVED`,
          );
        }
        const amount = refundLines(rma).reduce((n, l) => n + l.amount, 0);
        if (amount === 0) return { result: { rma, issued: true } };
        const next: Rma = {
          ...rma,
          status: 'REFUND_REQUESTED',
          refund: { refundId: refundIdFor(rma.rmaId), amount },
          taskToken: token,
          waitingFor: 'refund',
        };
        const event = refundRequested(
          { eventId: deps.ids.eventId(), occurredAt: now(), correlationId: rma.rmaId },
          next,
        );
        return { next, events: [event], result: { rma: next, issued: false } };
      });
      const amount = outcome.rma.refund?.amount ?? 0;
      if (!outcome.issued) return { waiting: true, amount };
      await deps.engine.sendTaskSuccess(token, {
        amount,
        providerReference: outcome.rma.refund?.providerReference,
      });
      return { waiting: false, amount };
    },

    /** The return is done: the RMA completes and the order records the returned units in its history. */
    async complete(input: ReturnStepInput): Promise<{ status: 'COMPLETED' }> {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const rma = await load(input.rmaId);
        if (rma.status === 'COMPLETED') return { status: 'COMPLETED' };
        const order = await deps.orders.get(rma.orderId);
        if (!order) throw new ReturnWorkflowError('ReturnStateError', `Order ${rma.orderId} does not exist`);
        const at = now();
        const received = new Map(rma.lines.map((l) => [l.lineId, l.received ?? 0]));
        const lines: OrderLine[] = order.lines.map((line) => {
          const units = received.get(line.lineId) ?? 0;
          if (units === 0) return line;
          const returned = line.quantities.returned + units;
          const allBack = returned >= line.quantity - line.quantities.cancelled;
          return {
            ...line,
            status: allBack ? 'RETURNED' : line.status,
            quantities: { ...line.quantities, returned },
          };
        });
        const units = [...received.values()].reduce((n, u) => n + u, 0);
        const refund = rma.refund
          ? `, refund ${rma.refund.refundId} of ${rma.refund.amount} ${rma.currency}${rma.refund.providerReference ? ` (${rma.refund.providerReference})` : ''}`
          : '';
        const updatedOrder: Order = { ...order, lines, updatedAt: at, version: order.version + 1 };
        const outcome = await deps.returns.complete({
          rma: {
            ...rma,
            status: 'COMPLETED',
            updatedAt: at,
            version: rma.version + 1,
            waitingFor: undefined,
          },
          expectedVersion: rma.version,
          order: updatedOrder,
          expectedOrderVersion: order.version,
          history: {
            at,
            from: order.status,
            to: order.status,
            by: { type: 'workflow', id: 'returns' },
            reason: `return ${rma.rmaId} completed: ${units} unit(s) received at ${rma.returnLocationId}${refund}`,
          },
          events: [],
        });
        if (outcome === 'updated') return { status: 'COMPLETED' };
      }
      throw new ReturnWorkflowError(
        'TransientError',
        `RMA ${input.rmaId} or its order is changing concurrently`,
      );
    },

    /** Nothing arrived in time: the RMA expires (its units become returnable again while the window is open). */
    async expire(input: ReturnStepInput): Promise<{ status: Rma['status'] }> {
      return mutate<{ status: Rma['status'] }>(input.rmaId, (rma) => {
        if (rma.status !== 'AUTHORIZED') return { result: { status: rma.status } };
        return {
          next: {
            ...rma,
            status: 'EXPIRED' as const,
            taskToken: undefined,
            waitingFor: undefined,
            failure: { error: 'States.Timeout', cause: `nothing received by ${rma.expiresAt}`, at: now() },
          },
          result: { status: 'EXPIRED' as const },
        };
      });
    },

    /** The workflow's Catch: the RMA shows the failure and waits for nobody. */
    async fail(input: ReturnStepInput): Promise<{ status: Rma['status'] }> {
      return mutate<{ status: Rma['status'] }>(input.rmaId, (rma) => {
        if (rma.status === 'COMPLETED' || rma.status === 'EXPIRED') return { result: { status: rma.status } };
        return {
          next: {
            ...rma,
            status: 'FAILED' as const,
            taskToken: undefined,
            waitingFor: undefined,
            failure: {
              error: (input.error?.Error ?? 'Unknown').slice(0, 256),
              cause: (input.error?.Cause ?? '').slice(0, 2000),
              at: now(),
            },
          },
          result: { status: 'FAILED' as const },
        };
      });
    },
  };
}

export type ReturnWorkflowSteps = ReturnType<typeof makeReturnWorkflowSteps>;
export const RETURN_STEP_ACTIONS = [
  'awaitReceipt',
  'restock',
  'requestRefund',
  'complete',
  'expire',
  'fail',
] as const;
export type ReturnStepAction = (typeof RETURN_STEP_ACTIONS)[number];

function required(value: string | undefined, what: string): string {
  if (!value) throw new ReturnWorkflowError('ReturnStateError', `${what} is required`);
  return value;
}
