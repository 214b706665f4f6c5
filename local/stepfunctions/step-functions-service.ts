import { createHash, randomUUID } from 'node:crypto';
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
import { type JournalEntry, JournalReplay, journalKey } from './execution-journal.ts';
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
  /** Of the ASL as deployed: a restart resumes an execution only on the definition it started on. */
  definitionHash: string;
}

/** What `resumeInterrupted` did with the executions an earlier runtime left RUNNING. */
export interface InterruptedExecutions {
  resumed: ExecutionRecord[];
  /** Could not be resumed (recorded ABORTED, error Local.RuntimeRestarted, with the reason as cause). */
  aborted: ExecutionRecord[];
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
    const definitionHash = createHash('sha256').update(JSON.stringify(machine.definition)).digest('hex');
    this.machines.set(machine.arn, { machine, program, engine, definitionHash });
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

  /**
   * Ends this runtime's runs. With a durable store (a directory) every running execution stays
   * RUNNING on disk, journal and task tokens included, and the next runtime on that directory
   * resumes it (`resumeInterrupted`), as Step Functions keeps executions running across anything.
   * Without one they are recorded ABORTED (error Local.RuntimeStopped): nothing could resume them.
   */
  async close(): Promise<void> {
    const running = [...this.running.entries()];
    if (this.executions.durable) {
      // Suspend all first: stopping a parent also stops its .sync children, which must stay resumable.
      for (const [arn] of running) this.executions.suspend(arn);
      for (const [, run] of running) run.stop();
    } else {
      for (const [arn] of running) this.stop(arn, 'Local.RuntimeStopped', 'The local runtime was shut down');
    }
    this.tokens.cancelAll();
    await Promise.allSettled(running.map(([, run]) => run.done));
  }

  /**
   * Resumes the executions the store holds as RUNNING (an earlier runtime on the same directory was
   * stopped or killed while they ran): each runs again from its input, its journalled steps answered
   * from the journal, so it carries on where it was: waiting tasks on their same tokens, Wait states
   * until their original deadline. One that cannot be resumed (its state machine is gone or its
   * definition changed, or it predates journals) is recorded ABORTED with error Local.RuntimeRestarted.
   */
  async resumeInterrupted(): Promise<InterruptedExecutions> {
    this.timeoutError ??= await engineTimeoutError();
    const resumed: ExecutionRecord[] = [];
    const aborted: ExecutionRecord[] = [];
    // Oldest first: a parent's .sync child is resumed before the parent asks for it again.
    const interrupted = this.executions
      .interrupted()
      .sort((a, b) => a.startDate.getTime() - b.startDate.getTime());
    for (const record of interrupted) {
      const registered = this.machines.get(record.stateMachineArn);
      const reason = !registered
        ? 'its state machine is no longer in the template'
        : record.definitionHash !== registered.definitionHash || !record.journal
          ? record.journal
            ? 'its state machine definition changed since it started (AWS would finish it on the old version)'
            : 'it was recorded by a runtime that did not journal executions'
          : undefined;
      if (registered && reason === undefined) {
        // Its partners may answer the moment we are up, before the replay reaches their task.
        for (const entry of record.journal ?? []) {
          if (entry.outcome !== 'waiting') continue;
          const stateName = entry.key.slice(0, entry.key.lastIndexOf('#'));
          const { TimeoutSeconds, HeartbeatSeconds } =
            registered.program.states.get(stateName)?.definition ?? {};
          this.tokens.issue({
            executionArn: record.executionArn,
            stateName,
            ...(typeof TimeoutSeconds === 'number' && { timeoutSeconds: TimeoutSeconds }),
            ...(typeof HeartbeatSeconds === 'number' && { heartbeatSeconds: HeartbeatSeconds }),
            resume: { token: entry.token, startedAt: new Date(entry.startedAt) },
          });
        }
        this.launch(registered, record, JSON.parse(record.input) as EngineJson, true);
        resumed.push(record);
        continue;
      }
      const cause = `The local runtime restarted while this execution ran and cannot resume it: ${reason}`;
      this.executions.append(record.executionArn, 'ExecutionAborted', {
        error: 'Local.RuntimeRestarted',
        cause,
      });
      this.executions.finish(record.executionArn, {
        status: 'ABORTED',
        error: 'Local.RuntimeRestarted',
        cause,
      });
      aborted.push(this.executions.get(record.executionArn)!);
    }
    return { resumed, aborted };
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
      definitionHash: registered.definitionHash,
    });
    this.launch(registered, record, inputValue);
    return record;
  }

  private launch(registered: Registered, record: ExecutionRecord, input: EngineJson, resumed = false): void {
    const { machine, program, engine } = registered;
    const { executionArn } = record;
    const abort = new AbortController();
    const tokenSentinel = `qm-local-task-token-placeholder-${randomUUID()}`;
    const timeoutError = this.timeoutError!;
    const replay = new JournalReplay(record.journal ?? []);
    const journalStep = (stateName: string): JournalStep => ({
      begin: (value) => {
        const key = journalKey(stateName, value, tokenSentinel);
        const { n, entry } = replay.next(key);
        return {
          ...(entry && { entry }),
          record: (progress) => {
            // A stopped or suspended run's last gasps (cancelled tokens…) are not steps it took.
            if (!abort.signal.aborted)
              this.executions.journal(executionArn, { key, n, ...progress } as JournalEntry);
          },
        };
      },
    });
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
        const step = journalStep(info.name);
        handlers[info.name] = async (value) => {
          await afterPendingEvents();
          return this.runEmulated(info, value, abort.signal, step);
        };
      } else if (info.type === 'Task') {
        const step = journalStep(info.name);
        const resource = parseResource(String(info.definition.Resource));
        const { TimeoutSeconds: timeoutSeconds, HeartbeatSeconds: heartbeatSeconds } = info.definition;
        handlers[info.name] = async (value) => {
          // Let the engine's already-dispatched events (StateEntered, a failed attempt…) reach the
          // history before this attempt's task events: the engine's log is delivered asynchronously.
          await afterPendingEvents();
          if (abort.signal.aborted) throw new TaskError('States.Runtime', 'The execution was stopped');
          const { entry, record: journal } = step.begin(value);
          if (entry?.outcome === 'succeeded') return entry.output as EngineJson;
          if (entry?.outcome === 'failed') {
            throw entry.error === 'States.Timeout'
              ? timeoutError()
              : new TaskError(entry.error, entry.cause ?? '');
          }
          try {
            const output = (await runTask(
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
                onSubmitted: (token, startedAt) =>
                  journal({ outcome: 'waiting', token, startedAt: startedAt.toISOString() }),
                ...(entry?.outcome === 'waiting' && {
                  resumeToken: { token: entry.token, startedAt: new Date(entry.startedAt) },
                }),
              },
              env,
            )) as EngineJson;
            journal({ outcome: 'succeeded', output });
            return output;
          } catch (error) {
            // Terminal errors (States.Runtime…) end the execution: nothing to resume.
            const e = error instanceof Error ? error : new Error(String(error));
            if (!(e instanceof TaskError) || e.isRetryable || e.isCatchable) {
              journal({
                outcome: 'failed',
                error: e.name,
                ...(e.message && e.message !== e.name && { cause: e.message }),
              });
            }
            throw error;
          }
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
    const recorder = new HistoryRecorder(
      this.executions,
      executionArn,
      machine.roleArn,
      program.states,
      resumed ? { replaying: () => replay.replaying } : undefined,
    );
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

  /** Wait states (journalled: a resumed one sleeps what is left) and Pass states with a falsy Result. */
  private async runEmulated(
    info: StateInfo,
    input: EngineJson,
    signal: AbortSignal,
    step: JournalStep,
  ): Promise<EngineJson> {
    const state: AslObject = info.definition;
    if (info.emulated === 'pass') return state.Result as EngineJson;
    const { entry, record } = step.begin(input);
    if (entry?.outcome === 'succeeded') return entry.output as EngineJson;
    let until: number;
    if (entry?.outcome === 'sleeping') until = entry.until;
    else {
      until = Date.now() + Math.max(0, waitMilliseconds(info, input)) * this.timeScale;
      record({ outcome: 'sleeping', until });
    }
    await new Promise<void>((resolve) => {
      // A Wait holds the process open (unlike a token deadline), and may exceed setTimeout's range.
      const timer = startTimer(until - Date.now(), resolve, false);
      const onAbort = () => {
        timer.clear();
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    if (!signal.aborted) record({ outcome: 'succeeded', output: input });
    return input;
  }
}

/** How long a Wait state waits for this input, unscaled; its errors are States.Runtime (terminal). */
function waitMilliseconds(info: StateInfo, input: EngineJson): number {
  const state: AslObject = info.definition;
  try {
    if (typeof state.Seconds === 'number') return state.Seconds * 1000;
    if (typeof state.SecondsPath === 'string') {
      const seconds = evaluateReferencePath(state.SecondsPath, input);
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
        throw new Error(`SecondsPath ${state.SecondsPath} must point to a non-negative integer`);
      }
      return seconds * 1000;
    }
    const timestamp =
      typeof state.Timestamp === 'string'
        ? state.Timestamp
        : evaluateReferencePath(String(state.TimestampPath), input);
    const at = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (Number.isNaN(at))
      throw new Error(`Wait ${info.name}: ${String(timestamp)} is not an RFC 3339 timestamp`);
    return at - Date.now();
  } catch (e) {
    throw new TaskError('States.Runtime', (e as Error).message, { retryable: false, catchable: false });
  }
}

/** One occurrence of a journalled step: what the journal holds for it, and how to record its progress. */
interface JournalStep {
  begin(input: unknown): {
    entry?: JournalEntry;
    record: (progress: JournalProgress) => void;
  };
}
type JournalProgress = JournalEntry extends infer E
  ? E extends JournalEntry
    ? Omit<E, 'key' | 'n'>
    : never
  : never;

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
