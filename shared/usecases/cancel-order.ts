import { z } from 'zod';
import { type Caller, canSeeChannel } from '../domain/caller.ts';
import { CANCEL_REASONS } from '../domain/cancel-reasons.ts';
import {
  conflict,
  DomainError,
  type FieldError,
  fieldErrorAt,
  notFound,
  validationError,
} from '../domain/errors.ts';
import { requireIdempotencyKey } from '../domain/idempotency-key.ts';
import type { Actor, Order, OrderLine, StatusChange } from '../domain/order.ts';
import { MAX_ORDER_LINES, OrderIdSchema, QuantitySchema } from '../domain/order.ts';
import {
  allowedTransitions,
  assertTransition,
  CANCELLABLE_STATUSES,
  type LineStatus,
  type OrderStatus,
} from '../domain/order-status.ts';
import { CANCELLABLE_SHIPMENT_STATUSES, type Shipment, unitsLeft } from '../domain/shipment.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { DomainEvent } from '../events/envelope.ts';
import { orderCancelled } from '../events/order-events.ts';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { orderEvent } from './fulfilment-events.ts';
import { isLineDone } from './fulfilment-order.ts';

export { CANCEL_REASONS };

export const CancelLineRequestSchema = z.strictObject({
  lineId: z
    .string({ error: 'must be a string (line id)' })
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters'),
  quantity: QuantitySchema.optional().describe(
    'Units to cancel; omitted: every cancellable unit of the line (backordered, or reserved but not yet released to a location)',
  ),
});

export const CancelOrderRequestSchema = z
  .strictObject({
    reason: z.enum(CANCEL_REASONS),
    note: z.string().trim().min(1).max(500).optional(),
    lines: z
      .array(CancelLineRequestSchema, { error: 'must be an array of { lineId, quantity? }' })
      .min(1, 'must contain at least one line')
      .max(MAX_ORDER_LINES, `must contain at most ${MAX_ORDER_LINES} lines`)
      .optional()
      .describe(
        'Per-line cancellation: only these units. Omitted: the whole order. Units released to a location (a requested or accepted shipment) cannot be cancelled per line (409): cancel the whole order, which cancels the shipment, or wait for the location to reject. With an explicit quantity the Idempotency-Key header is required; a retry with the same key cancels nothing twice.',
      ),
  })
  .superRefine((request, ctx) => {
    const seen = new Map<string, number>();
    request.lines?.forEach((line, index) => {
      const first = seen.get(line.lineId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'lineId'],
          message: `duplicates lines[${first}].lineId`,
        });
      } else seen.set(line.lineId, index);
    });
  });
type CancelOrderRequest = z.infer<typeof CancelOrderRequestSchema>;

const MAX_ATTEMPTS = 5;

/** Statuses with units shipped and others still open (see shared/domain/order-progress.ts). */
const PARTIAL_PROGRESS: readonly OrderStatus[] = ['PARTIALLY_SHIPPED', 'PARTIALLY_DELIVERED'];

/** Units of one line cancelled by a per-line cancellation. */
export interface CancelledLineUnits {
  lineId: string;
  sku: string;
  quantity: number;
  amount: number;
}

/** Per line: units in shipments that shipped, and units released to a location (live shipments). */
function shipmentUnits(shipments: readonly Shipment[]) {
  const shipped = new Map<string, number>();
  const released = new Map<
    string,
    { units: number; shipments: { shipmentId: string; locationId: string }[] }
  >();
  for (const s of shipments) {
    for (const l of s.lines) {
      if (unitsLeft(s.status)) {
        shipped.set(l.lineId, (shipped.get(l.lineId) ?? 0) + l.quantity);
      } else if (CANCELLABLE_SHIPMENT_STATUSES.includes(s.status)) {
        // Released: requested, accepted, or ready at the pickup counter.
        const entry = released.get(l.lineId) ?? { units: 0, shipments: [] };
        entry.units += l.quantity;
        entry.shipments.push({ shipmentId: s.shipmentId, locationId: s.locationId });
        released.set(l.lineId, entry);
      }
    }
  }
  return { shipped, released };
}

/**
 * Units of a line that can still be cancelled on their own: what is neither cancelled, shipped nor
 * released to a location (backordered units, units reserved but not yet in a requested or accepted
 * shipment, and the unsourced units of a CREATED or ON_HOLD order).
 */
export function cancellableUnits(
  line: OrderLine,
  units: ReturnType<typeof shipmentUnits>,
): { cancellable: number; released: number } {
  if (isLineDone(line)) return { cancellable: 0, released: 0 };
  const shipped = Math.max(line.quantities.shipped, units.shipped.get(line.lineId) ?? 0);
  const released = units.released.get(line.lineId)?.units ?? 0;
  return {
    cancellable: Math.max(0, line.quantity - line.quantities.cancelled - shipped - released),
    released,
  };
}

/** The line after `units` more of it are cancelled: backordered units go first, then reserved ones. */
function lineAfterCancel(line: OrderLine, units: number, released: number): OrderLine {
  const cancelled = line.quantities.cancelled + units;
  const needed = line.quantity - cancelled;
  const allocated = Math.min(line.quantities.allocated, needed);
  const backordered = Math.max(0, Math.min(line.quantities.backordered, needed - allocated));
  const { shipped, delivered } = line.quantities;
  let status: LineStatus = line.status;
  if (needed <= 0) status = 'CANCELLED';
  else if (delivered > 0 && delivered >= needed) status = 'DELIVERED';
  else if (shipped > 0 && shipped >= needed) status = 'SHIPPED';
  else if (line.status === 'BACKORDERED' && backordered === 0) {
    status = released > 0 && shipped + released >= needed ? 'RELEASED' : 'ALLOCATED';
  }
  return { ...line, status, quantities: { ...line.quantities, allocated, backordered, cancelled } };
}

/**
 * Cancels a whole order while nothing has shipped, or (with `lines`) only some units of some lines.
 * Cancelling an already cancelled order returns it unchanged (retries are safe). Concurrent changes
 * are resolved by optimistic concurrency: re-read, re-check.
 *
 * Per-line: units released to a location are refused (409); the cancelled units are recorded on
 * the lines with OrderLinesCancelled and RefundRequested in the same write; when every line ends up
 * cancelled it is a whole-order cancellation (OrderCancelled). A request with an Idempotency-Key is
 * recorded in the history entry it wrote, and a retry with the same key is answered from there;
 * an explicit quantity requires the key (without one a retry would cancel the units again).
 */
export function makeCancelOrder(deps: {
  orders: OrderRepository;
  clock: Clock;
  ids: IdGenerator;
  /**
   * Gives the order's reserved stock back. Called after the cancellation is recorded, and again on
   * a repeated cancel, so a crash between the two steps heals on retry (releasing is idempotent).
   */
  releaseReservations?: (input: { orderId: string }) => Promise<unknown>;
  /**
   * The order's shipments: a whole-order cancel is refused once one shipped; per line, units
   * released to a location are refused. Read after the order, whose version every shipped report
   * moves, so the cancel's version condition excludes a concurrent shipped report.
   */
  shipments?: Pick<ShipmentRepository, 'listByOrder' | 'listWaiters' | 'deleteWaiter'>;
  /**
   * Per-line: gives back the reserved units the order no longer needs (declarative, so it heals on
   * a retry as well).
   */
  releaseUnneeded?: (order: Order) => Promise<unknown>;
  /** Per-line: wakes an execution waiting for stock when nothing is backordered any more. */
  engine?: Pick<WorkflowEngine, 'sendTaskSuccess'>;
}) {
  const byOf = (caller: Caller): Actor => ({
    type: caller.admin ? ('ops' as const) : ('channel' as const),
    id: caller.channel,
  });

  /** The whole order CANCELLED, with OrderCancelled: the change a full cancel writes. */
  function wholeOrderCancellation(
    order: Order,
    reason: string,
    by: Actor,
    correlationId: string,
    now: string,
  ): { order: Order; history: StatusChange; events: DomainEvent[] } {
    const updated: Order = {
      ...order,
      status: 'CANCELLED',
      lines: order.lines.map((line) => ({
        ...line,
        status: 'CANCELLED',
        quantities: { ...line.quantities, cancelled: line.quantity - line.quantities.shipped },
      })),
      cancellation: { reason, at: now, by },
      updatedAt: now,
      version: order.version + 1,
    };
    const event = orderCancelled(
      { eventId: deps.ids.eventId(), occurredAt: now, correlationId },
      updated,
      order.status,
    );
    return {
      order: updated,
      history: { at: now, from: order.status, to: 'CANCELLED', by, reason, eventId: event.eventId },
      events: [event],
    };
  }

  /** After a per-line cancellation (or its replay): stock given back, a waiting execution woken. */
  async function afterLinesCancelled(order: Order): Promise<void> {
    if (order.status === 'CANCELLED') {
      await deps.releaseReservations?.({ orderId: order.orderId });
      return;
    }
    await deps.releaseUnneeded?.(order);
    const open = order.lines.filter((l) => !isLineDone(l));
    if (!deps.shipments || !deps.engine || open.some((l) => l.quantities.backordered > 0)) return;
    for (const waiter of await deps.shipments.listWaiters(order.orderId)) {
      if (waiter.kind !== 'backorder') continue;
      // Nothing is backordered any more: 'Wait for stock' ends now, and Allocate and Reconcile settle
      // the order instead of waiting for the backorder deadline.
      await deps.engine.sendTaskSuccess(waiter.taskToken, { wokenBy: 'lines-cancelled' });
      await deps.shipments.deleteWaiter(order.orderId, 'backorder', waiter.taskToken);
    }
  }

  async function cancelLines(input: {
    caller: Caller;
    orderId: string;
    request: CancelOrderRequest & { lines: NonNullable<CancelOrderRequest['lines']> };
    idempotencyKey: string | undefined;
    correlationId: string;
  }): Promise<{ order: Order; cancelled: boolean; linesCancelled: CancelledLineUnits[] }> {
    const { request } = input;
    const explicit = request.lines.some((l) => l.quantity !== undefined);
    let key: string | undefined;
    if (input.idempotencyKey !== undefined || explicit) {
      key = requireIdempotencyKey(
        input.idempotencyKey,
        'is required when a line has a quantity: send a unique key per cancellation (e.g. a UUID) and reuse it on retries',
      );
    }
    const requestHash = sha256Hex(canonicalJson({ orderId: input.orderId, request }));
    const by = byOf(input.caller);
    const reason = request.note ? `${request.reason}: ${request.note}` : request.reason;

    for (let attempt = 1; ; attempt++) {
      const order = await deps.orders.get(input.orderId);
      if (!order || !canSeeChannel(input.caller, order.channel)) throw notFound('Order', input.orderId);
      if (key !== undefined) {
        const earlier = (await deps.orders.history(order.orderId)).find(
          (h) => h.request?.idempotencyKey === key && h.by.id === by.id,
        );
        if (earlier) {
          if (earlier.request?.requestHash !== requestHash) {
            throw new DomainError(
              'idempotency-key-reused',
              'This Idempotency-Key was already used for a different cancellation request',
              { errors: [fieldErrorAt([], 'differs from the first request sent with this key')] },
            );
          }
          await afterLinesCancelled(order);
          return { order, cancelled: false, linesCancelled: [] };
        }
      }
      if (order.status === 'CANCELLED') {
        await deps.releaseReservations?.({ orderId: order.orderId });
        return { order, cancelled: false, linesCancelled: [] };
      }
      // Units not yet shipped of a partially shipped (or delivered) order can still be cancelled; the
      // workflow then settles its status (the rest shipped: SHIPPED).
      if (!CANCELLABLE_STATUSES.includes(order.status) && !PARTIAL_PROGRESS.includes(order.status)) {
        throw conflict(`Order ${order.orderId} is ${order.status} and can no longer be cancelled`, {
          status: order.status,
          allowedTransitions: allowedTransitions(order.status),
        });
      }
      const units = shipmentUnits((await deps.shipments?.listByOrder(order.orderId)) ?? []);
      const byId = new Map(order.lines.map((l) => [l.lineId, l]));
      const unknown: FieldError[] = [];
      const refused: FieldError[] = [];
      const wanted = new Map<string, { units: number; released: number }>();
      request.lines.forEach((entry, index) => {
        const line = byId.get(entry.lineId);
        if (!line) {
          unknown.push(
            fieldErrorAt(['lines', index, 'lineId'], `order ${order.orderId} has no line ${entry.lineId}`),
          );
          return;
        }
        const { cancellable, released } = cancellableUnits(line, units);
        const releasedTo = units.released.get(line.lineId)?.shipments ?? [];
        const why =
          released > 0
            ? `; ${released} unit(s) are released to ${releasedTo.map((s) => `location ${s.locationId} in shipment ${s.shipmentId}`).join(', ')}: cancel the whole order instead (it cancels the shipment), or wait for the location to reject`
            : '';
        if (entry.quantity !== undefined && entry.quantity > cancellable) {
          refused.push(
            fieldErrorAt(
              ['lines', index, 'quantity'],
              `only ${cancellable} unit(s) of line ${line.lineId} can be cancelled${why}`,
            ),
          );
          return;
        }
        if (entry.quantity === undefined && cancellable === 0 && released > 0) {
          refused.push(
            fieldErrorAt(
              ['lines', index, 'lineId'],
              `no unit of line ${line.lineId} can be cancelled on its own${why}`,
            ),
          );
          return;
        }
        wanted.set(line.lineId, { units: entry.quantity ?? cancellable, released });
      });
      if (unknown.length > 0)
        throw validationError('The cancellation names lines the order does not have', unknown);
      if (refused.length > 0) {
        throw conflict(`Some units of order ${order.orderId} cannot be cancelled line by line`, {
          errors: refused,
        });
      }

      const cancelledNow: CancelledLineUnits[] = [];
      const lines = order.lines.map((line) => {
        const want = wanted.get(line.lineId);
        if (!want || want.units === 0) return line;
        cancelledNow.push({
          lineId: line.lineId,
          sku: line.sku,
          quantity: want.units,
          amount: want.units * line.unitPrice,
        });
        return lineAfterCancel(line, want.units, want.released);
      });
      if (cancelledNow.length === 0) {
        // Nothing left to cancel on these lines (a repeat of an "every cancellable unit" request).
        await afterLinesCancelled(order);
        return { order, cancelled: false, linesCancelled: [] };
      }
      const now = deps.clock.now().toISOString();
      const requestRecord = key === undefined ? {} : { request: { idempotencyKey: key, requestHash } };
      let change: { order: Order; history: StatusChange; events: DomainEvent[] };
      if (lines.every((l) => l.status === 'CANCELLED')) {
        // Every unit is cancelled: exactly a whole-order cancellation.
        const whole = wholeOrderCancellation(order, reason, by, input.correlationId, now);
        change = { ...whole, history: { ...whole.history, ...requestRecord } };
      } else {
        const open = lines.filter((l) => !isLineDone(l));
        let status: OrderStatus = order.status;
        if (
          (order.status === 'PARTIALLY_ALLOCATED' || order.status === 'BACKORDERED') &&
          open.length > 0 &&
          open.every((l) => l.quantities.backordered === 0)
        ) {
          status = 'ALLOCATED';
        }
        if (status !== order.status) assertTransition(order.status, status);
        const base = { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId };
        const linesCancelled = orderEvent('OrderLinesCancelled', base, order, {
          orderId: order.orderId,
          reason: request.reason,
          ...(request.note === undefined ? {} : { note: request.note }),
          lines: cancelledNow.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
          status,
        });
        const amount = cancelledNow.reduce((sum, l) => sum + l.amount, 0);
        const events: DomainEvent[] = [linesCancelled];
        if (amount > 0) {
          events.push(
            orderEvent('RefundRequested', { ...base, eventId: deps.ids.eventId() }, order, {
              refundId: `rf_${linesCancelled.eventId}`,
              orderId: order.orderId,
              amount,
              currency: order.currency,
              reason: 'partial-cancellation',
              lines: cancelledNow,
            }),
          );
        }
        const what = cancelledNow.map((l) => `line ${l.lineId} ×${l.quantity}`).join(', ');
        change = {
          order: { ...order, lines, status, updatedAt: now, version: order.version + 1 },
          history: {
            at: now,
            from: order.status,
            to: status,
            by,
            reason: `${reason}: ${cancelledNow.reduce((s, l) => s + l.quantity, 0)} unit(s) cancelled (${what})`,
            eventId: linesCancelled.eventId,
            ...requestRecord,
          },
          events,
        };
      }
      const outcome = await deps.orders.update({
        order: change.order,
        expectedVersion: order.version,
        history: [change.history],
        events: change.events,
      });
      if (outcome === 'updated') {
        await afterLinesCancelled(change.order);
        return { order: change.order, cancelled: true, linesCancelled: cancelledNow };
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict(`Order ${order.orderId} is being changed concurrently; retry the cancellation`);
      }
    }
  }

  return async function cancelOrder(input: {
    caller: Caller;
    orderId: string;
    body: unknown;
    correlationId: string;
    /** The Idempotency-Key header (per-line cancellation). */
    idempotencyKey?: string | undefined;
  }): Promise<{ order: Order; cancelled: boolean; linesCancelled?: CancelledLineUnits[] }> {
    const request = parseOrThrow(CancelOrderRequestSchema, input.body ?? {}, 'cancellation');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    if (request.lines !== undefined) {
      return cancelLines({
        caller: input.caller,
        orderId: input.orderId,
        request: { ...request, lines: request.lines },
        idempotencyKey: input.idempotencyKey,
        correlationId: input.correlationId,
      });
    }
    for (let attempt = 1; ; attempt++) {
      const order = await deps.orders.get(input.orderId);
      if (!order || !canSeeChannel(input.caller, order.channel)) throw notFound('Order', input.orderId);
      if (order.status === 'CANCELLED') {
        await deps.releaseReservations?.({ orderId: order.orderId });
        return { order, cancelled: false };
      }
      if (!CANCELLABLE_STATUSES.includes(order.status)) {
        throw conflict(`Order ${order.orderId} is ${order.status} and can no longer be cancelled`, {
          status: order.status,
          allowedTransitions: allowedTransitions(order.status),
        });
      }
      // Read after the order: a shipment that ships from here on moves the order's version (same
      // transaction), so the write below fails its condition and the next attempt sees the shipment.
      const shipped = ((await deps.shipments?.listByOrder(order.orderId)) ?? []).find((s) =>
        unitsLeft(s.status),
      );
      if (shipped) {
        throw conflict(
          `Order ${order.orderId} can no longer be cancelled: shipment ${shipped.shipmentId} has shipped`,
          { shipmentId: shipped.shipmentId },
        );
      }
      const now = deps.clock.now().toISOString();
      const reason = request.note ? `${request.reason}: ${request.note}` : request.reason;
      const change = wholeOrderCancellation(order, reason, byOf(input.caller), input.correlationId, now);
      const outcome = await deps.orders.update({
        order: change.order,
        expectedVersion: order.version,
        history: [change.history],
        events: change.events,
      });
      if (outcome === 'updated') {
        await deps.releaseReservations?.({ orderId: order.orderId });
        return { order: change.order, cancelled: true };
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict(`Order ${order.orderId} is being changed concurrently; retry the cancellation`);
      }
    }
  };
}
