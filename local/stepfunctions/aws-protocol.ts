import { StepFunctionsError, type StepFunctionsService } from './step-functions-service.ts';
import { TaskTokenError } from './task-token-registry.ts';

/** The `x-amz-target` prefix of the Step Functions API (AWS JSON 1.0 protocol). */
export const STEP_FUNCTIONS_TARGET_PREFIX = 'AWSStepFunctions.';

export interface AwsJsonResponse {
  status: number;
  body: unknown;
  /** The protocol's content type (`application/x-amz-json-1.0` for Step Functions). */
  contentType: string;
}

const CONTENT_TYPE = 'application/x-amz-json-1.0';
const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/** Operations this local endpoint serves; anything else is an UnknownOperationException. */
export const LOCAL_STEP_FUNCTIONS_OPERATIONS = [
  'StartExecution',
  'DescribeExecution',
  'StopExecution',
  'ListExecutions',
  'GetExecutionHistory',
  'SendTaskSuccess',
  'SendTaskFailure',
  'SendTaskHeartbeat',
  'ListStateMachines',
  'DescribeStateMachine',
] as const;

/**
 * Serves one Step Functions API call (the JSON body of an `AWSStepFunctions.<Operation>` request), so
 * handler code using `@aws-sdk/client-sfn` with `AWS_ENDPOINT_URL_SFN` reaches the local service
 * unchanged. Errors are AWS-shaped (`__type` is the error code the SDK turns into its exception class);
 * timestamps are epoch seconds, as the protocol carries them.
 */
export async function handleStepFunctionsCall(
  service: StepFunctionsService,
  target: string,
  body: Record<string, unknown>,
  startedAt: Date,
): Promise<AwsJsonResponse> {
  const operation = target.slice(STEP_FUNCTIONS_TARGET_PREFIX.length);
  try {
    const result = await dispatch(service, operation, body, startedAt);
    return { status: 200, body: toWire(result), contentType: CONTENT_TYPE };
  } catch (e) {
    const error = e as Error;
    const known = e instanceof StepFunctionsError || e instanceof TaskTokenError;
    return {
      status: known || error.name === 'ValidationException' ? 400 : 500,
      body: {
        __type: known || error.name === 'ValidationException' ? error.name : 'InternalFailure',
        message: error.message,
      },
      contentType: CONTENT_TYPE,
    };
  }
}

function validation(message: string): Error {
  const e = new Error(message);
  e.name = 'ValidationException';
  return e;
}

function str(body: Record<string, unknown>, field: string, required: true): string;
function str(body: Record<string, unknown>, field: string, required?: false): string | undefined;
function str(body: Record<string, unknown>, field: string, required = false): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required)
      throw validation(
        `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof value !== 'string') throw validation(`${field} must be a string`);
  return value;
}

function num(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000)
    throw validation(`${field} must be an integer between 0 and 1000`);
  return value;
}

async function dispatch(
  service: StepFunctionsService,
  operation: string,
  body: Record<string, unknown>,
  startedAt: Date,
): Promise<unknown> {
  switch (operation) {
    case 'StartExecution': {
      const name = str(body, 'name');
      const input = str(body, 'input');
      return service.startExecution({
        stateMachineArn: str(body, 'stateMachineArn', true),
        ...(name !== undefined && { name }),
        ...(input !== undefined && { input }),
      });
    }
    case 'DescribeExecution':
      return service.describeExecution({ executionArn: str(body, 'executionArn', true) });
    case 'StopExecution': {
      const error = str(body, 'error');
      const cause = str(body, 'cause');
      return service.stopExecution({
        executionArn: str(body, 'executionArn', true),
        ...(error !== undefined && { error }),
        ...(cause !== undefined && { cause }),
      });
    }
    case 'ListExecutions': {
      const statusFilter = str(body, 'statusFilter');
      if (statusFilter !== undefined && !EXECUTION_STATUSES.includes(statusFilter))
        throw validation(`statusFilter must be one of ${EXECUTION_STATUSES.join(', ')}`);
      if (body.mapRunArn !== undefined || body.redriveFilter !== undefined)
        throw validation('mapRunArn and redriveFilter are not supported locally');
      const maxResults = num(body, 'maxResults');
      const nextToken = str(body, 'nextToken');
      if (statusFilter === 'PENDING_REDRIVE') return { executions: [] };
      return service.listExecutions({
        stateMachineArn: str(body, 'stateMachineArn', true),
        ...(statusFilter !== undefined && {
          statusFilter: statusFilter as 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED',
        }),
        ...(maxResults !== undefined && { maxResults }),
        ...(nextToken !== undefined && { nextToken }),
      });
    }
    case 'GetExecutionHistory': {
      const maxResults = num(body, 'maxResults');
      const nextToken = str(body, 'nextToken');
      return service.getExecutionHistory({
        executionArn: str(body, 'executionArn', true),
        ...(maxResults !== undefined && { maxResults }),
        ...(nextToken !== undefined && { nextToken }),
        ...(typeof body.reverseOrder === 'boolean' && { reverseOrder: body.reverseOrder }),
        ...(typeof body.includeExecutionData === 'boolean' && {
          includeExecutionData: body.includeExecutionData,
        }),
      });
    }
    case 'SendTaskSuccess':
      return service.sendTaskSuccess({
        taskToken: str(body, 'taskToken', true),
        output: str(body, 'output', true),
      });
    case 'SendTaskFailure': {
      const error = str(body, 'error');
      const cause = str(body, 'cause');
      return service.sendTaskFailure({
        taskToken: str(body, 'taskToken', true),
        ...(error !== undefined && { error }),
        ...(cause !== undefined && { cause }),
      });
    }
    case 'SendTaskHeartbeat':
      return service.sendTaskHeartbeat({ taskToken: str(body, 'taskToken', true) });
    case 'ListStateMachines': {
      const all = service.listStateMachines().map((m) => ({ ...m, creationDate: startedAt }));
      const maxResults = num(body, 'maxResults') || 100;
      const nextToken = str(body, 'nextToken');
      const start = nextToken === undefined ? 0 : Number(Buffer.from(nextToken, 'base64url').toString());
      if (!Number.isInteger(start) || start < 0)
        throw new StepFunctionsError('InvalidToken', 'Invalid nextToken');
      const page = all.slice(start, start + maxResults);
      return {
        stateMachines: page,
        ...(start + maxResults < all.length && {
          nextToken: Buffer.from(String(start + maxResults)).toString('base64url'),
        }),
      };
    }
    case 'DescribeStateMachine': {
      const arn = str(body, 'stateMachineArn', true);
      const machine = service.stateMachine(arn);
      if (!machine)
        throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
      return {
        stateMachineArn: machine.arn,
        name: machine.name,
        status: 'ACTIVE',
        definition: JSON.stringify(machine.definition),
        roleArn: machine.roleArn,
        type: machine.type,
        creationDate: startedAt,
        ...(machine.logging && {
          loggingConfiguration: {
            level: machine.logging.level,
            includeExecutionData: machine.logging.includeExecutionData,
            destinations: machine.logging.destinations.map((logGroupArn) => ({
              cloudWatchLogsLogGroup: { logGroupArn },
            })),
          },
        }),
        tracingConfiguration: { enabled: machine.tracingEnabled },
      };
    }
    default: {
      const e = new StepFunctionsError(
        'UnknownOperationException',
        `AWSStepFunctions.${operation} is not emulated locally (served: ${LOCAL_STEP_FUNCTIONS_OPERATIONS.join(', ')})`,
      );
      throw e;
    }
  }
}

/** Dates become epoch seconds (the AWS JSON protocol's timestamp format); everything else as is. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  return value;
}
