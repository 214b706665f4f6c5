import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { makeExpireHolds } from '../../shared/usecases/hold-inventory.ts';
import { inventory } from '../commons/inventory.ts';
import { clock } from '../commons/orders.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';

const expireHolds = makeExpireHolds({ inventory, clock });

/**
 * Every minute: release cart holds past their expiry. DynamoDB's TTL deletes items lazily (up to
 * days later) and would not give the reserved units back, so expiry is this explicit sweep.
 */
export const handler = middy(async () => {
  const { expired } = await expireHolds();
  metrics.addMetric('HoldsExpired', MetricUnit.Count, expired.length);
  if (expired.length) logger.info('holds expired', { count: expired.length });
  return { expired: expired.length };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
