import type { Rma } from '../domain/return.ts';
import { refundLines } from '../domain/return.ts';
import { type CatalogEvent, EVENT_CATALOG } from '../events/catalog.ts';

/** Builders of the return and refund events from the RMA; the shapes come from the event catalog. */
interface EventBase {
  eventId: string;
  occurredAt: string;
  correlationId: string;
}

const envelope = <T extends keyof typeof EVENT_CATALOG>(type: T, base: EventBase, rma: Rma) => ({
  ...base,
  type,
  version: EVENT_CATALOG[type].version,
  orderId: rma.orderId,
  channel: rma.channel,
});

export function returnAuthorized(base: EventBase, rma: Rma): CatalogEvent<'ReturnAuthorized'> {
  return {
    ...envelope('ReturnAuthorized', base, rma),
    data: {
      rmaId: rma.rmaId,
      orderId: rma.orderId,
      method: rma.method,
      returnLocationId: rma.returnLocationId,
      expiresAt: rma.expiresAt,
      lines: rma.lines.map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.quantity, reason: l.reason })),
    },
  };
}

export function returnReceived(base: EventBase, rma: Rma): CatalogEvent<'ReturnReceived'> {
  return {
    ...envelope('ReturnReceived', base, rma),
    data: {
      rmaId: rma.rmaId,
      orderId: rma.orderId,
      locationId: rma.returnLocationId,
      lines: rma.lines
        .filter((l) => (l.received ?? 0) > 0)
        .map((l) => ({ lineId: l.lineId, sku: l.sku, quantity: l.received ?? 0 })),
    },
  };
}

export function returnInspected(
  base: EventBase,
  rma: Rma,
  lines: { lineId: string; quantity: number; disposition: 'restock' | 'dispose'; note?: string }[],
): CatalogEvent<'ReturnInspected'> {
  const sku = new Map(rma.lines.map((l) => [l.lineId, l.sku]));
  return {
    ...envelope('ReturnInspected', base, rma),
    data: {
      rmaId: rma.rmaId,
      orderId: rma.orderId,
      locationId: rma.returnLocationId,
      lines: lines.map((l) => ({
        lineId: l.lineId,
        sku: sku.get(l.lineId) ?? '',
        quantity: l.quantity,
        disposition: l.disposition,
        ...(l.note === undefined ? {} : { note: l.note }),
      })),
    },
  };
}

export function refundRequested(base: EventBase, rma: Rma): CatalogEvent<'RefundRequested'> {
  const refund = rma.refund;
  if (!refund) throw new Error(`RMA ${rma.rmaId} has no refund to request`);
  return {
    ...envelope('RefundRequested', base, rma),
    data: {
      refundId: refund.refundId,
      orderId: rma.orderId,
      amount: refund.amount,
      currency: rma.currency,
      reason: 'return',
      rmaId: rma.rmaId,
      lines: refundLines(rma),
    },
  };
}

export function refundIssued(base: EventBase, rma: Rma): CatalogEvent<'RefundIssued'> {
  const refund = rma.refund;
  if (!refund?.providerReference) throw new Error(`RMA ${rma.rmaId} has no issued refund`);
  return {
    ...envelope('RefundIssued', base, rma),
    data: {
      refundId: refund.refundId,
      orderId: rma.orderId,
      amount: refund.amount,
      currency: rma.currency,
      providerReference: refund.providerReference,
    },
  };
}

export function refundFailed(
  base: EventBase,
  rma: Rma,
  failure: { reason: string; retryable: boolean; note?: string },
): CatalogEvent<'RefundFailed'> {
  const refund = rma.refund;
  if (!refund) throw new Error(`RMA ${rma.rmaId} has no refund`);
  return {
    ...envelope('RefundFailed', base, rma),
    data: {
      refundId: refund.refundId,
      orderId: rma.orderId,
      amount: refund.amount,
      currency: rma.currency,
      reason: failure.reason,
      retryable: failure.retryable,
      ...(failure.note === undefined ? {} : { note: failure.note }),
    },
  };
}
