import { OrderIdSchema } from '../domain/order.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';

/**
 * Starts the fulfilment workflow of a new order, named by the order id: Step Functions refuses a
 * second execution of that name, so a duplicate (or replayed) OrderCreated starts nothing.
 */
export function makeStartFulfilment(deps: { engine: WorkflowEngine }) {
  return async function startFulfilment(event: {
    orderId?: string;
    correlationId?: string;
  }): Promise<{ orderId: string; outcome: 'started' | 'already-exists' }> {
    const orderId = OrderIdSchema.parse(event.orderId);
    const outcome = await deps.engine.startFulfilment({
      name: orderId,
      input: {
        orderId,
        correlationId: event.correlationId ?? orderId,
        loop: { round: 1, resourceAttempts: 0, excludedLocationIds: [] },
      },
    });
    return { orderId, outcome };
  };
}
