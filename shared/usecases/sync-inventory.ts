import { z } from 'zod';
import { conflict, fieldErrorAt, notFound, validationError } from '../domain/errors.ts';
import { availableToSell, InboundStockSchema, type InventoryPosition } from '../domain/inventory.ts';
import { LocationIdSchema, SkuSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';

/** Largest on hand, safety stock or delta accepted: far above any real count, far below 2^53. */
export const MAX_STOCK_UNITS = 1_000_000_000;

const units = (what: string) =>
  z
    .number({ error: `must be a number (${what})` })
    .int('must be a whole number')
    .nonnegative('must not be negative')
    .max(MAX_STOCK_UNITS, `must be at most ${MAX_STOCK_UNITS}`);

/** Body of `PUT /inventory/{sku}/{locationId}`: the WMS or POS count, absolute, with its sequence. */
export const SyncInventoryRequestSchema = z.strictObject({
  onHand: units('on hand'),
  /** Monotonic per SKU × location at the source (a counter or an epoch-millisecond timestamp). */
  sequence: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .positive('must be at least 1')
    .max(Number.MAX_SAFE_INTEGER, 'is too large'),
  safetyStock: units('safety stock').optional(),
  inbound: z
    .array(InboundStockSchema, { error: 'must be an array' })
    .max(50, 'must have at most 50 entries')
    .optional(),
});

export interface SyncInventoryResult {
  position: InventoryPosition;
  ats: number;
  created: boolean;
  /** Units promised to orders that on hand no longer covers (the source counted less than we reserved). */
  shortfall: number;
}

/** Path parameters become field errors the caller can act on, like body fields. */
export function parsePositionPath(input: { sku: string; locationId: string }) {
  const sku = SkuSchema.safeParse(input.sku);
  const locationId = LocationIdSchema.safeParse(input.locationId);
  const errors = [
    ...(sku.success
      ? []
      : [{ pointer: '', field: 'path:sku', message: sku.error.issues[0]?.message ?? 'is not valid' }]),
    ...(locationId.success
      ? []
      : [
          {
            pointer: '',
            field: 'path:locationId',
            message: locationId.error.issues[0]?.message ?? 'is not valid',
          },
        ]),
  ];
  if (!sku.success || !locationId.success)
    throw validationError('The inventory position is not valid', errors);
  return { sku: sku.data, locationId: locationId.data };
}

/**
 * Applies an absolute count from a WMS or POS. Counts can arrive late or twice, so each carries a
 * sequence and only a newer one applies (the check is the write's condition, so two syncs racing
 * cannot both win). Reservations are ours, not the source's: they are kept as they are, even when
 * the new count no longer covers them (reported as `shortfall`).
 */
export function makeSyncInventory(deps: {
  inventory: InventoryStore;
  locations: LocationRepository;
  clock: Clock;
}) {
  return async function syncInventory(input: {
    sku: string;
    locationId: string;
    body: unknown;
  }): Promise<SyncInventoryResult> {
    const { sku, locationId } = parsePositionPath(input);
    const request = parseOrThrow(SyncInventoryRequestSchema, input.body, 'inventory sync');
    if (!(await deps.locations.get(locationId))) throw notFound('Location', locationId);
    const result = await deps.inventory.syncPosition({
      sku,
      locationId,
      onHand: request.onHand,
      sequence: request.sequence,
      safetyStock: request.safetyStock,
      inbound: request.inbound,
      at: deps.clock.now().toISOString(),
    });
    if (result.outcome === 'stale') {
      throw conflict(
        `Inventory sync for SKU ${sku} at ${locationId} has sequence ${request.sequence}, which is not newer than the stored sequence ${result.storedSequence}; nothing was changed`,
        {
          storedSequence: result.storedSequence,
          errors: [fieldErrorAt(['sequence'], `must be greater than ${result.storedSequence}`)],
        },
      );
    }
    const { position } = result;
    return {
      position,
      ats: availableToSell(position),
      created: result.created,
      shortfall: Math.max(0, position.reserved - position.onHand),
    };
  };
}
