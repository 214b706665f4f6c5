import { NOT_COLLECTED } from '../domain/cancel-reasons.ts';
import type { Actor, Order, OrderLine, StatusChange } from '../domain/order.ts';
import { assertTransition, type LineStatus, type OrderStatus } from '../domain/order-status.ts';
import { isPickupOverdue } from '../domain/pickup.ts';
import { CANCELLABLE_SHIPMENT_STATUSES, type Shipment } from '../domain/shipment.ts';
import type { DomainEvent } from '../events/envelope.ts';
import { orderCancelled } from '../events/order-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import { orderEvent } from './fulfilment-events.ts';
import { changeOrder, progressChange } from './fulfilment-order.ts';
import { releaseUnneededReservations } from './release-reservations.ts';

export const PICKUP_EXPIRY_ACTOR: Actor = { type: 'system', id: 'pickup-expiry' };
const BATCH = 100;
const MAX_ATTEMPTS = 5;

/** What one sweep did with each pickup it found due. */
export interface PickupExpiry {
  shipmentId: string;
  orderId: string;
  /** `not-collected`: cancelled now (or settled after an earlier sweep's crash); `collected`: picked up first. */
  outcome: 'not-collected' | 'collected' | 'skipped';
  unitsRestocked: number;
}

/** The history entry of the order write that settled a not-collected pickup: its idempotency mark. */
const settledReason = (shipmentId: string) => `${NOT_COLLECTED}: shipment ${shipmentId}`;

/** The line after `units` more are cancelled (not collected), its status following what is left. */
function lineWithout(line: OrderLine, units: number): OrderLine {
  const cancelled = Math.min(line.quantity, line.quantities.cancelled + units);
  const needed = line.quantity - cancelled;
  const { shipped, delivered } = line.quantities;
  let status: LineStatus = line.status;
  if (needed <= 0) status = 'CANCELLED';
  else if (delivered > 0 && delivered >= needed) status = 'DELIVERED';
  else if (shipped > 0 && shipped >= needed) status = 'SHIPPED';
  return {
    ...line,
    status,
    quantities: { ...line.quantities, allocated: Math.min(line.quantities.allocated, needed), cancelled },
  };
}

/**
 * The not-collected sweep (scheduled): a pickup READY_FOR_PICKUP past its `pickupBy` is cancelled
 * with reason `not-collected`, its units go back to the store's stock (the reservation is released;
 * on hand never moved, the units were only put aside at the counter), and a refund is requested.
 *
 * Exactly one of collection and expiry wins: both write the shipment on condition of the version
 * they read, so a `picked-up` report and the sweep racing each other see one success and one
 * conflict (the sweep then finds it PICKED_UP and leaves it; the store gets 409).
 *
 * Crash-safe in three idempotent writes: (1) the shipment CANCELLED with `notCollectedPending` (it
 * stays in the sweep's index) and ShipmentCancelled; (2) the order: the units cancelled (the whole
 * order CANCELLED with OrderCancelled when nothing else is wanted, otherwise OrderLinesCancelled)
 * and RefundRequested, in one write marked by its history entry; then the release of the units;
 * (3) the pending mark cleared. A sweep that finds a pending one finishes it.
 */
export function makeExpirePickups(deps: {
  shipments: ShipmentRepository;
  orders: OrderRepository;
  inventory: InventoryStore;
  clock: Clock;
  ids: IdGenerator;
}) {
  const correlationId = (shipment: Shipment) => `pickup-expiry-${shipment.shipmentId}`;

  /** (1) READY_FOR_PICKUP → CANCELLED (pending settlement), unless collected (or changed) first. */
  async function giveUp(shipment: Shipment, now: Date): Promise<Shipment | 'collected' | 'skipped'> {
    let current: Shipment | undefined = shipment;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && current; attempt++) {
      if (current.status === 'PICKED_UP') return 'collected';
      if (current.notCollectedPending) return current;
      if (!isPickupOverdue(current, now)) return 'skipped';
      const order = await deps.orders.get(current.orderId);
      if (!order) return 'skipped';
      const at = now.toISOString();
      const { taskToken: _token, ...rest } = current;
      const next: Shipment = {
        ...rest,
        status: 'CANCELLED',
        reason: NOT_COLLECTED,
        notCollectedPending: true,
        updatedAt: at,
        version: current.version + 1,
      };
      const event = orderEvent(
        'ShipmentCancelled',
        { eventId: deps.ids.eventId(), occurredAt: at, correlationId: correlationId(current) },
        order,
        {
          shipmentId: current.shipmentId,
          orderId: current.orderId,
          locationId: current.locationId,
          kind: current.kind,
          lines: current.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
          reason: NOT_COLLECTED,
        },
      );
      if ((await deps.shipments.update(next, current.version, [event])) === 'updated') return next;
      current = await deps.shipments.get(shipment.shipmentId);
    }
    return 'skipped';
  }

  /** (2) The order without the shipment's units, and the refund, in one write (once). */
  async function settleOrder(shipment: Shipment): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const order = await deps.orders.get(shipment.orderId);
      if (!order) return;
      const history = await deps.orders.history(order.orderId);
      if (history.some((h) => h.reason === settledReason(shipment.shipmentId))) return;
      const change = notCollectedChange(order, shipment, deps.clock.now().toISOString());
      if (change === undefined) return;
      const outcome = await deps.orders.update({
        order: change.order,
        expectedVersion: order.version,
        history: [change.history],
        events: change.events,
      });
      if (outcome === 'updated') return;
    }
    throw new Error(`Order ${shipment.orderId} is changing concurrently; the next sweep settles it`);
  }

  function notCollectedChange(
    order: Order,
    shipment: Shipment,
    now: string,
  ): { order: Order; history: StatusChange; events: DomainEvent[] } | undefined {
    // A whole-order cancellation that came first already cancelled these units (and released them).
    if (order.status === 'CANCELLED') return undefined;
    const units = new Map(shipment.lines.map((l) => [l.lineId, l.quantity]));
    const cancelledNow: { lineId: string; sku: string; quantity: number; amount: number }[] = [];
    const lines = order.lines.map((line) => {
      const want = Math.min(units.get(line.lineId) ?? 0, line.quantity - line.quantities.cancelled);
      if (want <= 0) return line;
      cancelledNow.push({
        lineId: line.lineId,
        sku: line.sku,
        quantity: want,
        amount: want * line.unitPrice,
      });
      return lineWithout(line, want);
    });
    if (cancelledNow.length === 0) return undefined;
    const base = { occurredAt: now, correlationId: correlationId(shipment) };
    const whole = lines.every((l) => l.status === 'CANCELLED');
    const status: OrderStatus = whole ? 'CANCELLED' : order.status;
    if (status !== order.status) assertTransition(order.status, status);
    const updated: Order = {
      ...order,
      lines,
      status,
      ...(whole ? { cancellation: { reason: NOT_COLLECTED, at: now, by: PICKUP_EXPIRY_ACTOR } } : {}),
      updatedAt: now,
      version: order.version + 1,
    };
    const announced: DomainEvent = whole
      ? orderCancelled({ ...base, eventId: deps.ids.eventId() }, updated, order.status)
      : orderEvent('OrderLinesCancelled', { ...base, eventId: deps.ids.eventId() }, order, {
          orderId: order.orderId,
          reason: NOT_COLLECTED,
          lines: cancelledNow.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
          status,
        });
    const amount = cancelledNow.reduce((sum, l) => sum + l.amount, 0);
    const events: DomainEvent[] = [announced];
    if (amount > 0) {
      events.push(
        orderEvent('RefundRequested', { ...base, eventId: deps.ids.eventId() }, order, {
          refundId: `rf_${shipment.shipmentId.replace(/^shp_/, '')}`,
          orderId: order.orderId,
          amount,
          currency: order.currency,
          reason: NOT_COLLECTED,
          lines: cancelledNow,
        }),
      );
    }
    return {
      order: updated,
      history: {
        at: now,
        from: order.status,
        to: status,
        by: PICKUP_EXPIRY_ACTOR,
        reason: settledReason(shipment.shipmentId),
        eventId: announced.eventId,
      },
      events,
    };
  }

  /** (2b) The units the order no longer wants go back; (3) the pending mark is cleared. */
  async function restockAndClose(shipment: Shipment): Promise<number> {
    const order = await deps.orders.get(shipment.orderId);
    let restocked = 0;
    if (order) {
      const shipments = await deps.shipments.listByOrder(order.orderId);
      // What the order still wants (another live shipment of it) keeps its units.
      const live = shipments.filter((s) => CANCELLABLE_SHIPMENT_STATUSES.includes(s.status));
      const released = await releaseUnneededReservations(deps.inventory, deps.clock, order, live);
      restocked = released.reduce((sum, r) => sum + r.quantity, 0);
      // The rest of a partly collected or shipped order may now be complete (COMPLETED, SHIPPED…).
      if (order.status !== 'CANCELLED') {
        await changeOrder(deps, order.orderId, (current, now) =>
          progressChange(current, shipments, {
            by: PICKUP_EXPIRY_ACTOR,
            nextEvent: () => ({
              eventId: deps.ids.eventId(),
              occurredAt: now,
              correlationId: correlationId(shipment),
            }),
            why: `shipment ${shipment.shipmentId} not collected`,
          }),
        );
      }
    }
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await deps.shipments.get(shipment.shipmentId);
      if (!current?.notCollectedPending) break;
      const { notCollectedPending: _pending, ...rest } = current;
      const next = { ...rest, updatedAt: deps.clock.now().toISOString(), version: current.version + 1 };
      if ((await deps.shipments.update(next, current.version, [])) === 'updated') break;
    }
    return restocked;
  }

  return async function expirePickups(input: { now?: Date } = {}): Promise<{ expired: PickupExpiry[] }> {
    const now = input.now ?? deps.clock.now();
    const expired: PickupExpiry[] = [];
    for (const due of await deps.shipments.listPickupsDue(now.toISOString(), BATCH)) {
      const outcome = await giveUp(due, now);
      if (outcome === 'collected' || outcome === 'skipped') {
        expired.push({ shipmentId: due.shipmentId, orderId: due.orderId, outcome, unitsRestocked: 0 });
        continue;
      }
      await settleOrder(outcome);
      const unitsRestocked = await restockAndClose(outcome);
      expired.push({
        shipmentId: due.shipmentId,
        orderId: due.orderId,
        outcome: 'not-collected',
        unitsRestocked,
      });
    }
    return { expired };
  };
}
