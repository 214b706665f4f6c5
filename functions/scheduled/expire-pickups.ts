import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { makeDynamoShipmentRepository } from '../../shared/adapters/aws/dynamo-shipment-repository.ts';
import { makeExpirePickups } from '../../shared/usecases/expire-pickups.ts';
import { documents } from '../commons/clients.ts';
import { config } from '../commons/config.ts';
import { inventory } from '../commons/inventory.ts';
import { clock, ids, orders } from '../commons/orders.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';

const shipments = makeDynamoShipmentRepository(documents, { tableName: config.tableName });
const expirePickups = makeExpirePickups({ shipments, orders, inventory, clock, ids });

/**
 * On a schedule: pickups READY_FOR_PICKUP past their pickupBy are cancelled as not-collected, their
 * units go back to the store's stock and a refund is requested (shared/usecases/expire-pickups.ts).
 * Read from the sparse GSI4 partition of pickups due, never a table scan.
 */
export const handler = middy(async () => {
  const { expired } = await expirePickups();
  const notCollected = expired.filter((e) => e.outcome === 'not-collected');
  metrics.addMetric('PickupsNotCollected', MetricUnit.Count, notCollected.length);
  if (expired.length) logger.info('pickups due', { expired });
  return {
    notCollected: notCollected.length,
    collected: expired.filter((e) => e.outcome === 'collected').length,
  };
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
