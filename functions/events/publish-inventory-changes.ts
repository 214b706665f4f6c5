import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { inventoryChangeReason } from '../../shared/domain/inventory-change.ts';
import {
  makeInventoryChangedEvents,
  type PositionChange,
} from '../../shared/usecases/inventory-changed-events.ts';
import { inventory } from '../commons/inventory.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { publishIdempotency, publishOnce } from '../commons/publish-once.ts';
import { partialResponse } from '../commons/stream-batch.ts';

const inventoryChangedEvents = makeInventoryChangedEvents({ inventory });

const image = (i: unknown) => (i ? unmarshall(i as Record<string, AttributeValue>) : undefined);

/**
 * The position change a stream record describes (a position item, or a bucket of a hot one), or
 * undefined when it does not move availability. Keys: `SKU#<sku>[#BUCKET#<i>]` / `LOC#<locationId>`.
 */
export function positionChange(record: DynamoDBRecord): PositionChange | undefined {
  const after = image(record.dynamodb?.NewImage);
  const sequence = record.dynamodb?.SequenceNumber;
  if (!after || !sequence || (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY'))
    return undefined;
  if (after.entity !== 'POSITION' && after.entity !== 'POSITION_BUCKET') return undefined;
  const sku = /^SKU#(.+?)(#BUCKET#\d+)?$/.exec(String(after.PK))?.[1];
  const locationId = /^LOC#(.+)$/.exec(String(after.SK))?.[1];
  if (!sku || !locationId) return undefined;
  const reason = inventoryChangeReason(image(record.dynamodb?.OldImage), after);
  if (!reason) return undefined;
  const whole = after.entity === 'POSITION' && (after.buckets ?? 1) <= 1;
  const at = record.dynamodb?.ApproximateCreationDateTime;
  return {
    changeId: sequence,
    sku,
    locationId,
    reason,
    occurredAt: new Date(at ? at * 1000 : Date.now()).toISOString(),
    ...(whole
      ? {
          position: {
            onHand: Number(after.onHand ?? 0),
            reserved: Number(after.reserved ?? 0),
            safetyStock: Number(after.safetyStock ?? 0),
          },
        }
      : {}),
  };
}

/**
 * DynamoDB Streams (position items) → InventoryChanged on the bus: the stock feed for storefronts
 * and the signal that wakes backordered orders. At-least-once; each event is published once per id.
 * A failure fails the batch from its first record, so nothing after it is published out of order.
 */
export async function publishInventoryChanges(
  event: DynamoDBStreamEvent,
  context?: Context,
): Promise<DynamoDBBatchResponse> {
  if (context) publishIdempotency.registerLambdaContext(context);
  const records = event.Records.map((record) => ({ record, change: positionChange(record) }));
  const changes = records.flatMap((r) => (r.change ? [r.change] : []));
  let published = 0;
  try {
    for (const envelope of await inventoryChangedEvents(changes)) {
      await publishOnce(envelope);
      published += 1;
    }
  } catch (error) {
    logger.warn('inventory changes not published; the batch will be retried', {
      error: (error as Error).message,
    });
    metrics.addMetric('InventoryChangePublishFailures', MetricUnit.Count, 1);
    // Event ids are per record, so what was published is not published again on the retry.
    return partialResponse(records.map((r) => r.record).slice(0, 1));
  } finally {
    metrics.addMetric('InventoryChangesPublished', MetricUnit.Count, published);
  }
  return partialResponse([]);
}

export const handler = middy(publishInventoryChanges)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
