import { randomUUID } from 'node:crypto';
import { setImmediate as afterPendingEvents } from 'node:timers/promises';
import {
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import {
  type AslObject,
  compileForEngine,
  EMULATED_RESOURCE,
  type EngineProgram,
  evaluateReferencePath,
  ROOT_EXECUTION_CONTEXT_KEY,
  type StateInfo,
} from './engine-definition.ts';
import {
  type ExecutionRecord,
  type ExecutionStatus,
  ExecutionStore,
  type HistoryEvent,
  HistoryRecorder,
  normaliseFailure,
} from './execution-store.ts';
import {
  type ChildExecution,
  type ChildExecutions,
  type DynamoDbAdapter,
  type IntegrationAdapters,
  type LambdaInvoker,
  type PutEvents,
  parseResource,
  runTask,
  type TaskEnvironment,
  TaskError,
} from './service-integrations.ts';
import { checkDefinition, type LocalStateMachine } from './state-machines-from-template.ts';
import { MAX_PAYLOAD_BYTES, startTimer, TaskTokenRegistry } from './task-token-registry.ts';

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type EngineJson = Parameters<TaskHandlers[string]>[0];

/** An API error of the Step Functions service; `name` is the AWS error code. */
export class StepFunctionsError extends Error {
  constructor(code: string, message: string) {
    super(message);
    this.name = code;
  }
}

export interface StepFunctionsServiceOptions {
  region: string;
  accountId: string;
  lambda?: LambdaInvoker;
  dynamodb?: DynamoDbAdapter;
  putEvents?: PutEvents;
  /** Multiplies Wait durations, task TimeoutSeconds/HeartbeatSeconds and execution timeouts. */
  timeScale?: number;
  /** Multiplies Retry IntervalSeconds/MaxDelaySeconds (BackoffRate still applies). Defaults to timeScale. */
  retryIntervalScale?: number;
  /** Where executions live; pass one with a directory to keep them across restarts. */
  store?: ExecutionStore;
  /** Clock for the 90-day execution-name rule. */
  now?: () => Date;
}

export interface DescribeExecutionOutput {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  inputDetails: { included: boolean };
  output?: string;
  outputDetails?: { included: boolean };
  error?: string;
  cause?: string;
}

/** Execution names stay taken this long (AWS keeps Standard execution history 90 days). */
const NAME_REUSE_MS = 90 * 24 * 60 * 60 * 1000;
/** AWS's default for EXPRESS state machines without TimeoutSeconds (their maximum duration). */
const EXPRESS_TIMEOUT_SECONDS = 300;

interface Registered {
  machine: LocalStateMachine;
  program: EngineProgram;
  engine: StateMachine;
}

interface Running {
  stop: () => void;
  done: Promise<void>;
}

/**
 * The Step Functions API over aws-local-stepfunctions, running the same ASL CloudFormation deploys.
 * The engine runs the states; this service adds what it lacks: executions with names and ARNs
 * (with AWS's name rules), the service integrations, task tokens with timeouts and heartbeats, a
 * scaled clock, and an AWS-shaped execution history. What it cannot emulate is refused when the state
 * machine is registered or listed in `warnings` (see also each machine's own warnings).
 */
export class StepFunctionsService {
  readonly executions: ExecutionStore;
  readonly tokens: TaskTokenRegistry;
  readonly warnings: string[] = [];
  private readonly machines = new Map<string, Registered>();
  private readonly running = new Map<string, Running>();
  private readonly timeScale: number;
  private readonly retryIntervalScale: number;
  private readonly adapters: IntegrationAdapters;
  private readonly now: () => Date;
  private timeoutError?: () => Error;

  constructor(
    stateMachines: LocalStateMachine[],
    private readonly options: StepFunctionsServiceOptions,
  ) {
    this.timeScale = options.timeScale ?? 1;
    this.retryIntervalScale = options.retryIntervalScale ?? this.timeScale;
    this.now = options.now ?? (() => new Date());
    this.executions = options.store ?? new ExecutionStore();
    this.warnings.push(...this.executions.warnings);
    this.adapters = {
      ...(options.lambda && { lambda: options.lambda }),
      ...(options.dynamodb && { dynamodb: options.dynamodb }),
      ...(options.putEvents && { putEvents: options.putEvents }),
    };
    this.tokens = new TaskTokenRegistry({
      timeScale: this.timeScale,
      makeError: (error, cause) =>
        error === 'States.Timeout' && this.timeoutError
          ? this.timeoutError()
          : new TaskError(error, cause ?? ''),
    });
    for (const machine of stateMachines) this.registerStateMachine(machine);
  }

  registerStateMachine(machine: LocalStateMachine): void {
    // Checked again here so a hand-built LocalStateMachine cannot slip past the refusals.
    const checked = checkDefinition(machine.definition, machine);
    const timeout = machine.definition.TimeoutSeconds;
    const program = compileForEngine(machine.definition, {
      timeScale: this.timeScale,
      retryIntervalScale: this.retryIntervalScale,
      executionTimeoutSeconds:
        typeof timeout === 'number'
          ? timeout
          : machine.type === 'EXPRESS'
            ? EXPRESS_TIMEOUT_SECONDS
            : undefined,
    });
    // Definitions were validated against the real ASL; the rewritten one uses local-only fields.
    const engine = new StateMachine(program.definition as unknown as StateMachineDefinition, {
      validationOptions: { noValidate: true },
    });
    this.machines.set(machine.arn, { machine, program, engine });
    const warnings = new Set([...machine.warnings, ...checked, ...program.warnings]);
    this.warnings.push(...[...warnings].map((w) => `${machine.name}: ${w}`));
  }

  /** A registered state machine by ARN (DescribeStateMachine). */
  stateMachine(arn: string): LocalStateMachine | undefined {
    return this.machines.get(arn)?.machine;
  }

  listStateMachines(): { stateMachineArn: string; name: string; type: string }[] {
    return [...this.machines.values()].map(({ machine }) => ({
      stateMachineArn: machine.arn,
      name: machine.name,
      type: machine.type,
    }));
  }

  async startExecution(request: {
    stateMachineArn: string;
    name?: string;
    input?: string;
  }): Promise<{ executionArn: string; startDate: Date }> {
    const record = await this.start(request);
    return { executionArn: record.executionArn, startDate: record.startDate };
  }

  /** EXPRESS only: runs the execution and returns its outcome. */
  async startSyncExecution(request: { stateMachineArn: string; name?: string; input?: string }) {
    const registered = this.machines.get(request.stateMachineArn);
    if (registered && registered.machine.type !== 'EXPRESS') {
      throw new StepFunctionsError(
        'StateMachineTypeNotSupported',
        'StartSyncExecution is only supported for EXPRESS state machines',
      );
    }
    const started = await this.start(request);
    const done = await this.waitForExecution(started.executionArn);
    return {
      ...describe(done),
      ...(done.stopDate && { stopDate: done.stopDate }),
      status: done.status as 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT',
    };
  }

  async describeExecution(request: { executionArn: string }): Promise<DescribeExecutionOutput> {
    return describe(this.standardRecord(request.executionArn, 'DescribeExecution'));
  }

  async stopExecution(request: {
    executionArn: string;
    error?: string;
    cause?: string;
  }): Promise<{ stopDate: Date }> {
    const record = this.standardRecord(request.executionArn, 'StopExecution');
    this.stop(record.executionArn, request.error, request.cause);
    return { stopDate: this.executions.get(record.executionArn)?.stopDate ?? this.now() };
  }

  async listExecutions(request: {
    stateMachineArn: string;
    statusFilter?: ExecutionStatus;
    maxResults?: number;
    nextToken?: string;
  }) {
    const registered = this.machines.get(request.stateMachineArn);
    if (!registered) {
      throw new StepFunctionsError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    if (registered.machine.type === 'EXPRESS') {
      throw new StepFunctionsError(
        'StateMachineTypeNotSupported',
        'ListExecutions is not supported by EXPRESS state machines',
      );
    }
    const all = this.executions.list({
      stateMachineArn: request.stateMachineArn,
      status: request.statusFilter,
    });
    const { items, nextToken } = page(all, request.maxResults, request.nextToken);
    return {
      executions: items.map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: r.startDate,
        ...(r.stopDate && { stopDate: r.stopDate }),
      })),
      ...(nextToken && { nextToken }),
    };
  }

  async getExecutionHistory(request: {
    executionArn: string;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
    includeExecutionData?: boolean;
  }): Promise<{ events: HistoryEvent[]; nextToken?: string }> {
    this.standardRecord(request.executionArn, 'GetExecutionHistory');
    let events = this.executions.history(request.executionArn);
    if (request.reverseOrder) events.reverse();
    if (request.includeExecutionData === false) events = events.map(withoutExecutionData);
    const { items, nextToken } = page(events, request.maxResults, request.nextToken);
    return { events: items, ...(nextToken && { nextToken }) };
  }

  async sendTaskSuccess(request: { taskToken: string; output: string }): Promise<Record<string, never>> {
    this.tokens.sendTaskSuccess(request.taskToken, request.output);
    return {};
  }

  async sendTaskFailure(request: {
    taskToken: string;
    error?: string;
    cause?: string;
  }): Promise<Record<string, never>> {
    this.tokens.sendTaskFailure(request.taskToken, request.error, request.cause);
    return {};
  }

  async sendTaskHeartbeat(request: { taskToken: string }): Promise<Record<string, never>> {
    this.tokens.sendTaskHeartbeat(request.taskToken);
    return {};
  }

  /** Local helper (any type of state machine): resolves once the execution has ended. */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    await this.running.get(executionArn)?.done;
    const record = this.executions.get(executionArn);
    if (!record) {
      throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    return record;
  }

  /** Stops every running execution (recorded as ABORTED, error Local.RuntimeStopped). */
  async close(): Promise<void> {
    const pending = [...this.running.entries()].map(([arn, run]) => {
      this.stop(arn, 'Local.RuntimeStopped', 'The local runtime was shut down');
      return run.done;
    });
    this.tokens.cancelAll();
    await Promise.allSettled(pending);
  }

  // ---- internals ----

  private standardRecord(executionArn: string, api: string): ExecutionRecord {
    const record = this.executions.get(executionArn);
    if (!record) {
      throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    }
    if (record.type === 'EXPRESS') {
      // AWS keeps no state for EXPRESS executions; locally they stay readable through `executions`.
      throw new StepFunctionsError(
        'StateMachineTypeNotSupported',
        `${api} is not supported by EXPRESS state machines (locally, read service.executions instead)`,
      );
    }
    return record;
  }

  private async start(
    request: { stateMachineArn: string; name?: string; input?: string },
    parentExecutionArn?: string,
  ): Promise<ExecutionRecord> {
    this.timeoutError ??= await engineTimeoutError();
    // From here on everything is synchronous, so two starts with one name cannot both pass the checks.
    const registered = this.machines.get(request.stateMachineArn);
    if (!registered) {
      throw new StepFunctionsError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${request.stateMachineArn}'`,
      );
    }
    const { machine } = registered;
    const name = request.name ?? randomUUID();
    checkExecutionName(name);
    const input = request.input ?? '{}';
    let inputValue: EngineJson;
    try {
      inputValue = JSON.parse(input) as EngineJson;
    } catch {
      throw new StepFunctionsError(
        'InvalidExecutionInput',
        'Invalid State Machine Execution Input: the input is not JSON',
      );
    }
    if (Buffer.byteLength(input) > MAX_PAYLOAD_BYTES) {
      throw new StepFunctionsError(
        'InvalidExecutionInput',
        `The execution input exceeds ${MAX_PAYLOAD_BYTES} bytes`,
      );
    }
    if (machine.type === 'STANDARD') {
      const previous = this.executions.latestByName(machine.arn, name);
      if (previous && this.now().getTime() - previous.startDate.getTime() < NAME_REUSE_MS) {
        // Same name, same input, still running: AWS answers with the running execution (idempotent start).
        if (previous.status === 'RUNNING' && previous.input === input) return previous;
        throw new StepFunctionsError(
          'ExecutionAlreadyExists',
          `Execution Already Exists: '${previous.executionArn}'`,
        );
      }
    }
    const base = `arn:aws:states:${this.options.region}:${this.options.accountId}`;
    const executionArn =
      machine.type === 'STANDARD'
        ? `${base}:execution:${machine.name}:${name}`
        : `${base}:express:${machine.name}:${name}:${randomUUID()}`;
    const record = this.executions.create({
      executionArn,
      stateMachineArn: machine.arn,
      name,
      type: machine.type,
      input,
      startDate: this.now(),
      ...(parentExecutionArn && { parentExecutionArn }),
    });
    this.launch(registered, record, inputValue);
    return record;
  }

  private launch(registered: Registered, record: ExecutionRecord, input: EngineJson): void {
    const { machine, program, engine } = registered;
    const { executionArn } = record;
    const abort = new AbortController();
    const tokenSentinel = `qm-local-task-token-placeholder-${randomUUID()}`;
    const timeoutError = this.timeoutError!;
    const env: TaskEnvironment = {
      region: this.options.region,
      timeScale: this.timeScale,
      tokens: this.tokens,
      adapters: { ...this.adapters, executions: this.childExecutions(executionArn) },
      timeoutError,
      record: (type, details) => void this.executions.append(executionArn, type, details),
    };
    const handlers: TaskHandlers = {};
    for (const info of program.states.values()) {
      if (info.emulated) {
        handlers[info.name] = (value) => this.runEmulated(info, value, abort.signal);
      } else if (info.type === 'Task') {
        const resource = parseResource(String(info.definition.Resource));
        const { TimeoutSeconds: timeoutSeconds, HeartbeatSeconds: heartbeatSeconds } = info.definition;
        handlers[info.name] = async (value) => {
          // Let the engine's already-dispatched events (StateEntered, a failed attempt…) reach the
          // history before this attempt's task events: the engine's log is delivered asynchronously.
          await afterPendingEvents();
          if (abort.signal.aborted) throw new TaskError('States.Runtime', 'The execution was stopped');
          return (await runTask(
            {
              resource,
              input: value,
              executionArn,
              stateMachineArn: machine.arn,
              stateName: info.name,
              ...(typeof timeoutSeconds === 'number' && { timeoutSeconds }),
              ...(typeof heartbeatSeconds === 'number' && { heartbeatSeconds }),
              tokenSentinel,
              signal: abort.signal,
            },
            env,
          )) as EngineJson;
        };
      }
    }
    const startTime = record.startDate.toISOString();
    const run = engine.run(input, {
      overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: program.waitTimeOverrides },
      noThrowOnAbort: true,
      context: {
        Execution: {
          Id: executionArn,
          Name: record.name,
          RoleArn: machine.roleArn,
          StartTime: startTime,
          RedriveCount: 0,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: tokenSentinel },
        [ROOT_EXECUTION_CONTEXT_KEY]: { Input: input, StartTime: startTime },
      },
    });
    const recorder = new HistoryRecorder(this.executions, executionArn, machine.roleArn, program.states);
    const drained = (async () => {
      for await (const event of run.eventLogs) recorder.onEngineEvent(event);
    })();
    const done = Promise.allSettled([run.result, drained]).then(([result]) => {
      this.running.delete(executionArn);
      this.tokens.cancelExecution(executionArn);
      this.settle(executionArn, result);
    });
    this.running.set(executionArn, {
      stop: () => {
        abort.abort();
        run.abort();
      },
      done,
    });
  }

  private settle(executionArn: string, result: PromiseSettledResult<unknown>): void {
    if (result.status === 'fulfilled') {
      this.executions.finish(executionArn, {
        status: 'SUCCEEDED',
        output: JSON.stringify(result.value ?? null),
      });
      return;
    }
    const reason: unknown = result.reason;
    if (reason instanceof ExecutionTimeoutError) {
      this.executions.finish(executionArn, { status: 'TIMED_OUT', error: 'States.Timeout' });
    } else if (reason instanceof ExecutionError && reason.cause instanceof Error) {
      const { name, message } = reason.cause;
      const cause: unknown = reason.cause.cause;
      this.executions.finish(executionArn, { status: 'FAILED', ...normaliseFailure(name, cause ?? message) });
    } else {
      const message = reason instanceof Error ? reason.message : String(reason);
      this.executions.append(executionArn, 'ExecutionFailed', { error: 'States.Runtime', cause: message });
      this.executions.finish(executionArn, { status: 'FAILED', error: 'States.Runtime', cause: message });
    }
  }

  private stop(executionArn: string, error?: string, cause?: string): void {
    const run = this.running.get(executionArn);
    this.executions.append(executionArn, 'ExecutionAborted', {
      ...(error !== undefined && { error }),
      ...(cause !== undefined && { cause }),
    });
    this.executions.finish(executionArn, {
      status: 'ABORTED',
      ...(error !== undefined && { error }),
      ...(cause !== undefined && { cause }),
    });
    this.tokens.cancelExecution(executionArn);
    run?.stop();
  }

  private childExecutions(parentExecutionArn: string): ChildExecutions {
    return {
      start: async (request) => {
        const record = await this.start(request, parentExecutionArn);
        return { executionArn: record.executionArn, startDate: record.startDate };
      },
      wait: async (executionArn): Promise<ChildExecution> => this.waitForExecution(executionArn),
      stop: async (executionArn, error, cause) => this.stop(executionArn, error, cause),
    };
  }

  /** Wait states with a dynamic duration, and Pass states with a falsy Result (see engine-definition). */
  private async runEmulated(info: StateInfo, input: EngineJson, signal: AbortSignal): Promise<EngineJson> {
    const state: AslObject = info.definition;
    if (info.emulated === 'pass') return state.Result as EngineJson;
    let ms: number;
    try {
      if (typeof state.Seconds === 'number') ms = state.Seconds * 1000;
      else if (typeof state.SecondsPath === 'string') {
        const seconds = evaluateReferencePath(state.SecondsPath, input);
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
          throw new Error(`SecondsPath ${state.SecondsPath} must point to a non-negative integer`);
        }
        ms = seconds * 1000;
      } else {
        const timestamp =
          typeof state.Timestamp === 'string'
            ? state.Timestamp
            : evaluateReferencePath(String(state.TimestampPath), input);
        const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
        if (Number.isNaN(at))
          throw new Error(`Wait ${info.name}: ${String(timestamp)} is not an RFC 3339 timestamp`);
        ms = at - Date.now();
      }
    } catch (e) {
      throw new TaskError('States.Runtime', (e as Error).message, { retryable: false, catchable: false });
    }
    await new Promise<void>((resolve) => {
      // A Wait holds the process open (unlike a token deadline), and may exceed setTimeout's range.
      const timer = startTimer(Math.max(0, ms) * this.timeScale, resolve, false);
      const onAbort = () => {
        timer.clear();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return input;
  }
}

function describe(record: ExecutionRecord): DescribeExecutionOutput {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate,
    ...(record.stopDate && { stopDate: record.stopDate }),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined && { output: record.output, outputDetails: { included: true } }),
    ...(record.error !== undefined && { error: record.error }),
    ...(record.cause !== undefined && { cause: record.cause }),
  };
}

/** AWS execution names: 1–80 characters, none of whitespace, brackets, wildcards, specials, controls. */
function checkExecutionName(name: string): void {
  const forbidden = ' <>{}[]?*"#%\\^|~`$&,;:/';
  const bad = [...name].find((c) => {
    const code = c.codePointAt(0) ?? 0;
    return forbidden.includes(c) || /\s/.test(c) || code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
  if (name.length === 0 || name.length > 80 || bad !== undefined) {
    throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
  }
}

function page<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined) {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new StepFunctionsError('InvalidToken', 'Invalid nextToken');
  const size = maxResults && maxResults > 0 ? maxResults : 1000;
  const slice = items.slice(start, start + size);
  const next =
    start + size < items.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  return { items: slice, nextToken: next };
}

function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const out: HistoryEvent = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null) {
      const { input: _i, output: _o, parameters: _p, ...rest } = value as Record<string, unknown>;
      out[key] = rest;
    }
  }
  return out;
}

let probedTimeoutError: Promise<() => Error> | undefined;

/**
 * The engine matches States.TaskFailed against every task error except its own States.Timeout class
 * (as AWS does), and that class is not exported. Our handlers enforce timeouts themselves (scaled,
 * with heartbeats), so they must throw that very class: obtain it once from a 1 ms engine timeout.
 */
function engineTimeoutError(): Promise<() => Error> {
  probedTimeoutError ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: { Probe: { Type: 'Task', Resource: EMULATED_RESOURCE, TimeoutSeconds: 0.001, End: true } },
      } as unknown as StateMachineDefinition,
      { validationOptions: { noValidate: true } },
    );
    const run = probe.run(null, {
      overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => {}) } },
    });
    const failure: unknown = await run.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = failure instanceof ExecutionError ? failure.cause : undefined;
    if (!(cause instanceof Error) || cause.name !== 'States.Timeout') {
      throw new Error(
        'aws-local-stepfunctions no longer fails timed-out tasks with its States.Timeout error; the local runtime cannot enforce task timeouts faithfully',
      );
    }
    const Timeout = cause.constructor as new () => Error;
    return () => new Timeout();
  })();
  return probedTimeoutError;
}
