import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { FulfilmentRun, TaskSignalOutcome, WorkflowEngine } from '../../ports/workflow-engine.ts';

/** The task is no longer waiting: timed out, already completed, or the execution ended. */
const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

async function signal(send: () => Promise<unknown>): Promise<TaskSignalOutcome> {
  try {
    await send();
    return 'sent';
  } catch (error) {
    if (error instanceof Error && GONE.has(error.name)) return 'gone';
    throw error;
  }
}

/**
 * The fulfilment workflow on Step Functions (AWS_ENDPOINT_URL_SFN points the client at the local
 * runtime). Task tokens go to the service only; they never appear in a response or a log line.
 */
export function makeStepFunctionsEngine(options: {
  stateMachineArn: () => string;
  /** Defaults to a client with the SDK's standard settings (region, credentials, AWS_ENDPOINT_URL_SFN). */
  client?: SFNClient;
}): WorkflowEngine {
  const client = options.client ?? new SFNClient({ maxAttempts: 5 });
  return {
    async startFulfilment({ name, input }) {
      try {
        await client.send(
          new StartExecutionCommand({
            stateMachineArn: options.stateMachineArn(),
            name,
            input: JSON.stringify(input),
          }),
        );
        return 'started';
      } catch (error) {
        // Execution names are unique per state machine (90 days): a duplicate OrderCreated lands here.
        if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return 'already-exists';
        throw error;
      }
    },
    sendTaskSuccess: (taskToken, output) =>
      signal(() => client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }))),
    sendTaskFailure: (taskToken, error, cause) =>
      signal(() =>
        client.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32_000) })),
      ),
    sendTaskHeartbeat: (taskToken) => signal(() => client.send(new SendTaskHeartbeatCommand({ taskToken }))),
    async describeFulfilment(name) {
      const executionArn = `${options.stateMachineArn().replace(':stateMachine:', ':execution:')}:${name}`;
      try {
        const d = await client.send(new DescribeExecutionCommand({ executionArn }));
        return {
          name,
          status: (d.status ?? 'RUNNING') as FulfilmentRun['status'],
          startDate: d.startDate ?? new Date(0),
          ...(d.stopDate && { stopDate: d.stopDate }),
          ...(d.error !== undefined && { error: d.error }),
          ...(d.cause !== undefined && { cause: d.cause }),
        };
      } catch (error) {
        if (error instanceof Error && error.name === 'ExecutionDoesNotExist') return undefined;
        throw error;
      }
    },
  };
}
