import type { OrderLine } from './order.ts';
import type { LineStatus, OrderStatus } from './order-status.ts';
import { type Shipment, unitsLeft } from './shipment.ts';

/**
 * The order's status once units have left a building, derived from its lines and shipments (never
 * set by hand): what counts is the units still wanted (ordered − cancelled), how many of them
 * shipped (a collected pickup counts as shipped and delivered) and how many were delivered.
 *
 * - nothing shipped yet: the allocation status stands (CREATED … RELEASED);
 * - some shipped, some not: PARTIALLY_SHIPPED;
 * - every wanted unit shipped, none delivered: SHIPPED;
 * - some delivered, not all: PARTIALLY_DELIVERED (whether or not the rest has shipped yet);
 * - every wanted unit delivered or collected: DELIVERED, and in the same write COMPLETED.
 *
 * COMPLETED means every unit was delivered, collected or cancelled; the only other way there is the
 * delivery-window policy (an order whose carrier never reports delivery, docs/workflows.md).
 */
export const PROGRESS_STATUSES = [
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'PARTIALLY_DELIVERED',
  'DELIVERED',
] as const;
export type ProgressStatus = (typeof PROGRESS_STATUSES)[number];

/** How far along each status is; statuses before the first shipment are all 0. */
const RANK: Partial<Record<OrderStatus, number>> = {
  PARTIALLY_SHIPPED: 1,
  SHIPPED: 2,
  PARTIALLY_DELIVERED: 3,
  DELIVERED: 4,
  COMPLETED: 5,
};
const rank = (status: OrderStatus) => RANK[status] ?? 0;

export const isProgressStatus = (status: OrderStatus): status is ProgressStatus =>
  (PROGRESS_STATUSES as readonly OrderStatus[]).includes(status);

/** Units of the whole order: wanted (ordered − cancelled), shipped and delivered of those. */
export interface UnitProgress {
  ordered: number;
  cancelled: number;
  wanted: number;
  shipped: number;
  delivered: number;
}

export function unitProgress(lines: readonly Pick<OrderLine, 'quantity' | 'quantities'>[]): UnitProgress {
  const total: UnitProgress = { ordered: 0, cancelled: 0, wanted: 0, shipped: 0, delivered: 0 };
  for (const line of lines) {
    const wanted = Math.max(0, line.quantity - line.quantities.cancelled);
    // Delivered units shipped first; neither can exceed what is still wanted.
    const delivered = Math.min(wanted, line.quantities.delivered);
    const shipped = Math.min(wanted, Math.max(line.quantities.shipped, delivered));
    total.ordered += line.quantity;
    total.cancelled += line.quantity - wanted;
    total.wanted += wanted;
    total.shipped += shipped;
    total.delivered += delivered;
  }
  return total;
}

/** The progress status the lines' quantities call for, or undefined while nothing has shipped. */
export function progressStatus(
  lines: readonly Pick<OrderLine, 'quantity' | 'quantities'>[],
): ProgressStatus | undefined {
  const units = unitProgress(lines);
  if (units.shipped === 0 || units.wanted === 0) return undefined;
  if (units.delivered >= units.wanted) return 'DELIVERED';
  if (units.delivered > 0) return 'PARTIALLY_DELIVERED';
  if (units.shipped >= units.wanted) return 'SHIPPED';
  return 'PARTIALLY_SHIPPED';
}

/**
 * The status changes that take an order from `from` to what its lines call for, in order (DELIVERED
 * is followed by COMPLETED). Empty when the order is already there or further along (a late or
 * repeated report never moves it back), and for a CANCELLED or COMPLETED order.
 */
export function progressPath(
  from: OrderStatus,
  lines: readonly Pick<OrderLine, 'quantity' | 'quantities'>[],
) {
  if (from === 'CANCELLED' || from === 'COMPLETED') return [];
  const target = progressStatus(lines);
  if (target === undefined) return [];
  const path: OrderStatus[] = rank(target) > rank(from) ? [target] : [];
  if (target === 'DELIVERED') path.push('COMPLETED');
  return path;
}

/**
 * Lines with shipped and delivered quantities recomputed from the order's shipments (absolute, so
 * applying it twice changes nothing): SHIPPED, DELIVERED and PICKED_UP shipments count, a DELIVERED
 * (carrier delivery) or PICKED_UP (collected at the counter) one for both. A READY_FOR_PICKUP one
 * counts for neither: its units are still on the store's shelf. A line whose wanted units all shipped is
 * SHIPPED, all delivered DELIVERED. Undefined when the lines already agree.
 */
export function linesWithShipmentProgress(
  lines: readonly OrderLine[],
  shipments: readonly Pick<Shipment, 'status' | 'lines'>[],
): OrderLine[] | undefined {
  const shipped = new Map<string, number>();
  const delivered = new Map<string, number>();
  for (const s of shipments) {
    if (!unitsLeft(s.status)) continue;
    for (const line of s.lines) {
      shipped.set(line.lineId, (shipped.get(line.lineId) ?? 0) + line.quantity);
      if (s.status === 'DELIVERED' || s.status === 'PICKED_UP')
        delivered.set(line.lineId, (delivered.get(line.lineId) ?? 0) + line.quantity);
    }
  }
  let changed = false;
  const next = lines.map((line) => {
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
  return changed ? next : undefined;
}
