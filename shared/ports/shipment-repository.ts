import type { Shipment } from '../domain/shipment.ts';
import type { DomainEvent } from '../events/envelope.ts';

/** A task token the workflow waits on for the whole order (hold release, backorder wake-up). */
export interface OrderWaiter {
  orderId: string;
  kind: 'hold' | 'backorder';
  taskToken: string;
  skus: string[];
  createdAt: string;
}

/**
 * Shipments of orders, with the task tokens the workflow waits on. Writes that announce something
 * carry their events, written to the outbox in the same transaction.
 */
export interface ShipmentRepository {
  get(shipmentId: string): Promise<Shipment | undefined>;
  listByOrder(orderId: string): Promise<Shipment[]>;
  /**
   * Creates the shipment or, when it exists (a retried step), replaces only its task token (the
   * retry's token is the one the workflow waits on). Events are written only on creation.
   */
  request(shipment: Shipment, events: DomainEvent[]): Promise<'created' | 'token-replaced'>;
  /** Optimistic concurrency on `version`. */
  update(shipment: Shipment, expectedVersion: number, events: DomainEvent[]): Promise<'updated' | 'conflict'>;
  putWaiter(waiter: OrderWaiter): Promise<void>;
  listWaiters(orderId: string): Promise<OrderWaiter[]>;
  deleteWaiter(orderId: string, kind: OrderWaiter['kind']): Promise<void>;
}
