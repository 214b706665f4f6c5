import { z } from 'zod';
import { conflict, notFound } from '../domain/errors.ts';
import { LocationIdSchema, type Order, OrderIdSchema } from '../domain/order.ts';
import { CANCELLABLE_SHIPMENT_STATUSES, type Shipment } from '../domain/shipment.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { ReservedUnits } from '../events/inventory-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { InventoryStore, Reservation, ReservationChange } from '../ports/inventory-store.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';

/** Optional narrowing: only one location's reservations (it rejected the order), or only some lines. */
export const ReleaseReservationsRequestSchema = z.strictObject({
  locationId: LocationIdSchema.optional(),
  lineIds: z.array(z.string().min(1).max(64)).min(1).max(200).optional(),
});

const MAX_ATTEMPTS = 8;
const pairKey = (r: Pick<Reservation, 'lineId' | 'locationId'>) => `${r.lineId}\u0000${r.locationId}`;

/**
 * Gives back every unit still reserved for an order (optionally narrowed), re-reading after any
 * concurrent change. Each reservation's quantity drops to 0 and its `released` count rises in the
 * same transaction as the position's `reserved`, conditional on the quantity read, so repeating it
 * releases nothing twice. Returns the units released by this call.
 */
export async function releaseActiveReservations(
  inventory: InventoryStore,
  clock: Clock,
  orderId: string,
  only: (reservation: Reservation) => boolean = () => true,
): Promise<ReservedUnits[]> {
  let releasedBefore: Map<string, number> | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const reservations = (await inventory.listReservations(orderId)).filter(only);
    releasedBefore ??= new Map(reservations.map((r) => [pairKey(r), r.released]));
    const active = reservations.filter((r) => r.quantity > 0);
    const releasedAfter = (r: Reservation) => r.released + r.quantity;
    const report = () =>
      reservations
        .map((r) => ({
          lineId: r.lineId,
          sku: r.sku,
          locationId: r.locationId,
          quantity: releasedAfter(r) - (releasedBefore?.get(pairKey(r)) ?? 0),
        }))
        .filter((units) => units.quantity > 0);
    if (active.length === 0) return report();
    const outcome = await inventory.releaseReservations({
      orderId,
      reservations: active.map(({ lineId, sku, locationId, quantity }) => ({
        lineId,
        sku,
        locationId,
        quantity,
        expectedQuantity: quantity,
      })),
      at: clock.now().toISOString(),
    });
    if (outcome === 'applied') return report();
  }
  throw conflict(`The reservations of order ${orderId} are changing concurrently; retry the release`);
}

/**
 * Releases an order's reservations: on cancellation (driven by OrderCancelled), or for one location
 * that rejected the order before it is re-sourced. Idempotent: a repeat finds nothing left to release.
 */
export function makeReleaseReservations(deps: { inventory: InventoryStore; clock: Clock }) {
  return async function releaseReservations(input: {
    orderId: string;
    body?: unknown;
  }): Promise<{ orderId: string; released: ReservedUnits[] }> {
    const request = parseOrThrow(ReleaseReservationsRequestSchema, input.body ?? {}, 'release request');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const lineIds = request.lineIds === undefined ? undefined : new Set(request.lineIds);
    const released = await releaseActiveReservations(
      deps.inventory,
      deps.clock,
      input.orderId,
      (r) =>
        (request.locationId === undefined || r.locationId === request.locationId) &&
        (lineIds === undefined || lineIds.has(r.lineId)),
    );
    return { orderId: input.orderId, released };
  };
}

/**
 * Gives back the reserved units an order no longer needs after some of its units were cancelled
 * (per-line cancellation): per line, the units reserved or consumed beyond `quantity − cancelled`.
 * Only units no live shipment covers are taken (a released shipment keeps its units until it is
 * rejected, cancelled or shipped). Declarative: it compares the reservations with the order as
 * stored, so repeating it (a retried request, a crash between the two writes) releases nothing twice.
 * Returns the units released by this call.
 */
export async function releaseUnneededReservations(
  inventory: InventoryStore,
  clock: Clock,
  order: Pick<Order, 'orderId' | 'lines'>,
  liveShipments: readonly Pick<Shipment, 'locationId' | 'lines'>[],
): Promise<ReservedUnits[]> {
  const covered = new Map<string, number>();
  for (const s of liveShipments) {
    for (const l of s.lines) {
      const k = pairKey({ lineId: l.lineId, locationId: s.locationId });
      covered.set(k, (covered.get(k) ?? 0) + l.quantity);
    }
  }
  const released: ReservedUnits[] = [];
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const reservations = await inventory.listReservations(order.orderId);
    const changes: ReservationChange[] = [];
    for (const line of order.lines) {
      const mine = reservations.filter((r) => r.lineId === line.lineId);
      const committed = mine.reduce((sum, r) => sum + r.quantity + r.consumed, 0);
      let excess = committed - (line.quantity - line.quantities.cancelled);
      if (excess <= 0) continue;
      const candidates = mine
        .map((r) => ({ r, free: Math.max(0, r.quantity - (covered.get(pairKey(r)) ?? 0)) }))
        .filter((c) => c.free > 0)
        .sort((a, b) => b.free - a.free);
      for (const { r, free } of candidates) {
        if (excess <= 0) break;
        const take = Math.min(free, excess);
        excess -= take;
        changes.push({
          lineId: r.lineId,
          sku: r.sku,
          locationId: r.locationId,
          quantity: take,
          expectedQuantity: r.quantity,
        });
      }
    }
    if (changes.length === 0) return released;
    const outcome = await inventory.releaseReservations({
      orderId: order.orderId,
      reservations: changes,
      at: clock.now().toISOString(),
    });
    if (outcome === 'applied') {
      released.push(
        ...changes.map(({ lineId, sku, locationId, quantity }) => ({ lineId, sku, locationId, quantity })),
      );
      return released;
    }
  }
  throw conflict(`The reservations of order ${order.orderId} are changing concurrently; retry the release`);
}

/** `releaseUnneededReservations` with the order's live shipments read fresh. */
export function makeReleaseUnneededReservations(deps: {
  inventory: InventoryStore;
  clock: Clock;
  shipments: Pick<ShipmentRepository, 'listByOrder'>;
}) {
  return async function releaseUnneeded(order: Pick<Order, 'orderId' | 'lines'>): Promise<ReservedUnits[]> {
    // A pickup ready at the counter keeps its units reserved like a live shipment.
    const live = (await deps.shipments.listByOrder(order.orderId)).filter((s) =>
      CANCELLABLE_SHIPMENT_STATUSES.includes(s.status),
    );
    return releaseUnneededReservations(deps.inventory, deps.clock, order, live);
  };
}
