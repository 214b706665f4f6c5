import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { publishIdempotency, publishOnce } from '../commons/publish-once.ts';
import { partialResponse } from '../commons/stream-batch.ts';

/** The envelope of an outbox INSERT, or undefined for any other record (the mapping's filter skips those). */
export function outboxEnvelope(record: DynamoDBRecord): unknown {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !image) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue>);
  return item.entity === 'OUTBOX' ? item.event : undefined;
}

/**
 * DynamoDB Streams → EventBridge. Failures are reported per record (batchItemFailures), so a failed
 * event is retried without blocking the ones before it; an event may be published twice (at-least-once).
 */
export async function publishOutbox(
  event: DynamoDBStreamEvent,
  context?: Context,
): Promise<DynamoDBBatchResponse> {
  if (context) publishIdempotency.registerLambdaContext(context);
  const outbox = event.Records.map((record) => ({ record, envelope: outboxEnvelope(record) })).filter(
    (r) => r.envelope !== undefined,
  );
  // In stream order per order id (one order's events never overtake each other); orders in parallel.
  const byOrder = new Map<string, typeof outbox>();
  for (const r of outbox) {
    const orderId = String((r.envelope as { orderId?: unknown }).orderId ?? '');
    byOrder.set(orderId, [...(byOrder.get(orderId) ?? []), r]);
  }
  const failedRecords: DynamoDBRecord[] = [];
  let published = 0;
  await Promise.all(
    [...byOrder.values()].map(async (records) => {
      for (const [i, r] of records.entries()) {
        try {
          await publishOnce(r.envelope);
          published += 1;
        } catch (error) {
          const eventId = String((r.envelope as { eventId?: unknown }).eventId ?? 'unknown');
          logger.warn('event not published; will be retried', { eventId, error: (error as Error).message });
          // The rest of this order's events wait for it (per-order order is kept).
          failedRecords.push(...records.slice(i).map((x) => x.record));
          return;
        }
      }
    }),
  );
  metrics.addMetric('EventsPublished', MetricUnit.Count, published);
  if (failedRecords.length) metrics.addMetric('EventPublishFailures', MetricUnit.Count, failedRecords.length);
  return partialResponse(failedRecords);
}

export const handler = middy(publishOutbox)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
