/** The workflow engine (Step Functions) as the use cases need it. */
export interface WorkflowEngine {
  /** Starts the fulfilment run of an order; `already-running` when an execution with that name exists. */
  startFulfilment(input: { name: string; input: unknown }): Promise<'started' | 'already-exists'>;
  sendTaskSuccess(taskToken: string, output: unknown): Promise<TaskSignalOutcome>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<TaskSignalOutcome>;
  sendTaskHeartbeat(taskToken: string): Promise<TaskSignalOutcome>;
  /** The fulfilment execution of this name (DescribeExecution); undefined when there is none. */
  describeFulfilment?(name: string): Promise<FulfilmentRun | undefined>;
}

export interface FulfilmentRun {
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  startDate: Date;
  stopDate?: Date;
  error?: string;
  cause?: string;
}

/** `gone`: the task no longer waits (TaskTimedOut / TaskDoesNotExist / InvalidToken): nothing to signal. */
export type TaskSignalOutcome = 'sent' | 'gone';
