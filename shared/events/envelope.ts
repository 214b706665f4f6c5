import { z } from 'zod';

/** EventBridge `source` of every event Quartermaster publishes. */
export const EVENT_SOURCE = 'quartermaster.oms';

/**
 * Common envelope of every domain event. It is the EventBridge `detail`; `type` is also the
 * EventBridge `detail-type`. `eventId` is stable across retries and replays: receivers de-duplicate on it.
 */
export const EventEnvelopeSchema = z.object({
  eventId: z.string(),
  type: z.string(),
  /** Major version of the `data` schema for this type. */
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime(),
  orderId: z.string().optional(),
  channel: z.string().optional(),
  correlationId: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

export interface DomainEvent<TType extends string = string, TData = Record<string, unknown>>
  extends Omit<EventEnvelope, 'type' | 'data'> {
  type: TType;
  data: TData;
}
