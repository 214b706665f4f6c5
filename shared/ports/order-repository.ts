import type { Order, StatusChange } from '../domain/order.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import type { DomainEvent } from '../events/envelope.ts';

export interface CreateOrderCommand {
  order: Order;
  history: StatusChange;
  /** Outbox records written in the same transaction as the order: no order without its events. */
  events: DomainEvent[];
  /** The channel's Idempotency-Key and a hash of the canonical request, claimed atomically with the order. */
  idempotency: { key: string; requestHash: string };
}

export type CreateOrderResult =
  | { outcome: 'created' }
  | { outcome: 'idempotency-key-exists'; orderId: string; requestHash: string }
  | { outcome: 'external-id-exists'; orderId: string };

export interface UpdateOrderCommand {
  /** The order as it should be stored; its `version` must be `expectedVersion + 1`. */
  order: Order;
  expectedVersion: number;
  history: StatusChange[];
  events: DomainEvent[];
}

export type OrderListQuery =
  | { by: 'customer'; customerId: string }
  | { by: 'status'; status: OrderStatus }
  | { by: 'channel'; channel: string };

export interface ListOrdersOptions {
  limit: number;
  cursor?: string;
  /** Only orders of this channel (non-admin callers). */
  onlyChannel?: string;
  createdFrom?: string;
  createdTo?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not valid for this query');
    this.name = 'InvalidCursorError';
  }
}

export interface OrderRepository {
  create(command: CreateOrderCommand): Promise<CreateOrderResult>;
  get(orderId: string): Promise<Order | undefined>;
  history(orderId: string): Promise<StatusChange[]>;
  /** Optimistic concurrency: 'version-conflict' when someone else changed the order first. */
  update(command: UpdateOrderCommand): Promise<'updated' | 'version-conflict'>;
  list(query: OrderListQuery, options: ListOrdersOptions): Promise<Page<Order>>;
}
