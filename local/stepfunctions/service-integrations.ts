import { randomUUID } from 'node:crypto';
import {
  DeleteItemCommand,
  type DeleteItemCommandInput,
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { InvokeResult } from '../lambda/lambda-service.ts';
import { MAX_PAYLOAD_BYTES, startTimer, type TaskTokenRegistry } from './task-token-registry.ts';

/**
 * A state error as the engine sees it: `name` is the error name Retry/Catch match on, `message` the
 * cause. `isRetryable`/`isCatchable` are read by aws-local-stepfunctions (States.Runtime and
 * States.DataLimitExceeded are terminal on AWS).
 */
export class TaskError extends Error {
  constructor(
    error: string,
    cause: string,
    private readonly flags: { retryable?: boolean; catchable?: boolean } = {},
  ) {
    super(cause);
    this.name = error;
  }
  get isRetryable(): boolean {
    return this.flags.retryable ?? true;
  }
  get isCatchable(): boolean {
    return this.flags.catchable ?? true;
  }
}

function terminal(error: string, cause: string): TaskError {
  return new TaskError(error, cause, { retryable: false, catchable: false });
}

export type IntegrationPattern = 'request-response' | 'waitForTaskToken' | 'sync' | 'sync:2';

export interface IntegrationResource {
  arn: string;
  /** `lambda-function` is a plain Lambda ARN as Resource (the legacy, non-optimised integration). */
  service: 'lambda-function' | 'lambda' | 'dynamodb' | 'events' | 'states';
  action: string;
  pattern: IntegrationPattern;
  /** As in GetExecutionHistory's TaskScheduled event: e.g. `lambda` and `invoke.waitForTaskToken`. */
  resourceType: string;
  resource: string;
}

/** The optimised integrations the local runtime emulates, with the patterns each supports on AWS. */
export const SUPPORTED_INTEGRATIONS: Readonly<
  Record<string, Readonly<Record<string, IntegrationPattern[]>>>
> = {
  lambda: { invoke: ['request-response', 'waitForTaskToken'] },
  dynamodb: {
    getItem: ['request-response'],
    putItem: ['request-response'],
    updateItem: ['request-response'],
    deleteItem: ['request-response'],
  },
  events: { putEvents: ['request-response', 'waitForTaskToken'] },
  states: { startExecution: ['request-response', 'sync', 'sync:2', 'waitForTaskToken'] },
};

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const OPTIMISED_ARN =
  /^arn:aws[a-z-]*:states:::([a-z0-9-]+):([A-Za-z]+)(?:\.(waitForTaskToken|sync(?::2)?))?$/;

/** Maps a Task `Resource` to a local integration; throws (with the supported list) when there is none. */
export function parseResource(arn: string): IntegrationResource {
  if (LAMBDA_ARN.test(arn)) {
    return {
      arn,
      service: 'lambda-function',
      action: 'invoke',
      pattern: 'request-response',
      resourceType: 'lambda',
      resource: arn,
    };
  }
  const m = OPTIMISED_ARN.exec(arn);
  const patterns = m && SUPPORTED_INTEGRATIONS[m[1] ?? '']?.[m[2] ?? ''];
  const pattern = (m?.[3] ?? 'request-response') as IntegrationPattern;
  if (!m || !patterns?.includes(pattern)) {
    const supported = Object.entries(SUPPORTED_INTEGRATIONS).flatMap(([svc, actions]) =>
      Object.entries(actions).map(
        ([action, p]) =>
          `arn:aws:states:::${svc}:${action} (${p.map((x) => (x === 'request-response' ? 'plain' : `.${x}`)).join(', ')})`,
      ),
    );
    throw new Error(
      `resource ${arn} has no local integration. Supported: Lambda function ARNs, ${supported.join('; ')}`,
    );
  }
  const [, service, action] = m as unknown as [string, IntegrationResource['service'], string];
  return {
    arn,
    service,
    action,
    pattern,
    resourceType: service,
    resource: m[3] ? `${action}.${m[3]}` : action,
  };
}

// ---- adapters: the local services, passed in so this folder does not depend on their wiring ----

/** What the runtime needs of local/lambda's LambdaService. */
export interface LambdaInvoker {
  invoke(nameOrArn: string, event: unknown): Promise<InvokeResult>;
}

/** Low-level DynamoDB calls (attribute values as `{ S: … }`), as the optimised integration takes them. */
export interface DynamoDbAdapter {
  getItem(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  putItem(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  updateItem(params: Record<string, unknown>): Promise<Record<string, unknown>>;
  deleteItem(params: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export interface PutEventsRequestEntry {
  Source?: string;
  DetailType?: string;
  /** Always JSON text here (the integration accepts an object in the ASL and serialises it). */
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string;
  TraceHeader?: string;
}

export interface PutEventsResult {
  Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
  FailedEntryCount?: number;
}

export type PutEvents = (entries: PutEventsRequestEntry[]) => Promise<PutEventsResult>;

export interface ChildExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** Nested executions (`states:startExecution`), implemented by the StepFunctionsService itself. */
export interface ChildExecutions {
  start(request: { stateMachineArn: string; name?: string; input: string }): Promise<{
    executionArn: string;
    startDate: Date;
  }>;
  /** Resolves once the execution is no longer RUNNING. */
  wait(executionArn: string): Promise<ChildExecution>;
  stop(executionArn: string, error: string, cause: string): Promise<void>;
}

export interface IntegrationAdapters {
  lambda?: LambdaInvoker;
  dynamodb?: DynamoDbAdapter;
  putEvents?: PutEvents;
  executions?: ChildExecutions;
}

/** A DynamoDbAdapter over an AWS SDK v3 client (e.g. one pointed at DynamoDB Local). */
export function dynamoDbAdapterFromClient(client: DynamoDBClient): DynamoDbAdapter {
  // Step Functions carries binary attributes as base64 text; the SDK wants bytes.
  const out = (result: unknown) => binaryToBase64(result) as Record<string, unknown>;
  return {
    getItem: async (p) =>
      out(await client.send(new GetItemCommand(base64ToBinary(p) as GetItemCommandInput))),
    putItem: async (p) =>
      out(await client.send(new PutItemCommand(base64ToBinary(p) as PutItemCommandInput))),
    updateItem: async (p) =>
      out(await client.send(new UpdateItemCommand(base64ToBinary(p) as UpdateItemCommandInput))),
    deleteItem: async (p) =>
      out(await client.send(new DeleteItemCommand(base64ToBinary(p) as DeleteItemCommandInput))),
  };
}

function base64ToBinary(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(base64ToBinary);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (k === 'B' && typeof v === 'string') return [k, Buffer.from(v, 'base64')];
      if (k === 'BS' && Array.isArray(v))
        return [k, v.map((b) => (typeof b === 'string' ? Buffer.from(b, 'base64') : b))];
      return [k, base64ToBinary(v)];
    }),
  );
}

function binaryToBase64(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(binaryToBase64);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== '$metadata')
      .map(([k, v]) => [k, binaryToBase64(v)]),
  );
}

// ---- running one Task state ----

export interface TaskCall {
  resource: IntegrationResource;
  /** The effective input (after InputPath and Parameters); `$$.Task.Token` appears as the sentinel. */
  input: unknown;
  executionArn: string;
  stateMachineArn: string;
  stateName: string;
  /** As written in the ASL (unscaled); undefined means AWS's default (effectively none). */
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
  tokenSentinel: string;
  /** Aborted when the execution stops. */
  signal: AbortSignal;
  /** `.waitForTaskToken`: called once the call carrying the token went out (the journal keeps it). */
  onSubmitted?: (token: string, startedAt: Date) => void;
  /**
   * `.waitForTaskToken` after a restart: the call already went out with this token, so it is not
   * made again; the task waits on the same token (see execution-journal.ts).
   */
  resumeToken?: { token: string; startedAt: Date };
}

export interface TaskEnvironment {
  region: string;
  timeScale: number;
  tokens: TaskTokenRegistry;
  adapters: IntegrationAdapters;
  /** The engine's own States.Timeout error (Retry/Catch on States.TaskFailed must not match it). */
  timeoutError(): Error;
  /** Appends an event to the execution's history. */
  record(type: string, details: Record<string, unknown>): void;
}

/**
 * Runs one attempt of a Task state against its local integration, recording the task events AWS
 * writes (TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded/TaskFailed/TaskTimedOut, or the
 * LambdaFunction* family for plain Lambda ARNs). Errors are thrown with AWS's error names.
 */
export async function runTask(call: TaskCall, env: TaskEnvironment): Promise<unknown> {
  const { resource } = call;
  const legacy = resource.service === 'lambda-function';
  const ids = legacy ? {} : { resourceType: resource.resourceType, resource: resource.resource };
  let input = call.input;
  let waiter: Promise<unknown> | undefined;
  let token: string | undefined;
  if (resource.pattern === 'waitForTaskToken') {
    ({ token, result: waiter } = env.tokens.issue({
      executionArn: call.executionArn,
      stateName: call.stateName,
      timeoutSeconds: call.timeoutSeconds,
      heartbeatSeconds: call.heartbeatSeconds,
      ...(call.resumeToken && { resume: call.resumeToken }),
    }));
    input = replaceInStrings(input, call.tokenSentinel, token);
  } else if (JSON.stringify(input ?? null).includes(call.tokenSentinel)) {
    throw terminal(
      'States.Runtime',
      `$$.Task.Token is only available in .waitForTaskToken tasks (state ${call.stateName})`,
    );
  }
  const parameters = JSON.stringify(input ?? null);
  if (Buffer.byteLength(parameters) > MAX_PAYLOAD_BYTES) {
    if (token) env.tokens.cancel(token);
    throw terminal(
      'States.DataLimitExceeded',
      `The state input after Parameters exceeds ${MAX_PAYLOAD_BYTES} bytes`,
    );
  }
  const limits = {
    ...(call.timeoutSeconds !== undefined && { timeoutInSeconds: call.timeoutSeconds }),
    ...(call.heartbeatSeconds !== undefined && { heartbeatInSeconds: call.heartbeatSeconds }),
  };
  if (call.resumeToken) {
    // Its TaskScheduled…TaskSubmitted are on record from before the restart.
  } else if (legacy) {
    env.record('LambdaFunctionScheduled', {
      resource: resource.arn,
      input: parameters,
      inputDetails: { truncated: false },
      ...(call.timeoutSeconds !== undefined && { timeoutInSeconds: call.timeoutSeconds }),
    });
    env.record('LambdaFunctionStarted', {});
  } else {
    env.record('TaskScheduled', { ...ids, region: env.region, parameters, ...limits });
    env.record('TaskStarted', ids);
  }

  try {
    let output: unknown;
    if (waiter) {
      // The deadline (or a SendTaskFailure) may come while the call is still in flight; a success
      // that arrives that early (the callee answered at once) waits for the call to return.
      if (!call.resumeToken) {
        const closedEarly = waiter.then(() => new Promise<never>(() => {}));
        const submitted = await Promise.race([dispatch(resource, input, call, env), closedEarly]);
        env.record('TaskSubmitted', {
          ...ids,
          output: JSON.stringify(submitted ?? null),
          outputDetails: { truncated: false },
        });
        if (token) call.onSubmitted?.(token, env.tokens.get(token)?.startedAt ?? new Date());
      }
      output = await waiter;
    } else if (resource.pattern === 'sync' || resource.pattern === 'sync:2') {
      output = await withTimeout(runChildToCompletion(input, call, env, ids), call, env);
    } else {
      output = await withTimeout(dispatch(resource, input, call, env), call, env);
    }
    const text = JSON.stringify(output ?? null);
    if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      throw terminal('States.DataLimitExceeded', `The task result exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    }
    env.record(legacy ? 'LambdaFunctionSucceeded' : 'TaskSucceeded', {
      ...ids,
      output: text,
      outputDetails: { truncated: false },
    });
    return output;
  } catch (caught) {
    if (token) env.tokens.cancel(token);
    const error = caught instanceof Error ? caught : new TaskError('States.TaskFailed', String(caught));
    const timedOut = error.name === 'States.Timeout' || error.name === 'States.HeartbeatTimeout';
    const type = legacy
      ? timedOut
        ? 'LambdaFunctionTimedOut'
        : 'LambdaFunctionFailed'
      : timedOut
        ? 'TaskTimedOut'
        : 'TaskFailed';
    const cause = error.message && error.message !== error.name ? error.message : undefined;
    env.record(type, { ...ids, error: error.name, ...(cause !== undefined && { cause }) });
    throw error;
  }
}

function withTimeout<T>(work: Promise<T>, call: TaskCall, env: TaskEnvironment): Promise<T> {
  if (call.timeoutSeconds === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = startTimer(call.timeoutSeconds! * 1000 * env.timeScale, () => reject(env.timeoutError()));
    work.then(
      (v) => {
        timer.clear();
        resolve(v);
      },
      (e: unknown) => {
        timer.clear();
        reject(e);
      },
    );
  });
}

async function dispatch(
  resource: IntegrationResource,
  input: unknown,
  call: TaskCall,
  env: TaskEnvironment,
): Promise<unknown> {
  switch (resource.service) {
    case 'lambda-function':
      return invokeFunction(env, resource.arn, input);
    case 'lambda':
      return invokeOptimised(env, params(input, call));
    case 'dynamodb': {
      const dynamodb = required(env.adapters.dynamodb, 'DynamoDB', call);
      const action = resource.action as keyof DynamoDbAdapter;
      try {
        return binaryToBase64(await dynamodb[action](params(input, call)));
      } catch (e) {
        throw sdkError('DynamoDB', 'DynamoDb', e);
      }
    }
    case 'events':
      return putEvents(env, params(input, call), call);
    case 'states': {
      const started = await startChild(params(input, call), call, env);
      return { ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() };
    }
  }
}

function params(input: unknown, call: TaskCall): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw terminal(
      'States.Runtime',
      `The parameters of ${call.stateName} (${call.resource.arn}) must be a JSON object`,
    );
  }
  return input as Record<string, unknown>;
}

function required<T>(adapter: T | undefined, service: string, call: TaskCall): T {
  if (!adapter) {
    throw terminal(
      'States.Runtime',
      `No local ${service} adapter was given to the Step Functions runtime (state ${call.stateName})`,
    );
  }
  return adapter;
}

// Error types a Lambda *service* (not function code) reports; Step Functions prefixes them "Lambda.".
const LAMBDA_SERVICE_ERRORS = new Set([
  'ServiceException',
  'TooManyRequestsException',
  'ResourceNotFoundException',
  'ResourceConflictException',
  'ResourceNotReadyException',
  'RequestEntityTooLargeException',
  'RequestTooLargeException',
  'InvalidRequestContentException',
  'InvalidParameterValueException',
  'EC2ThrottledException',
  'AWSLambdaException',
  'SdkClientException',
]);

async function invokeFunction(
  env: TaskEnvironment,
  functionName: string,
  payload: unknown,
): Promise<unknown> {
  const lambda = env.adapters.lambda;
  if (!lambda)
    throw terminal('States.Runtime', 'No local Lambda service was given to the Step Functions runtime');
  let result: InvokeResult;
  try {
    result = await lambda.invoke(functionName, payload);
  } catch (e) {
    // LambdaService throws for service-side failures ("ResourceNotFoundException: …", closed, init).
    const message = e instanceof Error ? e.message : String(e);
    const m = /^(\w+Exception): (.*)$/s.exec(message);
    const code = m?.[1] ?? 'ServiceException';
    throw lambdaServiceError(code, m?.[2] ?? message);
  }
  if (result.ok) return result.payload;
  const { errorType, errorMessage, trace } = result.error;
  if (LAMBDA_SERVICE_ERRORS.has(errorType)) throw lambdaServiceError(errorType, errorMessage);
  // A function error: its errorType is the state error; the cause is the error payload, as JSON.
  throw new TaskError(errorType, JSON.stringify({ errorType, errorMessage, trace }));
}

function lambdaServiceError(code: string, message: string): TaskError {
  const status =
    code === 'ResourceNotFoundException'
      ? 404
      : code === 'TooManyRequestsException'
        ? 429
        : code === 'ServiceException'
          ? 500
          : 400;
  return new TaskError(
    `Lambda.${code}`,
    `${message} (Service: AWSLambda; Status Code: ${status}; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

async function invokeOptimised(env: TaskEnvironment, p: Record<string, unknown>): Promise<unknown> {
  if (typeof p.FunctionName !== 'string') {
    throw lambdaServiceError('InvalidParameterValueException', 'FunctionName is required');
  }
  // "name:alias" addresses the same local function; qualified ARNs are resolved by LambdaService.
  const qualifier = typeof p.Qualifier === 'string' ? p.Qualifier : undefined;
  const fn = p.FunctionName.startsWith('arn:')
    ? p.FunctionName
    : (p.FunctionName.split(':')[0] ?? p.FunctionName);
  const executedVersion =
    qualifier ??
    (p.FunctionName.startsWith('arn:') ? p.FunctionName.split(':')[7] : p.FunctionName.split(':')[1]) ??
    '$LATEST';
  const payload = 'Payload' in p ? p.Payload : {};
  const invocationType = p.InvocationType ?? 'RequestResponse';
  if (invocationType === 'Event') {
    // Asynchronous invocation: Lambda accepts it and the function's outcome is not the task's.
    void invokeFunction(env, fn, payload).catch(() => {});
    return { Payload: '', StatusCode: 202 };
  }
  if (invocationType !== 'RequestResponse') {
    throw lambdaServiceError(
      'InvalidParameterValueException',
      `InvocationType ${String(invocationType)} is not supported locally`,
    );
  }
  const result = await invokeFunction(env, fn, payload);
  return { ExecutedVersion: executedVersion, Payload: result, StatusCode: 200 };
}

function sdkError(prefix: string, service: string, e: unknown): TaskError {
  const name = e instanceof Error && e.name !== 'Error' ? e.name : `Amazon${service}Exception`;
  const message = e instanceof Error ? e.message : String(e);
  const meta =
    typeof e === 'object' &&
    e !== null &&
    '$metadata' in e &&
    typeof e.$metadata === 'object' &&
    e.$metadata !== null
      ? (e.$metadata as { httpStatusCode?: number; requestId?: string })
      : {};
  return new TaskError(
    `${prefix}.${name}`,
    `${message} (Service: ${service}, Status Code: ${meta.httpStatusCode ?? 400}, Request ID: ${meta.requestId ?? randomUUID()})`,
  );
}

async function putEvents(env: TaskEnvironment, p: Record<string, unknown>, call: TaskCall): Promise<unknown> {
  const send = required(env.adapters.putEvents, 'EventBridge', call);
  if (!Array.isArray(p.Entries))
    throw terminal('States.Runtime', `putEvents in ${call.stateName} needs an Entries array`);
  const entries = p.Entries.map((raw: unknown): PutEventsRequestEntry => {
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const entry: PutEventsRequestEntry = {};
    if (typeof e.Source === 'string') entry.Source = e.Source;
    if (typeof e.DetailType === 'string') entry.DetailType = e.DetailType;
    if (e.Detail !== undefined)
      entry.Detail = typeof e.Detail === 'string' ? e.Detail : JSON.stringify(e.Detail);
    if (typeof e.EventBusName === 'string') entry.EventBusName = e.EventBusName;
    if (typeof e.Time === 'string') entry.Time = e.Time;
    if (typeof e.TraceHeader === 'string') entry.TraceHeader = e.TraceHeader;
    // The optimised integration appends the execution and state machine ARNs to every entry.
    const resources = Array.isArray(e.Resources) ? e.Resources.map(String) : [];
    entry.Resources = [...resources, call.stateMachineArn, call.executionArn];
    return entry;
  });
  let result: PutEventsResult;
  try {
    result = await send(entries);
  } catch (e) {
    throw sdkError('EventBridge', 'EventBridge', e);
  }
  if ((result.FailedEntryCount ?? 0) > 0)
    throw new TaskError('EventBridge.FailedEntry', JSON.stringify(result));
  return { Entries: result.Entries ?? [], FailedEntryCount: result.FailedEntryCount ?? 0 };
}

async function startChild(p: Record<string, unknown>, call: TaskCall, env: TaskEnvironment) {
  const executions = required(env.adapters.executions, 'Step Functions', call);
  if (typeof p.StateMachineArn !== 'string') {
    throw new TaskError('StepFunctions.InvalidArnException', 'StateMachineArn is required');
  }
  const input =
    p.Input === undefined ? '{}' : typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input);
  try {
    return await executions.start({
      stateMachineArn: p.StateMachineArn,
      input,
      ...(typeof p.Name === 'string' && { name: p.Name }),
    });
  } catch (e) {
    const code = e instanceof Error && e.name !== 'Error' ? e.name : 'AWSStepFunctions';
    throw new TaskError(
      `StepFunctions.${code.endsWith('Exception') ? code : `${code}Exception`}`,
      e instanceof Error ? e.message : String(e),
    );
  }
}

async function runChildToCompletion(
  input: unknown,
  call: TaskCall,
  env: TaskEnvironment,
  ids: Record<string, unknown>,
): Promise<unknown> {
  const executions = required(env.adapters.executions, 'Step Functions', call);
  const started = await startChild(params(input, call), call, env);
  env.record('TaskSubmitted', {
    ...ids,
    output: JSON.stringify({ ExecutionArn: started.executionArn, StartDate: started.startDate.getTime() }),
    outputDetails: { truncated: false },
  });
  // Stopping the parent stops a .sync child (best effort on AWS too).
  const onAbort = () =>
    void executions
      .stop(started.executionArn, 'States.Aborted', 'The parent execution was stopped')
      .catch(() => {});
  call.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const done = await executions.wait(started.executionArn);
    // .sync:2 returns Input/Output as JSON; .sync as text.
    const parse = call.resource.pattern === 'sync:2';
    const description: Record<string, unknown> = {
      ExecutionArn: done.executionArn,
      Input: parse ? JSON.parse(done.input) : done.input,
      InputDetails: { Included: true },
      Name: done.name,
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      StartDate: done.startDate.getTime(),
      StateMachineArn: done.stateMachineArn,
      Status: done.status,
      ...(done.stopDate && { StopDate: done.stopDate.getTime() }),
    };
    if (done.status !== 'SUCCEEDED') {
      if (done.error !== undefined) description.Error = done.error;
      if (done.cause !== undefined) description.Cause = done.cause;
      throw new TaskError('States.TaskFailed', JSON.stringify(description));
    }
    description.Output = parse ? JSON.parse(done.output ?? 'null') : done.output;
    description.OutputDetails = { Included: true };
    return description;
  } finally {
    call.signal.removeEventListener('abort', onAbort);
  }
}

function replaceInStrings(value: unknown, search: string, replacement: string): unknown {
  if (typeof value === 'string') return value.split(search).join(replacement);
  if (Array.isArray(value)) return value.map((v) => replaceInStrings(v, search, replacement));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, replaceInStrings(v, search, replacement)]),
  );
}
