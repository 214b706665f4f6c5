import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import {
  eventBridgePublisher,
  type PutEventsEntry,
  type PutEventsResponse,
} from '../../shared/adapters/aws/eventbridge-publisher.ts';
import { EVENT_SOURCE, type EventEnvelope } from '../../shared/events/envelope.ts';
import { makePublishEvents } from '../../shared/usecases/publish-events.ts';

const calls: PutEventsEntry[][] = [];
let respond: (entries: PutEventsEntry[]) => PutEventsResponse = (entries) => ({
  FailedEntryCount: 0,
  Entries: entries.map((_, i) => ({ EventId: `eb-${i}` })),
});
vi.mock('../../functions/commons/events.ts', () => ({
  putEvents: async (entries: PutEventsEntry[]) => {
    calls.push(entries);
    return respond(entries);
  },
  getSecretString: async () => 'unused',
}));
// No DynamoDB in unit tests: Powertools Idempotency is switched off here; the integration suite
// (event-fanout) runs it against DynamoDB Local.
process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = 'true';
const { publishOutbox, outboxEnvelope } = await import('../../functions/events/publish-outbox.ts');

function envelope(n: number, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    eventId: `evt_${String(n).padStart(4, '0')}`,
    type: 'OrderCreated',
    version: 1,
    occurredAt: '2026-01-02T03:04:05.000Z',
    orderId: `ord_${n}`,
    channel: 'web',
    correlationId: `corr-${n}`,
    data: { n },
    ...overrides,
  };
}

function streamRecord(seq: number, item: Record<string, unknown>, eventName = 'INSERT'): DynamoDBRecord {
  return {
    eventName: eventName as DynamoDBRecord['eventName'],
    dynamodb: {
      SequenceNumber: String(seq),
      NewImage: marshall(item, { removeUndefinedValues: true }) as NonNullable<
        DynamoDBRecord['dynamodb']
      >['NewImage'],
    },
  };
}
const outboxItem = (e: EventEnvelope) => ({
  PK: `ORDER#${e.orderId}`,
  SK: `OUTBOX#${e.eventId}`,
  entity: 'OUTBOX',
  event: e,
});

describe('eventBridgePublisher', () => {
  it('maps envelopes to PutEvents entries (source, detail-type, detail, time, bus) in chunks of 10', async () => {
    calls.length = 0;
    const putEvents = async (entries: PutEventsEntry[]) => {
      calls.push(entries);
      return { Entries: entries.map(() => ({ EventId: 'x' })) };
    };
    const publisher = eventBridgePublisher({ putEvents, eventBusName: 'qm-bus' });
    const events = Array.from({ length: 23 }, (_, i) => envelope(i));
    const outcomes = await publisher.publish(events);
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls[0]?.[0]).toEqual({
      Source: EVENT_SOURCE,
      DetailType: 'OrderCreated',
      Detail: JSON.stringify(events[0]),
      Time: '2026-01-02T03:04:05.000Z',
      EventBusName: 'qm-bus',
    });
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('treats failed entries and failed calls as retriable failures of those events only', async () => {
    let call = 0;
    const publisher = eventBridgePublisher({
      eventBusName: 'b',
      putEvents: async (entries) => {
        call++;
        if (call === 2) throw new Error('ThrottlingException');
        return {
          FailedEntryCount: 1,
          Entries: entries.map((_, i) =>
            i === 1 ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' } : { EventId: 'ok' },
          ),
        };
      },
    });
    const outcomes = await publisher.publish(Array.from({ length: 12 }, (_, i) => envelope(i)));
    expect(outcomes.filter((o) => !o.ok).map((o) => o.eventId)).toEqual(['evt_0001', 'evt_0010', 'evt_0011']);
    expect(outcomes.find((o) => o.eventId === 'evt_0001')).toMatchObject({
      error: 'InternalFailure: try again',
    });
  });
});

describe('makePublishEvents', () => {
  it('reports envelopes that do not parse as failed instead of dropping them', async () => {
    const publish = vi.fn(async (events: EventEnvelope[]) =>
      events.map((e) => ({ eventId: e.eventId, ok: true as const })),
    );
    const result = await makePublishEvents({ publisher: { publish } })([envelope(1), { eventId: 'bad' }]);
    expect(result.published).toEqual(['evt_0001']);
    expect(result.failed).toEqual([
      { eventId: 'bad', error: expect.stringContaining('not an event envelope') },
    ]);
  });
});

describe('publish-outbox handler', () => {
  it('publishes outbox INSERTs only and reports failed records by sequence number', async () => {
    calls.length = 0;
    respond = (entries) => ({
      FailedEntryCount: 1,
      Entries: entries.map((e) =>
        JSON.parse(e.Detail).eventId === 'evt_0002' ? { ErrorCode: 'InternalFailure' } : { EventId: 'ok' },
      ),
    });
    const records = [
      streamRecord(100, outboxItem(envelope(1))),
      streamRecord(101, { PK: 'ORDER#x', SK: 'ORDER', entity: 'ORDER' }),
      streamRecord(102, outboxItem(envelope(2))),
      streamRecord(103, outboxItem(envelope(3)), 'MODIFY'),
    ];
    expect(outboxEnvelope(records[1]!)).toBeUndefined();
    const result = await publishOutbox({ Records: records });
    expect(calls.flat().map((e) => JSON.parse(e.Detail).eventId)).toEqual(['evt_0001', 'evt_0002']);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: '102' }] });
  });
});
