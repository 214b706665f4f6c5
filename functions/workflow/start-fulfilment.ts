import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { makeStartFulfilment } from '../../shared/usecases/start-fulfilment.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { engine } from './engine.ts';

const startFulfilment = makeStartFulfilment({ engine });

/**
 * OrderCreated (rule → queue) → the order's fulfilment execution, named by the order id
 * (EventBridge's Step Functions target cannot name executions). A duplicate event is a success;
 * a failed start is reported per message so SQS retries it, then redrives it to the DLQ.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const detail = (JSON.parse(record.body) as { detail?: { orderId?: string; correlationId?: string } })
        .detail;
      const { orderId, outcome } = await startFulfilment(detail ?? {});
      logger.info('fulfilment start', { orderId, outcome });
      metrics.addMetric(
        outcome === 'started' ? 'FulfilmentStarted' : 'FulfilmentDuplicateStart',
        MetricUnit.Count,
        1,
      );
    } catch (error) {
      logger.error('fulfilment not started; will be retried', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
