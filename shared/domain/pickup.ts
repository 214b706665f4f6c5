import { type FieldError, fieldErrorAt } from './errors.ts';
import type { Shipment } from './shipment.ts';

/**
 * Pickup (click & collect, BOPIS) in the store: the store picks the units from its shelf and reports
 * `ready-for-pickup` (units still on hand and reserved), the customer has until `pickupBy`
 * (ready + `pickup.holdDays`) to collect them (`picked-up`: on hand and reserved drop together), or
 * the not-collected sweep cancels the shipment and gives its units back to the store's stock.
 */
export const DEFAULT_PICKUP_HOLD_DAYS = 7;
const DAY_MS = 86_400_000;

/** The hold period from config (`pickup.holdDays`, env PICKUP_HOLD_DAYS); fractions of a day allowed. */
export function pickupHoldDays(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PICKUP_HOLD_DAYS;
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0)
    throw new Error(`PICKUP_HOLD_DAYS must be a positive number: ${raw}`);
  return days;
}

/** When a pickup ready at `readyAt` must be collected by. */
export function pickupByFrom(readyAt: Date, holdDays: number): string {
  return new Date(readyAt.getTime() + Math.round(holdDays * DAY_MS)).toISOString();
}

/** A ready pickup whose collection deadline has passed at `now`. */
export const isPickupOverdue = (shipment: Pick<Shipment, 'status' | 'pickupBy'>, now: Date): boolean =>
  shipment.status === 'READY_FOR_PICKUP' &&
  shipment.pickupBy !== undefined &&
  Date.parse(shipment.pickupBy) <= now.getTime();

/**
 * Partial pickup is refused: a `picked-up` report that lists lines must list every line of the
 * shipment with its full quantity. A customer who declines some units collects the whole order and
 * returns those (POST /returns), or ops cancel the order (the whole shipment goes back to stock).
 * Returns the field errors naming what does not match (empty when it is the whole shipment).
 */
export function partialPickupErrors(
  shipment: Pick<Shipment, 'shipmentId' | 'lines'>,
  collected: readonly { lineId: string; quantity: number }[] | undefined,
): FieldError[] {
  if (collected === undefined) return [];
  const errors: FieldError[] = [];
  const expected = new Map(shipment.lines.map((l) => [l.lineId, l.quantity]));
  const seen = new Set<string>();
  collected.forEach((line, index) => {
    const quantity = expected.get(line.lineId);
    if (quantity === undefined) {
      errors.push(
        fieldErrorAt(
          ['lines', index, 'lineId'],
          `shipment ${shipment.shipmentId} has no line ${line.lineId}`,
        ),
      );
    } else if (seen.has(line.lineId)) {
      errors.push(fieldErrorAt(['lines', index, 'lineId'], `line ${line.lineId} is listed twice`));
    } else if (line.quantity !== quantity) {
      errors.push(
        fieldErrorAt(
          ['lines', index, 'quantity'],
          `partial pickup is not supported: line ${line.lineId} is ${quantity} unit(s) and all of them are handed over together (decline units with a return after pickup)`,
        ),
      );
    }
    seen.add(line.lineId);
  });
  for (const [lineId, quantity] of expected) {
    if (!seen.has(lineId)) {
      errors.push(
        fieldErrorAt(
          ['lines'],
          `partial pickup is not supported: line ${lineId} (${quantity} unit(s)) is missing; the whole shipment is handed over together`,
        ),
      );
    }
  }
  return errors;
}
