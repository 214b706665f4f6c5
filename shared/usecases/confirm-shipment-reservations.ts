import { z } from 'zod';
import { conflict, type FieldError, fieldErrorAt, notFound } from '../domain/errors.ts';
import { LocationIdSchema, OrderIdSchema, QuantitySchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { ReservedUnits } from '../events/inventory-events.ts';
import type { Clock } from '../ports/clock.ts';
import type { InventoryStore, Reservation, ReservationChange } from '../ports/inventory-store.ts';

/** A confirmation writes its record, one item per reservation and one per position: ≤ 100 writes. */
export const MAX_LINES_PER_SHIPMENT = 49;

const identifier = z
  .string({ error: 'must be a string' })
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may contain only letters, digits and . _ : @ -');

/** What a location reports when a shipment of an order leaves it. */
export const ConfirmShipmentRequestSchema = z.strictObject({
  /** The shipment's id at the source (WMS, carrier label); a repeat with the same id changes nothing. */
  shipmentId: identifier,
  locationId: LocationIdSchema,
  /** Units shipped per line; omitted: everything the order has reserved at this location. */
  lines: z
    .array(z.strictObject({ lineId: z.string().min(1).max(64), quantity: QuantitySchema }))
    .min(1, 'must contain at least one line')
    .max(MAX_LINES_PER_SHIPMENT, `must contain at most ${MAX_LINES_PER_SHIPMENT} lines`)
    .optional(),
});

export interface ConfirmShipmentResult {
  orderId: string;
  shipmentId: string;
  /** false when this shipment had already been confirmed: nothing changed now. */
  applied: boolean;
  consumed: ReservedUnits[];
}

const MAX_ATTEMPTS = 8;

/**
 * A shipment left a location: the units it carries leave on hand and reserved together (ATS does not
 * move), and the reservations record them as consumed. The shipment id is written in the same
 * transaction, so a repeated confirmation is recognised and changes nothing.
 */
export function makeConfirmShipmentReservations(deps: { inventory: InventoryStore; clock: Clock }) {
  return async function confirmShipmentReservations(input: {
    orderId: string;
    body: unknown;
  }): Promise<ConfirmShipmentResult> {
    const request = parseOrThrow(ConfirmShipmentRequestSchema, input.body, 'shipment confirmation');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const { orderId } = input;
    const { shipmentId, locationId } = request;
    const replay = async (): Promise<ConfirmShipmentResult | undefined> => {
      const done = await deps.inventory.getConsumption(orderId, shipmentId);
      if (!done) return undefined;
      const consumed = done.reservations.map(({ lineId, sku, locationId: at, quantity }) => ({
        lineId,
        sku,
        locationId: at,
        quantity,
      }));
      return { orderId, shipmentId, applied: false, consumed };
    };

    const earlier = await replay();
    if (earlier) return earlier;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const reservations = (await deps.inventory.listReservations(orderId)).filter(
        (r) => r.locationId === locationId,
      );
      const shipped = shippedUnits(reservations, request.lines, locationId, orderId);
      if (shipped.length > MAX_LINES_PER_SHIPMENT) {
        throw conflict(
          `Order ${orderId} has ${shipped.length} reserved lines at ${locationId}; confirm them in shipments of at most ${MAX_LINES_PER_SHIPMENT} lines`,
        );
      }
      const perPosition = new Map<string, { sku: string; quantity: number }>();
      for (const change of shipped) {
        const total = perPosition.get(change.sku) ?? { sku: change.sku, quantity: 0 };
        total.quantity += change.quantity;
        perPosition.set(change.sku, total);
      }
      const totals = [...perPosition.values()];
      const stored = await Promise.all(
        totals.map(({ sku }) => deps.inventory.getPosition({ sku, locationId })),
      );
      const positions = totals.map((total, i) => {
        const position = stored[i];
        if (!position)
          throw new Error(`reservations of ${total.sku} at ${locationId} exist without a position`);
        return { sku: total.sku, locationId, quantity: total.quantity, expectedOnHand: position.onHand };
      });
      const outcome = await deps.inventory.consumeReservations({
        orderId,
        shipmentId,
        reservations: shipped,
        positions,
        at: deps.clock.now().toISOString(),
      });
      if (outcome === 'applied') {
        return {
          orderId,
          shipmentId,
          applied: true,
          consumed: shipped.map(({ lineId, sku, quantity }) => ({ lineId, sku, locationId, quantity })),
        };
      }
      if (outcome === 'already-confirmed') {
        const again = await replay();
        if (again) return again;
      }
    }
    throw conflict(`Order ${orderId}'s reservations at ${locationId} are changing concurrently; retry`);
  };
}

/** The reservation changes a shipment makes; every shipped unit must have been reserved there. */
function shippedUnits(
  reservations: readonly Reservation[],
  lines: readonly { lineId: string; quantity: number }[] | undefined,
  locationId: string,
  orderId: string,
): ReservationChange[] {
  const change = (r: Reservation, quantity: number): ReservationChange => ({
    lineId: r.lineId,
    sku: r.sku,
    locationId: r.locationId,
    quantity,
    expectedQuantity: r.quantity,
  });
  if (lines === undefined) {
    const active = reservations.filter((r) => r.quantity > 0);
    if (active.length === 0) throw conflict(`Order ${orderId} has no units reserved at ${locationId}`);
    return active.map((r) => change(r, r.quantity));
  }
  const byLine = new Map(reservations.map((r) => [r.lineId, r]));
  const wanted = new Map<string, number>();
  for (const line of lines) wanted.set(line.lineId, (wanted.get(line.lineId) ?? 0) + line.quantity);
  const errors: FieldError[] = [];
  lines.forEach((line, index) => {
    const reserved = byLine.get(line.lineId)?.quantity ?? 0;
    const total = wanted.get(line.lineId) ?? 0;
    if (total > reserved) {
      errors.push(
        fieldErrorAt(
          ['lines', index, 'quantity'],
          `line ${line.lineId} has ${reserved} unit(s) reserved at ${locationId}, fewer than the ${total} shipped`,
        ),
      );
    }
  });
  const first = errors[0];
  if (first !== undefined) {
    throw conflict(`The shipment ships more than order ${orderId} has reserved: ${first.message}`, {
      errors,
    });
  }
  return [...wanted].map(([lineId, quantity]) => change(byLine.get(lineId)!, quantity));
}
