import { z } from 'zod';
import { LocationIdSchema, SkuSchema } from './order.ts';

const count = (what: string) =>
  z
    .number({ error: `must be a number (${what})` })
    .int('must be a whole number')
    .nonnegative('must not be negative');

export const InboundStockSchema = z.object({
  quantity: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .positive('must be at least 1'),
  expectedAt: z.iso.datetime('must be an ISO 8601 date-time'),
});
export type InboundStock = z.infer<typeof InboundStockSchema>;

/** Stock of one SKU at one location, as last synced from the WMS or POS. */
export const InventoryPositionSchema = z.object({
  sku: SkuSchema,
  locationId: LocationIdSchema,
  onHand: count('on hand'),
  /** Units promised to orders but not yet shipped. */
  reserved: count('reserved'),
  /** Units kept back (display stock, shrinkage buffer); never sold online. */
  safetyStock: count('safety stock'),
  inbound: z.array(InboundStockSchema),
  /** Monotonic per sku × location; a sync carrying a lower sequence is stale and ignored. */
  syncSequence: count('sync sequence'),
  updatedAt: z.iso.datetime('must be an ISO 8601 date-time'),
});
export type InventoryPosition = z.infer<typeof InventoryPositionSchema>;

/** Units that can be promised now. Inbound stock is not counted: it is not here yet. */
export function availableToSell(
  position: Pick<InventoryPosition, 'onHand' | 'reserved' | 'safetyStock'>,
): number {
  return Math.max(0, position.onHand - position.reserved - position.safetyStock);
}
