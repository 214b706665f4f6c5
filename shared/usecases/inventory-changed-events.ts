import { availableToSell } from '../domain/inventory.ts';
import type { InventoryChangeReason, PositionCounters } from '../domain/inventory-change.ts';
import { type CatalogEvent, EVENT_CATALOG } from '../events/catalog.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';

export type InventoryChanged = CatalogEvent<'InventoryChanged'>;

/** One changed position item, as read from the table's stream. */
export interface PositionChange {
  /** Stable for the change (the stream sequence number), so a redelivered record keeps its event id. */
  changeId: string;
  sku: string;
  locationId: string;
  reason: InventoryChangeReason;
  occurredAt: string;
  /**
   * The item's counters after the change when they are the whole position; undefined for a bucketed
   * (hot) position, whose totals are spread over several items and are read instead.
   */
  position?: Required<Pick<PositionCounters, 'onHand' | 'reserved' | 'safetyStock'>>;
}

/**
 * InventoryChanged events for changed positions. Changes of one position within a batch are
 * coalesced into one event carrying the latest state (stock feeds want the level, not every step),
 * with the reason of the last change. Bucketed positions are read (consistently) for their totals.
 */
export function makeInventoryChangedEvents(deps: { inventory: Pick<InventoryStore, 'getPosition'> }) {
  return async function inventoryChangedEvents(changes: PositionChange[]): Promise<InventoryChanged[]> {
    const latest = new Map<string, PositionChange>();
    for (const change of changes) {
      const key = `${change.sku}\u0000${change.locationId}`;
      latest.delete(key); // re-inserted last, so events follow the order of the latest changes
      latest.set(key, change);
    }
    const events: InventoryChanged[] = [];
    for (const change of latest.values()) {
      const counters =
        change.position ??
        (await deps.inventory.getPosition({ sku: change.sku, locationId: change.locationId }));
      if (!counters) continue;
      events.push({
        eventId: `evt_inv_${change.changeId}`,
        type: 'InventoryChanged',
        version: EVENT_CATALOG.InventoryChanged.version,
        occurredAt: change.occurredAt,
        correlationId: `inventory:${change.sku}:${change.locationId}`,
        data: {
          sku: change.sku,
          locationId: change.locationId,
          onHand: Math.max(0, counters.onHand),
          reserved: Math.max(0, counters.reserved),
          ats: availableToSell(counters),
          reason: change.reason,
        },
      });
    }
    return events;
  };
}
