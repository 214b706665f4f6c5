import { SFNClient } from '@aws-sdk/client-sfn';
import { makeSfnWorkflowExecutions } from '../../shared/adapters/aws/sfn-workflow-executions.ts';
import type { WorkflowStateMachine } from '../../shared/ports/workflow-executions.ts';
import { tracer } from '../commons/powertools.ts';

/** `[{ name, arn }]` of the stack's state machines, set by infra/constructs/ops-api.ts. */
function stateMachines(): WorkflowStateMachine[] {
  const value = process.env.STATE_MACHINES;
  if (value === undefined) throw new Error('Environment variable STATE_MACHINES is not set');
  return JSON.parse(value) as WorkflowStateMachine[];
}

/**
 * The stack's workflow executions, read through Step Functions (AWS_ENDPOINT_URL_SFN points the
 * client at the embedded engine in the local runtime). Created once per execution environment.
 */
export const executions = makeSfnWorkflowExecutions(
  tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 5 })),
  { stateMachines: stateMachines() },
);
