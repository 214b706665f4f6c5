import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type {
  WorkflowExecutionStatus,
  WorkflowExecutions,
  WorkflowHistoryEvent,
  WorkflowStateMachine,
} from '../../ports/workflow-executions.ts';

/** Events beyond this are not read (Standard executions have at most 25,000). */
const MAX_HISTORY_EVENTS = 25_000;

/**
 * Workflow executions on Step Functions, of the given state machines only (this stack's: the
 * function's role allows no others).
 */
export function makeSfnWorkflowExecutions(
  client: SFNClient,
  options: { stateMachines: WorkflowStateMachine[] },
): WorkflowExecutions {
  return {
    async stateMachines() {
      return options.stateMachines;
    },

    async list(query) {
      const page = await client.send(
        new ListExecutionsCommand({
          stateMachineArn: query.stateMachineArn,
          maxResults: query.limit,
          ...(query.status && { statusFilter: query.status }),
          ...(query.token && { nextToken: query.token }),
        }),
      );
      return {
        items: (page.executions ?? []).map((e) => ({
          executionArn: e.executionArn ?? '',
          stateMachineArn: e.stateMachineArn ?? query.stateMachineArn,
          name: e.name ?? '',
          status: (e.status ?? 'RUNNING') as WorkflowExecutionStatus,
          startDate: e.startDate ?? new Date(0),
          ...(e.stopDate && { stopDate: e.stopDate }),
        })),
        ...(page.nextToken && { token: page.nextToken }),
      };
    },

    async describe(executionArn) {
      try {
        const e = await client.send(new DescribeExecutionCommand({ executionArn }));
        return {
          executionArn: e.executionArn ?? executionArn,
          stateMachineArn: e.stateMachineArn ?? '',
          name: e.name ?? '',
          status: (e.status ?? 'RUNNING') as WorkflowExecutionStatus,
          startDate: e.startDate ?? new Date(0),
          ...(e.stopDate && { stopDate: e.stopDate }),
          ...(e.input !== undefined && { input: e.input }),
          ...(e.output !== undefined && { output: e.output }),
          ...(e.error !== undefined && { error: e.error }),
          ...(e.cause !== undefined && { cause: e.cause }),
        };
      } catch (e) {
        if (e instanceof ExecutionDoesNotExist || e instanceof InvalidArn) return undefined;
        throw e;
      }
    },

    async history(executionArn) {
      const events: WorkflowHistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            nextToken,
            includeExecutionData: true,
          }),
        );
        events.push(...(page.events ?? []).map(historyEvent));
        nextToken = page.nextToken;
      } while (nextToken && events.length < MAX_HISTORY_EVENTS);
      return events;
    },
  };
}

/** The SDK's event, with its one `…EventDetails` member as `details`. */
function historyEvent(e: HistoryEvent): WorkflowHistoryEvent {
  const { id, previousEventId, type, timestamp, ...rest } = e;
  const details = Object.entries(rest).find(([key, value]) => key.endsWith('EventDetails') && value)?.[1];
  return {
    id: id ?? 0,
    ...(previousEventId !== undefined && { previousEventId }),
    type: type ?? 'Unknown',
    timestamp: timestamp ?? new Date(0),
    ...(details && { details: details as Record<string, unknown> }),
  };
}
