/** Step Functions execution statuses, as the service reports them. */
export const EXECUTION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
] as const;
export type WorkflowExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export interface WorkflowStateMachine {
  arn: string;
  name: string;
}

export interface WorkflowExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: WorkflowExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

export interface WorkflowExecutionDescription extends WorkflowExecutionSummary {
  /** JSON text, as Step Functions returns it. */
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** One history event: its `<type>EventDetails` object flattened into `details`. */
export interface WorkflowHistoryEvent {
  id: number;
  previousEventId?: number;
  type: string;
  timestamp: Date;
  details?: Record<string, unknown>;
}

/**
 * Read access to the workflow executions of this deployment (Step Functions on AWS, the embedded
 * engine locally through the same API). Only the stack's own state machines are visible.
 */
export interface WorkflowExecutions {
  stateMachines(): Promise<WorkflowStateMachine[]>;
  list(query: {
    stateMachineArn: string;
    status?: WorkflowExecutionStatus;
    limit: number;
    token?: string;
  }): Promise<{ items: WorkflowExecutionSummary[]; token?: string }>;
  /** Undefined when there is no such execution. */
  describe(executionArn: string): Promise<WorkflowExecutionDescription | undefined>;
  /** Every event, oldest first. */
  history(executionArn: string): Promise<WorkflowHistoryEvent[]>;
}
