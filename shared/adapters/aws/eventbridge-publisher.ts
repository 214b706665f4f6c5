import { EVENT_SOURCE, type EventEnvelope } from '../../events/envelope.ts';
import type { EventPublisher, PublishOutcome } from '../../ports/event-publisher.ts';

/** The PutEvents request entry and response, as EventBridge defines them. */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time: string;
  EventBusName: string;
}
export interface PutEventsResponse {
  FailedEntryCount?: number;
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}
export type PutEvents = (entries: PutEventsEntry[]) => Promise<PutEventsResponse>;

/** EventBridge accepts at most 10 entries per PutEvents call. */
export const MAX_ENTRIES_PER_CALL = 10;

/**
 * Publishes envelopes to an EventBridge bus: source `quartermaster.oms`, detail-type = event type,
 * detail = the envelope. A failed entry (throttling, internal error) is a retriable failure of that
 * event only; a failed call fails every event of its chunk.
 */
export function eventBridgePublisher(deps: { putEvents: PutEvents; eventBusName: string }): EventPublisher {
  return {
    async publish(events) {
      const outcomes: PublishOutcome[] = [];
      for (let i = 0; i < events.length; i += MAX_ENTRIES_PER_CALL) {
        const chunk = events.slice(i, i + MAX_ENTRIES_PER_CALL);
        try {
          const response = await deps.putEvents(chunk.map((e) => toEntry(e, deps.eventBusName)));
          chunk.forEach((event, n) => {
            const entry = response.Entries?.[n];
            if (entry?.EventId && !entry.ErrorCode) outcomes.push({ eventId: event.eventId, ok: true });
            else
              outcomes.push({
                eventId: event.eventId,
                ok: false,
                error: `${entry?.ErrorCode ?? 'NoEntry'}: ${entry?.ErrorMessage ?? 'no result for this entry'}`,
              });
          });
        } catch (error) {
          for (const event of chunk)
            outcomes.push({ eventId: event.eventId, ok: false, error: (error as Error).message });
        }
      }
      return outcomes;
    },
  };
}

export function toEntry(event: EventEnvelope, eventBusName: string): PutEventsEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: event.occurredAt,
    EventBusName: eventBusName,
  };
}
