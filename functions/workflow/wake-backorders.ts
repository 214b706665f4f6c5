import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { EventBridgeEnvelope } from '@aws-lambda-powertools/parser/envelopes/eventbridge';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { SkuSchema } from '../../shared/domain/order.ts';
import { makeWakeBackorders } from '../../shared/usecases/wake-backorders.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { orders } from '../commons/orders.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { engine, shipments } from './commons.ts';

const wakeBackorders = makeWakeBackorders({ shipments, inventory, locations, engine, orders });

const InventoryChangedDetail = z.object({ data: z.object({ sku: SkuSchema }) });

/**
 * InventoryChanged (rule → queue) → the orders backordered on that SKU, oldest first. The queue
 * buffers bursts; a message that fails is retried by SQS, then dead-lettered.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  // One wake-up per SKU per batch: a burst of changes of one SKU reads its waitlist once.
  const bySku = new Map<string, string[]>();
  for (const record of event.Records) {
    try {
      const { data } = EventBridgeEnvelope.parse(JSON.parse(record.body), InventoryChangedDetail);
      bySku.set(data.sku, [...(bySku.get(data.sku) ?? []), record.messageId]);
    } catch (error) {
      // Not an InventoryChanged the rule should have sent: retrying cannot help, the DLQ keeps it.
      logger.error('not an InventoryChanged event', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  for (const [sku, messageIds] of bySku) {
    try {
      const result = await wakeBackorders({ sku });
      if (result.woken.length || result.gone.length || result.held.length)
        logger.info('backorders woken', { ...result });
      metrics.addMetric('BackordersWoken', MetricUnit.Count, result.woken.length);
    } catch (error) {
      logger.error('backorders not woken; will be retried', { sku, error });
      batchItemFailures.push(...messageIds.map((itemIdentifier) => ({ itemIdentifier })));
    }
  }
  return { batchItemFailures };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
