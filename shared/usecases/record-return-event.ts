import type { Caller } from '../domain/caller.ts';
import { conflict, type FieldError, fieldErrorAt, forbidden, notFound } from '../domain/errors.ts';
import {
  RETURN_WORKFLOW_ERRORS,
  type ReturnEventRequest,
  ReturnEventRequestSchema,
  type Rma,
  RmaIdPattern,
} from '../domain/return.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { DomainEvent } from '../events/envelope.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { ReturnRepository } from '../ports/return-repository.ts';
import { refundFailed, refundIssued, returnInspected, returnReceived } from './return-events.ts';
import { type ReturnsEngine, receiptOutput } from './return-workflow.ts';

/**
 * Who may report on an RMA: admin (ops) on any; a partner only on RMAs at one of its locations.
 * `locations` undefined = not a partner (refused); `payments` = the payment service, which may report
 * refunds of any RMA but not receipts.
 */
export interface ReturnReporter {
  admin: boolean;
  id: string;
  locations?: readonly string[];
  payments?: boolean;
}

/**
 * The reporter a caller is, by the partner convention of shared/domain/caller.ts: a key with the
 * `fulfillment` scope acts for its `locationIds`; a key with the `payments` scope is the payment
 * service.
 */
export function reporterOf(caller: Caller): ReturnReporter {
  const partner = caller.scopes.includes('fulfillment') && caller.locationIds !== undefined;
  return {
    admin: caller.admin,
    id: caller.channel,
    ...(partner ? { locations: caller.locationIds } : {}),
    ...(caller.scopes.includes('payments') ? { payments: true } : {}),
  };
}

const MAX_ATTEMPTS = 6;

/**
 * `POST /returns/{rmaId}/events`: the return location reports receipt with a per-line inspection
 * (restock or dispose); the payment service reports the refund issued or failed. The event is
 * applied once per `eventId`, recorded with its catalog events in one transaction, and then resumes
 * the workflow step waiting on the RMA through its stored task token (which never leaves the system).
 */
export function makeRecordReturnEvent(deps: {
  returns: ReturnRepository;
  engine: ReturnsEngine;
  clock: Clock;
  ids: IdGenerator;
}) {
  return async function recordReturnEvent(input: {
    reporter: ReturnReporter;
    rmaId: string;
    body: unknown;
    correlationId: string;
  }): Promise<{ rma: Rma; applied: boolean }> {
    const { reporter } = input;
    if (!reporter.admin && reporter.locations === undefined && !reporter.payments) {
      throw forbidden(`${reporter.id} is not a partner that may report on returns`);
    }
    const event = parseOrThrow(ReturnEventRequestSchema, input.body, 'return event');
    if (!RmaIdPattern.test(input.rmaId)) throw notFound('Return', input.rmaId);

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const rma = await deps.returns.get(input.rmaId);
      if (!rma || !mayReport(reporter, rma, event)) throw notFound('Return', input.rmaId);
      if (rma.processedEventIds.includes(event.eventId)) {
        // A retry: the change is recorded; signal again in case the first attempt died before it
        // (not a failure: the token may already be the retried step's, which must not fail again).
        if (event.type !== 'refund-failed') await signal(deps.engine, rma, event);
        return { rma, applied: false };
      }
      const at = deps.clock.now().toISOString();
      const base = () => ({
        eventId: deps.ids.eventId(),
        occurredAt: at,
        correlationId: input.correlationId,
      });
      const { next, events } = apply(rma, event, base);
      const updated: Rma = {
        ...next,
        processedEventIds: [...rma.processedEventIds, event.eventId].slice(-50),
        updatedAt: at,
        version: rma.version + 1,
      };
      if ((await deps.returns.update(updated, rma.version, events)) === 'updated') {
        await signal(deps.engine, updated, event);
        return { rma: updated, applied: true };
      }
    }
    throw conflict(`RMA ${input.rmaId} is changing concurrently; retry with the same eventId`);
  };
}

/**
 * Who reports what: the return location reports the receipt, the payment service the refund. A
 * partner cannot post a refund at its own location, nor the payment service a receipt.
 */
function mayReport(reporter: ReturnReporter, rma: Rma, event: ReturnEventRequest): boolean {
  if (reporter.admin) return true;
  if (event.type !== 'received') return reporter.payments === true;
  return reporter.locations?.includes(rma.returnLocationId) ?? false;
}

function apply(
  rma: Rma,
  event: ReturnEventRequest,
  base: () => { eventId: string; occurredAt: string; correlationId: string },
): { next: Rma; events: DomainEvent[] } {
  switch (event.type) {
    case 'received': {
      if (rma.status !== 'AUTHORIZED') {
        throw conflict(`RMA ${rma.rmaId} is ${rma.status}; a receipt is accepted only while AUTHORIZED`, {
          rmaStatus: rma.status,
        });
      }
      const lines = event.lines ?? [];
      const byLine = new Map(
        rma.lines.map((l) => [l.lineId, { ...l, received: 0, restocked: 0, disposed: 0 }]),
      );
      const errors: FieldError[] = [];
      lines.forEach((reported, index) => {
        const line = byLine.get(reported.lineId);
        if (!line) {
          errors.push(
            fieldErrorAt(['lines', index, 'lineId'], `RMA ${rma.rmaId} has no line ${reported.lineId}`),
          );
          return;
        }
        line.received += reported.quantity;
        if (reported.disposition === 'restock') line.restocked += reported.quantity;
        else line.disposed += reported.quantity;
        if (line.received > line.quantity) {
          errors.push(
            fieldErrorAt(
              ['lines', index, 'quantity'],
              `line ${line.lineId}: ${line.received} unit(s) reported, more than the ${line.quantity} authorised`,
            ),
          );
        }
      });
      const first = errors[0];
      if (first)
        throw conflict(`The receipt does not match RMA ${rma.rmaId}: ${first.field} ${first.message}`, {
          errors,
        });
      const next: Rma = {
        ...rma,
        status: 'RECEIVED',
        lines: rma.lines.map((l) => byLine.get(l.lineId) ?? l),
      };
      return { next, events: [returnReceived(base(), next), returnInspected(base(), next, lines)] };
    }
    case 'refund-issued': {
      if (rma.status !== 'REFUND_REQUESTED' || !rma.refund) {
        throw conflict(`RMA ${rma.rmaId} is ${rma.status}; no refund is outstanding`, {
          rmaStatus: rma.status,
        });
      }
      const next: Rma = {
        ...rma,
        refund: { ...rma.refund, providerReference: event.providerReference ?? '' },
      };
      return { next, events: [refundIssued(base(), next)] };
    }
    case 'refund-failed': {
      if (rma.status !== 'REFUND_REQUESTED' || !rma.refund) {
        throw conflict(`RMA ${rma.rmaId} is ${rma.status}; no refund is outstanding`, {
          rmaStatus: rma.status,
        });
      }
      const failure = {
        reason: event.reason ?? 'other',
        retryable: event.retryable ?? true,
        ...(event.note === undefined ? {} : { note: event.note }),
      };
      return { next: rma, events: [refundFailed(base(), rma, failure)] };
    }
  }
}

/** Resumes the step waiting for this kind of report, if it is waiting (a gone token is fine). */
async function signal(engine: ReturnsEngine, rma: Rma, event: ReturnEventRequest): Promise<void> {
  const token = rma.taskToken;
  if (!token) return;
  if (event.type === 'received' && rma.waitingFor === 'receipt' && rma.status !== 'AUTHORIZED') {
    await engine.sendTaskSuccess(token, receiptOutput(rma));
  } else if (event.type === 'refund-issued' && rma.waitingFor === 'refund') {
    await engine.sendTaskSuccess(token, {
      amount: rma.refund?.amount ?? 0,
      providerReference: rma.refund?.providerReference,
    });
  } else if (event.type === 'refund-failed' && rma.waitingFor === 'refund') {
    const retryable = event.retryable ?? true;
    await engine.sendTaskFailure(
      token,
      retryable ? RETURN_WORKFLOW_ERRORS.refundFailed : 'RefundDeclined',
      `${event.reason ?? 'other'}${event.note ? `: ${event.note}` : ''}`,
    );
  }
}
