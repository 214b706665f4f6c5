/**
 * The order state model. Every change of status goes through `assertTransition`, and every change is
 * recorded as an append-only `StatusChange` (who, what, when, why).
 */
export const ORDER_STATUSES = [
  'CREATED',
  'ON_HOLD',
  'ALLOCATED',
  'PARTIALLY_ALLOCATED',
  'BACKORDERED',
  'RELEASED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'PARTIALLY_DELIVERED',
  'DELIVERED',
  'COMPLETED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const LINE_STATUSES = [
  'CREATED',
  'ALLOCATED',
  'BACKORDERED',
  'RELEASED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'RETURNED',
] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

/**
 * Once a unit has shipped, the status follows the units (shared/domain/order-progress.ts):
 * PARTIALLY_SHIPPED → SHIPPED → PARTIALLY_DELIVERED → DELIVERED → COMPLETED, skipping what a single
 * report jumps over (a pickup collected at the counter goes RELEASED → DELIVERED). A shipment can be
 * reported before the order's release is recorded, or while the rest of the order is re-sourced or
 * backordered, hence the progress statuses reachable from the allocation statuses.
 */
const PROGRESS: OrderStatus[] = ['PARTIALLY_SHIPPED', 'SHIPPED', 'PARTIALLY_DELIVERED', 'DELIVERED'];

/**
 * Statuses an order can be held from (POST /orders/{id}/hold): nothing was released to a location
 * yet. The hold records the status it held from (`order.hold.previousStatus`) and release-hold
 * restores it. An order with a shipment out (RELEASED or later) cannot be held: a partner already has
 * the request.
 */
export const HOLDABLE_STATUSES = ['CREATED', 'ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED'] as const;
export type HoldableStatus = (typeof HOLDABLE_STATUSES)[number];
export const isHoldable = (status: OrderStatus): status is HoldableStatus =>
  (HOLDABLE_STATUSES as readonly OrderStatus[]).includes(status);

const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  CREATED: ['ON_HOLD', 'ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'CANCELLED'],
  // Back to the status it was held from (release-hold), or cancelled.
  ON_HOLD: [...HOLDABLE_STATUSES, 'CANCELLED'],
  ALLOCATED: ['ON_HOLD', 'RELEASED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'CANCELLED', ...PROGRESS],
  PARTIALLY_ALLOCATED: ['ON_HOLD', 'ALLOCATED', 'BACKORDERED', 'RELEASED', 'CANCELLED', ...PROGRESS],
  BACKORDERED: ['ON_HOLD', 'ALLOCATED', 'PARTIALLY_ALLOCATED', 'CANCELLED', ...PROGRESS],
  // RELEASED → ALLOCATED/PARTIALLY_ALLOCATED/BACKORDERED: a location rejected and the lines were re-sourced.
  RELEASED: ['ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'CANCELLED', ...PROGRESS],
  // The unshipped remainder of a partially shipped order can still be cancelled line by line (never
  // the whole order: something left a building), which makes it SHIPPED or further.
  PARTIALLY_SHIPPED: ['SHIPPED', 'PARTIALLY_DELIVERED', 'DELIVERED'],
  // → COMPLETED without DELIVERED: the delivery-window policy (docs/workflows.md) closes an order whose
  // carrier never reported delivery.
  SHIPPED: ['PARTIALLY_DELIVERED', 'DELIVERED', 'COMPLETED'],
  PARTIALLY_DELIVERED: ['DELIVERED', 'COMPLETED'],
  DELIVERED: ['COMPLETED'],
  COMPLETED: [],
  CANCELLED: [],
};

/** Statuses from which a whole order may still be cancelled: nothing has left a building yet. */
export const CANCELLABLE_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter((s) =>
  ORDER_TRANSITIONS[s].includes('CANCELLED'),
);

export const TERMINAL_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter(
  (s) => ORDER_TRANSITIONS[s].length === 0,
);

export function allowedTransitions(from: OrderStatus): readonly OrderStatus[] {
  return ORDER_TRANSITIONS[from];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(
      `An order in status ${from} cannot become ${to}; allowed from ${from}: ${ORDER_TRANSITIONS[from].join(', ') || 'none (terminal)'}`,
    );
    this.name = 'InvalidTransitionError';
  }
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}
