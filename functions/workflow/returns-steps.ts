import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { makeAdjustInventory } from '../../shared/usecases/adjust-inventory.ts';
import {
  makeReturnWorkflowSteps,
  RETURN_STEP_ACTIONS,
  type ReturnStepAction,
  type ReturnStepInput,
} from '../../shared/usecases/return-workflow.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { clock, ids, orders } from '../commons/orders.ts';
import { logger, metrics, tracer } from '../commons/powertools.ts';
import { returns, returnsEngine } from './returns-ports.ts';

const steps = makeReturnWorkflowSteps({
  returns,
  orders,
  adjustInventory: makeAdjustInventory({ inventory, locations, clock, ids }),
  engine: returnsEngine,
  clock,
  ids,
});

/**
 * The Task states of the returns state machine: `{ action, rmaId, taskToken? }`. Errors keep their
 * `name` (ReturnStateError, TransientError, …), which the state machine's Retry/Catch match on.
 */
export async function returnsStep(event: ReturnStepInput & { action: ReturnStepAction }): Promise<unknown> {
  if (!RETURN_STEP_ACTIONS.includes(event.action)) throw new Error(`unknown returns step ${event.action}`);
  logger.appendKeys({ rmaId: event.rmaId, step: event.action });
  return steps[event.action](event);
}

export const handler = middy(returnsStep)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer))
  .use(logMetrics(metrics));
