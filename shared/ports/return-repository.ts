import type { Order, StatusChange } from '../domain/order.ts';
import type { Rma } from '../domain/return.ts';
import type { DomainEvent } from '../events/envelope.ts';

export interface CreateReturnCommand {
  rma: Rma;
  /** ReturnAuthorized, written to the outbox in the same transaction as the RMA. */
  events: DomainEvent[];
  /**
   * The order's returns ledger version as read (0: no RMA yet). RMAs of one order are created one
   * at a time: a concurrent creation makes this one fail with `ledger-changed`, and the use case
   * re-reads what is still returnable.
   */
  expectedLedgerVersion: number;
  idempotency: { channel: string; key: string; requestHash: string };
}

export type CreateReturnResult =
  | { outcome: 'created' }
  | { outcome: 'ledger-changed' }
  | { outcome: 'idempotency-key-exists'; rmaId: string; requestHash: string };

export interface ReturnRepository {
  get(rmaId: string): Promise<Rma | undefined>;
  listByOrder(orderId: string): Promise<Rma[]>;
  /** Version of the order's returns ledger (0 when the order has no RMA). */
  ledgerVersion(orderId: string): Promise<number>;
  /** The RMA an Idempotency-Key of a channel already created, if any. */
  idempotencyClaim(channel: string, key: string): Promise<{ rmaId: string; requestHash: string } | undefined>;
  create(command: CreateReturnCommand): Promise<CreateReturnResult>;
  /** Optimistic concurrency on `version`; events go to the outbox in the same transaction. */
  update(rma: Rma, expectedVersion: number, events: DomainEvent[]): Promise<'updated' | 'conflict'>;
  /**
   * Completes the RMA and records the return on the order (returned quantities, a history entry)
   * in one transaction; `conflict` when either changed since read.
   */
  complete(command: {
    rma: Rma;
    expectedVersion: number;
    order: Order;
    expectedOrderVersion: number;
    history: StatusChange;
    events: DomainEvent[];
  }): Promise<'updated' | 'conflict'>;
}
