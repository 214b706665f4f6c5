import { notFound } from '../domain/errors.ts';
import type { Actor, Order, StatusChange } from '../domain/order.ts';
import type { LineStatus } from '../domain/order-status.ts';
import { type Shipment, WORKFLOW_ERRORS, WorkflowError } from '../domain/shipment.ts';
import type { DomainEvent } from '../events/envelope.ts';
import type { Clock } from '../ports/clock.ts';
import type { OrderRepository } from '../ports/order-repository.ts';

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
  decide: (order: Order, now: string) => OrderChange | undefined,
): Promise<Order> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const order = await deps.orders.get(orderId);
    if (!order) throw notFound('Order', orderId);
    const now = deps.clock.now().toISOString();
    const change = decide(order, now);
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

/**
 * Line quantities shipped and delivered, recomputed from the order's shipments (absolute, so
 * applying it twice changes nothing). Undefined when the order already agrees.
 */
export function withShipmentProgress(order: Order, shipments: readonly Shipment[]): Order | undefined {
  const shipped = new Map<string, number>();
  const delivered = new Map<string, number>();
  for (const s of shipments) {
    if (s.status !== 'SHIPPED' && s.status !== 'DELIVERED') continue;
    for (const line of s.lines) {
      shipped.set(line.lineId, (shipped.get(line.lineId) ?? 0) + line.quantity);
      if (s.status === 'DELIVERED')
        delivered.set(line.lineId, (delivered.get(line.lineId) ?? 0) + line.quantity);
    }
  }
  let changed = false;
  const lines = order.lines.map((line) => {
    const s = shipped.get(line.lineId) ?? 0;
    const d = delivered.get(line.lineId) ?? 0;
    if (s === line.quantities.shipped && d === line.quantities.delivered) return line;
    changed = true;
    const { cancelled } = line.quantities;
    const status: LineStatus =
      line.status === 'CANCELLED' || line.status === 'RETURNED'
        ? line.status
        : d + cancelled >= line.quantity && d > 0
          ? 'DELIVERED'
          : s + cancelled >= line.quantity && s > 0
            ? 'SHIPPED'
            : line.status;
    return { ...line, status, quantities: { ...line.quantities, shipped: s, delivered: d } };
  });
  return changed ? { ...order, lines } : undefined;
}
