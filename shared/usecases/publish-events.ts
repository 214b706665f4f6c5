import { type EventEnvelope, EventEnvelopeSchema } from '../events/envelope.ts';
import type { EventPublisher } from '../ports/event-publisher.ts';

export interface PublishEventsResult {
  published: string[];
  /** Event ids that were not published, with why; the caller retries them (at-least-once). */
  failed: { eventId: string; error: string }[];
}

/**
 * Publishes outbox events. Delivery is at-least-once: a retried batch may publish an event again, so
 * receivers de-duplicate on `eventId`. An envelope that does not parse is reported as failed, never dropped.
 */
export function makePublishEvents(deps: { publisher: EventPublisher }) {
  return async function publishEvents(candidates: unknown[]): Promise<PublishEventsResult> {
    const valid: EventEnvelope[] = [];
    const failed: PublishEventsResult['failed'] = [];
    for (const candidate of candidates) {
      const parsed = EventEnvelopeSchema.safeParse(candidate);
      if (parsed.success) valid.push(parsed.data);
      else {
        const eventId = (candidate as { eventId?: unknown } | null)?.eventId;
        failed.push({
          eventId: String(eventId ?? 'unknown'),
          error: `not an event envelope: ${parsed.error.message}`,
        });
      }
    }
    const published: string[] = [];
    if (valid.length > 0) {
      const outcomes = await deps.publisher.publish(valid);
      for (const outcome of outcomes) {
        if (outcome.ok) published.push(outcome.eventId);
        else failed.push({ eventId: outcome.eventId, error: outcome.error });
      }
    }
    return { published, failed };
  };
}
export type PublishEvents = ReturnType<typeof makePublishEvents>;
