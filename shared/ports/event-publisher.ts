import type { EventEnvelope } from '../events/envelope.ts';

/** Outcome of publishing one event; a failure is retriable (the outbox record is delivered again). */
export type PublishOutcome = { eventId: string; ok: true } | { eventId: string; ok: false; error: string };

/** Where domain events go once they leave the outbox (EventBridge on AWS, the local bus locally). */
export interface EventPublisher {
  /** Publishes the events; resolves with one outcome per event, in order. */
  publish(events: EventEnvelope[]): Promise<PublishOutcome[]>;
}
