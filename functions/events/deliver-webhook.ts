import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { fetchWebhookTransport } from '../../shared/adapters/http/fetch-webhook-transport.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { makeDeliverWebhook } from '../../shared/usecases/deliver-webhook.ts';
import { getSecretString } from '../commons/events.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';

const deliverWebhook = makeDeliverWebhook({ transport: fetchWebhookTransport(), clock: systemClock });

// The signing secret is read once per environment and kept for a while, so a rotation reaches us.
const SECRET_TTL_MS = 5 * 60_000;
let cached: { value: string; until: number } | undefined;
async function signingSecret(): Promise<string> {
  if (cached && cached.until > Date.now()) return cached.value;
  const value = await getSecretString(process.env.PARTNER_SECRET_ID ?? '');
  cached = { value, until: Date.now() + SECRET_TTL_MS };
  return value;
}

/** Partner queue → signed POST. Failed messages are reported individually and retried by SQS. */
export async function deliverBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  const endpoint = process.env.PARTNER_ENDPOINT ?? '';
  for (const record of event.Records) {
    try {
      const { eventId, status } = await deliverWebhook({
        endpoint,
        secret: await signingSecret(),
        body: record.body,
      });
      logger.info('webhook delivered', { eventId, status, partner: process.env.PARTNER_ID });
      metrics.addMetric('WebhooksDelivered', MetricUnit.Count, 1);
    } catch (error) {
      logger.warn('webhook not delivered; will be retried', {
        partner: process.env.PARTNER_ID,
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: (error as Error).message,
      });
      metrics.addMetric('WebhookDeliveryFailures', MetricUnit.Count, 1);
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

export const handler = middy(deliverBatch)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
