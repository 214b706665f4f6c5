import type { EventEnvelope } from '../events/envelope.ts';

/** The events an order announced: its outbox entries, kept in the order's partition. */
export interface OrderEventLog {
  /** Every outbox event of the order (any order), read consistently. */
  eventsOf(orderId: string): Promise<EventEnvelope[]>;
}
