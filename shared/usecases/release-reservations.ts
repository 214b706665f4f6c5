import { z } from 'zod';
import { conflict, notFound } from '../domain/errors.ts';
import { LocationIdSchema, OrderIdSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { ReservedUnits } from '../events/inventory-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { InventoryStore, Reservation } from '../ports/inventory-store.ts';

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
