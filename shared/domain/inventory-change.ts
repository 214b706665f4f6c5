import type { CatalogEvent } from '../events/catalog.ts';

export type InventoryChangeReason = CatalogEvent<'InventoryChanged'>['data']['reason'];

/** The counters of one stored position item (a whole position, or one bucket of a hot one). */
export interface PositionCounters {
  onHand?: number;
  reserved?: number;
  safetyStock?: number;
  syncSequence?: number;
}

/**
 * Why a position item changed, read from its images before and after (a stream record): a new sync
 * sequence is a WMS/POS sync; on hand and reserved falling together is a shipment; on hand alone is
 * an adjustment (returns restock through adjustments too); reserved alone is a reservation or its
 * release. Undefined when nothing that moves availability changed (e.g. only a timestamp).
 */
export function inventoryChangeReason(
  before: PositionCounters | undefined,
  after: PositionCounters,
): InventoryChangeReason | undefined {
  const n = (v: number | undefined) => v ?? 0;
  if (!before) return 'sync';
  const onHand = n(after.onHand) - n(before.onHand);
  const reserved = n(after.reserved) - n(before.reserved);
  const safety = n(after.safetyStock) - n(before.safetyStock);
  if (after.syncSequence !== before.syncSequence) return onHand !== 0 || safety !== 0 ? 'sync' : undefined;
  if (onHand < 0 && reserved < 0) return 'shipment';
  if (onHand !== 0) return 'adjustment';
  if (reserved > 0) return 'reservation';
  if (reserved < 0) return 'reservation-released';
  if (safety !== 0) return 'sync';
  return undefined;
}

/** Reasons after which stock may have become available, so backordered orders may be served. */
export const STOCK_ARRIVING_REASONS: readonly InventoryChangeReason[] = [
  'sync',
  'adjustment',
  'reservation-released',
  'return-restock',
];
