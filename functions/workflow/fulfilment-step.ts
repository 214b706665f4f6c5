import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { type FulfilmentSteps, makeFulfilmentSteps } from '../../shared/usecases/fulfilment-steps.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { clock, ids, orders } from '../commons/orders.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { engine, fulfilmentPolicy, shipments } from './commons.ts';

const steps = makeFulfilmentSteps({
  orders,
  inventory,
  locations,
  shipments,
  clock,
  ids,
  policy: fulfilmentPolicy,
  engine,
});

type StepName = keyof FulfilmentSteps;
const STEPS = Object.keys(steps) as StepName[];

/**
 * The Task states of the fulfilment workflow, one step per call (`{"step": "allocate", ...}`).
 * Errors keep their names (OrderCancelled, TransientError, ShipmentRejected...), which is what the
 * state machine's Retry and Catch rules match on. Task tokens are never logged.
 */
export const handler = middy(async (event: { step?: string } & Record<string, unknown>) => {
  const step = event.step as StepName;
  if (!STEPS.includes(step)) throw new Error(`Unknown fulfilment step ${String(event.step)}`);
  logger.appendKeys({ step, orderId: event.orderId });
  const run = steps[step] as (input: unknown) => Promise<unknown>;
  const result = await run(event);
  logger.info('fulfilment step done', { step });
  return result;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
