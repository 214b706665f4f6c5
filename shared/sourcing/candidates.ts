import { availableToSell, type InventoryPosition } from '../domain/inventory.ts';
import type { CandidatePosition } from './types.ts';

/** Sourcing sees only what can be promised: on hand − reserved − safety stock, never negative. */
export function candidatePositions(positions: readonly InventoryPosition[]): CandidatePosition[] {
  return positions.map((position) => ({
    sku: position.sku,
    locationId: position.locationId,
    ats: availableToSell(position),
  }));
}
