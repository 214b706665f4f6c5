import { notFound } from '../domain/errors.ts';
import type { Actor, Order, StatusChange } from '../domain/order.ts';
import {
  linesWithShipmentProgress,
  type ProgressStatus,
  progressPath,
  unitProgress,
} from '../domain/order-progress.ts';
import { assertTransition, type LineStatus, type OrderStatus } from '../domain/order-status.ts';
import { type Shipment, WORKFLOW_ERRORS, WorkflowError } from '../domain/shipment.ts';
import type { EventData } from '../events/catalog.ts';
import type { DomainEvent } from '../events/envelope.ts';
import type { Clock } from '../ports/clock.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import { type EventBase, orderEvent } from './fulfilment-events.ts';

export const WORKFLOW_ACTOR: Actor = { type: 'workflow', id: 'fulfilment' };
const MAX_ATTEMPTS = 8;

export interface OrderChange {
  order: Order;
  history?: Omit<StatusChange, 'at'>[];
  events?: DomainEvent[];
}

/**
 * Read-decide-write on an order with optimistic concurrency: `decide` sees the current order and
 * returns the change (or undefined for none); a concurrent change re-reads and decides again.
 * Persistent contention surfaces as a TransientError, which the workflow retries.
 */
export async function changeOrder(
  deps: { orders: OrderRepository; clock: Clock },
  orderId: string,
  decide: (order: Order, now: string) => OrderChange | undefined | Promise<OrderChange | undefined>,
): Promise<Order> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const order = await deps.orders.get(orderId);
    if (!order) throw notFound('Order', orderId);
    const now = deps.clock.now().toISOString();
    // May read more (after the order, so a write of those that bumps the order's version is seen).
    const change = await decide(order, now);
    if (change === undefined) return order;
    const next: Order = { ...change.order, updatedAt: now, version: order.version + 1 };
    const outcome = await deps.orders.update({
      order: next,
      expectedVersion: order.version,
      history: (change.history ?? []).map((h) => ({ ...h, at: now })),
      events: change.events ?? [],
    });
    if (outcome === 'updated') return next;
  }
  throw new WorkflowError(WORKFLOW_ERRORS.transient, `Order ${orderId} is changing concurrently`);
}

/** The order without its fulfilment-failure marker (fulfilment goes on). */
export function withoutFailure(order: Order): Order {
  const { fulfilmentFailure: _failure, ...rest } = order;
  return rest;
}

export function assertNotCancelled(order: Order): Order {
  if (order.status === 'CANCELLED') {
    throw new WorkflowError(WORKFLOW_ERRORS.orderCancelled, `Order ${order.orderId} was cancelled`);
  }
  return order;
}

const DONE_LINE: readonly LineStatus[] = ['SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED'];
export const isLineDone = (line: Order['lines'][number]) => DONE_LINE.includes(line.status);

const PROGRESS_REASONS: Record<ProgressStatus | 'COMPLETED', string> = {
  PARTIALLY_SHIPPED: 'some units shipped, others still to ship',
  SHIPPED: 'every unit still wanted has shipped',
  PARTIALLY_DELIVERED: 'some units delivered or collected, others still on their way',
  DELIVERED: 'every unit still wanted was delivered or collected',
  COMPLETED: 'every unit delivered, collected or cancelled',
};

/**
 * The order's lines brought up to date with its shipments and its status derived from them
 * (shared/domain/order-progress.ts), with one history entry and one event per status change
 * (OrderPartiallyShipped, OrderShipped, OrderPartiallyDelivered, OrderDelivered + OrderCompleted),
 * all in the one write `changeOrder` makes. Undefined when the order already agrees, so a repeated
 * report or step writes and announces nothing twice.
 */
export function progressChange(
  order: Order,
  shipments: readonly Shipment[],
  context: { by: Actor; nextEvent: () => EventBase; why?: string },
): OrderChange | undefined {
  const lines = linesWithShipmentProgress(order.lines, shipments) ?? order.lines;
  const path = progressPath(order.status, lines);
  if (lines === order.lines && path.length === 0) return undefined;
  const units = unitProgress(lines);
  const lineData = lines.map((l) => ({
    lineId: l.lineId,
    sku: l.sku,
    quantity: l.quantity,
    quantities: l.quantities,
  }));
  const history: Omit<StatusChange, 'at'>[] = [];
  const events: DomainEvent[] = [];
  let from: OrderStatus = order.status;
  for (const to of path) {
    assertTransition(from, to);
    const event =
      to === 'COMPLETED'
        ? orderEvent('OrderCompleted', context.nextEvent(), order, {
            orderId: order.orderId,
            basis: 'delivered',
            lines: lineData,
          })
        : progressEvent(to as ProgressStatus, context.nextEvent(), order, {
            orderId: order.orderId,
            previousStatus: from,
            units: {
              ordered: units.ordered,
              cancelled: units.cancelled,
              shipped: units.shipped,
              delivered: units.delivered,
            },
            lines: lineData,
          });
    events.push(event);
    const reason = PROGRESS_REASONS[to as ProgressStatus | 'COMPLETED'];
    history.push({
      from,
      to,
      by: context.by,
      reason: context.why ? `${reason} (${context.why})` : reason,
      eventId: event.eventId,
    });
    from = to;
  }
  return { order: { ...order, lines, status: from }, history, events };
}

/** The event announcing each status the order's progress can reach (one catalog type per status). */
function progressEvent(
  status: ProgressStatus,
  base: EventBase,
  order: Order,
  data: Omit<EventData<'OrderShipped'>, 'status'>,
): DomainEvent {
  switch (status) {
    case 'PARTIALLY_SHIPPED':
      return orderEvent('OrderPartiallyShipped', base, order, { ...data, status });
    case 'SHIPPED':
      return orderEvent('OrderShipped', base, order, { ...data, status });
    case 'PARTIALLY_DELIVERED':
      return orderEvent('OrderPartiallyDelivered', base, order, { ...data, status });
    case 'DELIVERED':
      return orderEvent('OrderDelivered', base, order, { ...data, status });
  }
}
