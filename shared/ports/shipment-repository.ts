import type { Shipment } from '../domain/shipment.ts';
import type { DomainEvent } from '../events/envelope.ts';
import type { Page } from './order-repository.ts';

/** One page of a shipment listing; the cursor is opaque and only valid for the same listing. */
export interface ShipmentPageOptions {
  limit: number;
  cursor?: string;
}

/** A task token the workflow waits on for the whole order (hold release, backorder wake-up). */
export interface OrderWaiter {
  orderId: string;
  kind: 'hold' | 'backorder';
  taskToken: string;
  skus: string[];
  createdAt: string;
  /** Backorder waiters: when the order was placed (first come, first served) and the units per SKU. */
  orderedAt?: string;
  backordered?: { sku: string; quantity: number }[];
}

/** One order waiting for one SKU: an entry of that SKU's backorder waitlist. */
export interface BackorderWaiter {
  orderId: string;
  sku: string;
  /** Units of the SKU the order waits for. */
  quantity: number;
  orderedAt: string;
  taskToken: string;
}

/**
 * Shipments of orders, with the task tokens the workflow waits on. Writes that announce something
 * carry their events, written to the outbox in the same transaction.
 */
export interface ShipmentRepository {
  get(shipmentId: string): Promise<Shipment | undefined>;
  listByOrder(orderId: string): Promise<Shipment[]>;
  /**
   * An order's shipments by id, a page at a time; with `locationIds` only those released to one of
   * them (a partner's view). Throws InvalidCursorError for a cursor of another listing.
   */
  pageByOrder(
    orderId: string,
    options: ShipmentPageOptions & { locationIds?: readonly string[] },
  ): Promise<Page<Shipment>>;
  /**
   * Open shipments (REQUESTED or ACCEPTED: the location still has to ship them) at any of
   * `locationIds`, oldest request first. Throws InvalidCursorError for a cursor of another listing.
   */
  pageOpenAt(locationIds: readonly string[], options: ShipmentPageOptions): Promise<Page<Shipment>>;
  /**
   * Pickups due at `now`: READY_FOR_PICKUP with `pickupBy` ≤ now, and not-collected ones whose
   * settlement is still pending (`notCollectedPending`), earliest deadline first, at most `limit`.
   */
  listPickupsDue(now: string, limit: number): Promise<Shipment[]>;
  /**
   * Creates the shipment or, when it exists (a retried step), replaces only its task token (the
   * retry's token is the one the workflow waits on). Events are written only on creation. Creation
   * also bumps its order's `version`, on condition that the order is not ON_HOLD ('order-on-hold'
   * otherwise, nothing written): a hold that read the order before this write fails its version
   * condition, re-reads and sees the shipment, so a hold and a release exclude each other.
   */
  request(shipment: Shipment, events: DomainEvent[]): Promise<'created' | 'token-replaced' | 'order-on-hold'>;
  /**
   * Optimistic concurrency on `version`. A shipment written SHIPPED or DELIVERED (units left the
   * building) also bumps its order's `version` in the same transaction, on condition that the order
   * is not CANCELLED ('order-cancelled' otherwise): a cancellation that read the order before this
   * write fails its version condition, so a shipped report and a cancel exclude each other.
   */
  update(
    shipment: Shipment,
    expectedVersion: number,
    events: DomainEvent[],
  ): Promise<'updated' | 'conflict' | 'order-cancelled'>;
  /** A backorder waiter is also entered on the waitlist of each SKU it waits for. */
  putWaiter(waiter: OrderWaiter): Promise<void>;
  listWaiters(orderId: string): Promise<OrderWaiter[]>;
  /** With `taskToken`: only while the waiter still holds that token (a newer wait is kept). */
  deleteWaiter(orderId: string, kind: OrderWaiter['kind'], taskToken?: string): Promise<void>;
  /** A SKU's waitlist, oldest order first, at most `limit` entries. */
  listBackorderWaiters(sku: string, limit: number): Promise<BackorderWaiter[]>;
}
