import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { eventBridgePublisher } from '../../shared/adapters/aws/eventbridge-publisher.ts';
import { makePublishEvents } from '../../shared/usecases/publish-events.ts';
import { dynamodb } from './clients.ts';
import { putEvents } from './events.ts';

const publishEvents = makePublishEvents({
  publisher: eventBridgePublisher({ putEvents, eventBusName: process.env.EVENT_BUS_NAME ?? 'default' }),
});

/** Register the Lambda context on it, so an invocation that times out frees its in-progress records. */
export const publishIdempotency = new IdempotencyConfig({
  eventKeyJmesPath: 'eventId',
  // An event published within a day is not published again when its stream record comes back.
  expiresAfterSeconds: 24 * 60 * 60,
});

/**
 * Publishes one event at most once per event id (Powertools Idempotency, on the idempotency table).
 * A failure throws, which deletes the in-progress record so the retry publishes it. A publish that
 * succeeds but whose invocation dies before the record is marked complete can still repeat after the
 * in-progress record expires: receivers de-duplicate on eventId for that window.
 */
export const publishOnce = makeIdempotent(
  async (envelope: unknown): Promise<{ eventId: string }> => {
    const { published, failed } = await publishEvents([envelope]);
    if (failed.length) throw new Error(failed.map((f) => `${f.eventId}: ${f.error}`).join('; '));
    return { eventId: published[0] ?? 'unknown' };
  },
  {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: process.env.IDEMPOTENCY_TABLE_NAME ?? 'idempotency',
      awsSdkV3Client: dynamodb,
    }),
    config: publishIdempotency,
  },
);
