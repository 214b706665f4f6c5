import type { CapacityCharge, CapacityUsage } from '../domain/capacity.ts';
import type { InboundStock, InventoryPosition } from '../domain/inventory.ts';
import type { CapacityMeasure } from '../domain/location.ts';

/**
 * Inventory positions, the reservations that promise their units to orders, cart holds, and
 * adjustment batches. Every write is conditional on what the use case read, so the invariant
 *
 *   reserved ≤ onHand − safetyStock   (for every reservation and hold made)
 *
 * holds under any concurrency: a write whose expectation no longer matches is refused as a whole
 * (outcome `changed`), never partly applied, and the use case re-reads and decides again.
 */
export interface InventoryStore {
  /** Every position of one SKU across the network, read consistently. */
  listPositions(sku: string): Promise<InventoryPosition[]>;
  getPosition(key: PositionKey): Promise<InventoryPosition | undefined>;
  /** Absolute on hand from a WMS or POS; applies only if `sequence` is newer than the stored one. */
  syncPosition(command: SyncPositionCommand): Promise<SyncPositionResult>;
  applyAdjustments(command: ApplyAdjustmentsCommand): Promise<ApplyAdjustmentsResult>;
  getAdjustmentBatch(batchId: string): Promise<AdjustmentBatch | undefined>;

  /** An order's reservations (including fully released or consumed ones), read consistently. */
  listReservations(orderId: string): Promise<Reservation[]>;
  /** Reserves, and takes location capacity (`capacity`) in the same transaction. */
  reserveForOrder(command: ReserveForOrderCommand): Promise<WriteOutcome>;
  /**
   * Gives units back and, in the same transaction, the location capacity the order no longer uses
   * (`capacityRefunds`: what it took beyond what it still holds or has shipped at each location).
   */
  releaseReservations(command: ReleaseReservationsCommand): Promise<WriteOutcome>;
  consumeReservations(command: ConsumeReservationsCommand): Promise<ConsumeReservationsResult>;
  getConsumption(orderId: string, shipmentId: string): Promise<Consumption | undefined>;

  /** Capacity given to locations on local days; a location and day never charged reads as 0. */
  getCapacityUsage(keys: readonly CapacityDayKey[]): Promise<CapacityUsage[]>;
  /** What an order has taken of location capacity, per location and day, read consistently. */
  listCapacityCharges(orderId: string): Promise<CapacityCharge[]>;

  createHold(command: CreateHoldCommand): Promise<CreateHoldResult>;
  getHold(holdId: string): Promise<Hold | undefined>;
  /** Ends an active hold and gives its units back; `not-active` when it had already ended. */
  endHold(command: EndHoldCommand): Promise<'ended' | 'not-active'>;
  /** Active holds whose `heldUntil` is at or before `now`, oldest first, at most `limit`. */
  listExpiredHolds(now: string, limit: number): Promise<Hold[]>;
}

export interface PositionKey {
  sku: string;
  locationId: string;
}

/** `changed`: something the command expected no longer holds; nothing was written. */
export type WriteOutcome = 'applied' | 'changed';

export interface SyncPositionCommand extends PositionKey {
  onHand: number;
  sequence: number;
  /** Omitted: keep the stored value (0 for a new position). */
  safetyStock?: number;
  inbound?: InboundStock[];
  at: string;
}

export type SyncPositionResult =
  | { outcome: 'applied'; position: InventoryPosition; created: boolean }
  | { outcome: 'stale'; storedSequence: number };

export const ADJUSTMENT_REASONS = [
  'received',
  'damaged',
  'cycle-count',
  'shrinkage',
  'returned',
  'correction',
] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

export interface AdjustmentLine extends PositionKey {
  delta: number;
  reason: AdjustmentReason;
  note?: string;
}

/** The record of one applied batch; its id makes a retried batch apply once. */
export interface AdjustmentBatch {
  batchId: string;
  /** Hash of the canonical request, to tell a retry from a different batch reusing the id. */
  requestHash: string;
  lines: AdjustmentLine[];
  appliedAt: string;
}

export interface PositionDelta extends PositionKey {
  /** Net change of on hand for this position over the batch. */
  delta: number;
  /** On hand as read; `undefined` means the position did not exist and is created by this batch. */
  expectedOnHand: number | undefined;
}

export interface ApplyAdjustmentsCommand {
  batch: AdjustmentBatch;
  /** One entry per position; each applies only if on hand is still as read and stays ≥ reserved. */
  positions: PositionDelta[];
}

export type ApplyAdjustmentsResult =
  | { outcome: 'applied' }
  | { outcome: 'batch-exists'; batch: AdjustmentBatch }
  | { outcome: 'changed' };

/** Units of one order line promised by one location. The item is the record: it is never deleted. */
export interface Reservation extends PositionKey {
  orderId: string;
  lineId: string;
  /** Units held for the line now (counted in the position's `reserved`). */
  quantity: number;
  /** Units that shipped from this reservation (they left on hand and reserved together). */
  consumed: number;
  /** Units given back (cancellation, re-sourcing). */
  released: number;
  createdAt: string;
  updatedAt: string;
}

/** Units to take from one position's ATS. */
export interface PositionReservation extends PositionKey {
  quantity: number;
  /**
   * On hand and safety stock as read. The write requires both unchanged and
   * `reserved ≤ expectedOnHand − expectedSafetyStock − quantity`, so it can never oversell, and a
   * concurrent sync or adjustment makes it fail instead of being overlooked.
   */
  expectedOnHand: number;
  expectedSafetyStock: number;
}

/** A change of one reservation item, conditional on its quantity as read. */
export interface ReservationChange extends PositionKey {
  lineId: string;
  quantity: number;
  /** Quantity as read; `undefined` means the item must not exist yet. */
  expectedQuantity: number | undefined;
}

export interface CapacityDayKey {
  locationId: string;
  /** Local calendar day, `YYYY-MM-DD`. */
  day: string;
}

/** Capacity an order takes of one location on one day, within the location's limit. */
export interface CapacityTake extends CapacityDayKey {
  /** Units and shipments (0 or 1) added to the order's charge and to the location's day. */
  units: number;
  shipments: number;
  /** The order's charge as read; `undefined` means it must not exist yet. */
  expected: { units: number; shipments: number } | undefined;
  /**
   * Refused unless the day's `measure` stays ≤ `limit` after the addition. Checked only when the
   * take adds to that measure, so more units under an already counted shipment always fit.
   */
  measure: CapacityMeasure;
  limit: number;
}

export interface ReserveForOrderCommand {
  orderId: string;
  positions: PositionReservation[];
  /** Units to add per (line, location). */
  reservations: ReservationChange[];
  /** Location capacity taken by these units; none for a pickup handover at the pickup store. */
  capacity?: CapacityTake[];
  at: string;
}

export interface ReleaseReservationsCommand {
  orderId: string;
  /**
   * `quantity` units of each reservation are released, conditional on its quantity still being
   * `expectedQuantity`: usually all of it (quantity = expectedQuantity); a per-line cancellation
   * releases only the cancelled units (quantity < expectedQuantity).
   */
  reservations: ReservationChange[];
  at: string;
}

export interface ConsumeReservationsCommand {
  orderId: string;
  /** A shipment is confirmed once: the store records it with the consumption. */
  shipmentId: string;
  /** Units shipped per (line, location), each conditional on the reservation quantity as read. */
  reservations: ReservationChange[];
  /** Per position: on hand as read; it becomes max(0, expectedOnHand − quantity). */
  positions: (PositionKey & { quantity: number; expectedOnHand: number })[];
  at: string;
}

export type ConsumeReservationsResult = 'applied' | 'changed' | 'already-confirmed';

/** The record of a confirmed shipment's units, kept so that a repeat confirmation changes nothing. */
export interface Consumption {
  orderId: string;
  shipmentId: string;
  reservations: (PositionKey & { lineId: string; quantity: number })[];
  confirmedAt: string;
}

export const HOLD_STATUSES = ['active', 'released', 'expired'] as const;
export type HoldStatus = (typeof HOLD_STATUSES)[number];

export interface HoldLine {
  lineId: string;
  sku: string;
  /** Units asked for. */
  quantity: number;
  /** Units actually held (less when stock ran short). */
  held: number;
}

/** A cart-time soft reservation that lapses at `heldUntil` unless released or converted earlier. */
export interface Hold {
  holdId: string;
  /**
   * The sales channel whose key created the hold: only it (or ops) may release it. Holds stored
   * before channels were recorded have none; only ops may release those (they lapse at `heldUntil`).
   */
  channel?: string;
  status: HoldStatus;
  lines: HoldLine[];
  /** Units held per position, what `reserved` was raised by. */
  allocations: (PositionKey & { quantity: number })[];
  createdAt: string;
  heldUntil: string;
  endedAt?: string;
}

export interface CreateHoldCommand {
  hold: Hold;
  positions: PositionReservation[];
}

export type CreateHoldResult =
  | { outcome: 'created' }
  | { outcome: 'exists'; hold: Hold }
  | { outcome: 'changed' };

export interface EndHoldCommand {
  hold: Hold;
  status: Exclude<HoldStatus, 'active'>;
  at: string;
}
