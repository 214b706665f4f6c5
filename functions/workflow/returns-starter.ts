import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { RmaIdPattern } from '../../shared/domain/return.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
// Only the engine: the starter has no table (and no TABLE_NAME).
import { returnsEngine } from './returns-engine.ts';

/** Starts the returns execution of one ReturnAuthorized detail, named by the RMA id. */
export async function startReturn(detail: {
  data?: { rmaId?: unknown; orderId?: unknown };
}): Promise<{ rmaId: string; outcome: 'started' | 'already-exists' }> {
  const rmaId = detail.data?.rmaId;
  const orderId = detail.data?.orderId;
  if (typeof rmaId !== 'string' || !RmaIdPattern.test(rmaId) || typeof orderId !== 'string') {
    throw new Error('ReturnAuthorized without a valid rmaId/orderId');
  }
  const outcome = await returnsEngine.startFulfilment({ name: rmaId, input: { rmaId, orderId } });
  return { rmaId, outcome };
}

/**
 * ReturnAuthorized (rule → queue) → one returns execution named by the RMA id, so a redelivered
 * event cannot start a second run (`ExecutionAlreadyExists` is success). A failed start is reported
 * per message so SQS retries it, then redrives it to the DLQ.
 */
export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const detail = (
        JSON.parse(record.body) as { detail?: { data?: { rmaId?: unknown; orderId?: unknown } } }
      ).detail;
      const { rmaId, outcome } = await startReturn(detail ?? {});
      logger.info('returns workflow start', { rmaId, outcome });
      metrics.addMetric(
        outcome === 'started' ? 'ReturnWorkflowsStarted' : 'ReturnWorkflowDuplicateStart',
        MetricUnit.Count,
        1,
      );
    } catch (error) {
      logger.error('returns workflow not started; will be retried', { messageId: record.messageId, error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
