import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateMachine } from 'aws-local-stepfunctions';
import { mapItemCount, type StateInfo } from './engine-definition.ts';
import type { JournalEntry } from './execution-journal.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** One GetExecutionHistory event: `<type>EventDetails` (or state{Entered,Exited}EventDetails) beside the ids. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: Date;
  type: string;
  [details: string]: unknown;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  type: StateMachineType;
  status: ExecutionStatus;
  /** JSON text, as DescribeExecution returns it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  /** Set for executions started by a `states:startExecution` task. */
  parentExecutionArn?: string;
  events: HistoryEvent[];
  /**
   * The steps taken so far (see execution-journal.ts), kept while it runs so a restart resumes it.
   * Absent in records written before executions were resumable: those cannot be resumed.
   */
  journal?: JournalEntry[];
  /** Hash of the ASL it runs: a restart resumes it only on the same definition. */
  definitionHash?: string;
}

export interface ExecutionOutcome {
  status: Exclude<ExecutionStatus, 'RUNNING'>;
  output?: string;
  error?: string;
  cause?: string;
}

/**
 * Every local execution and its history. With a `directory`, each execution is also a JSON file there
 * (written when it starts, after every step it takes, and when it ends), so executions survive a
 * restart of the local runtime: one that was RUNNING is loaded RUNNING with its journal, and the
 * StepFunctionsService resumes it (see `resumeInterrupted`).
 */
export class ExecutionStore {
  private readonly records = new Map<string, ExecutionRecord>();
  /** Executions handed over to the next runtime: whatever their dying run still does is not recorded. */
  private readonly suspended = new Set<string>();
  readonly warnings: string[] = [];

  constructor(private readonly options: { directory?: string } = {}) {
    if (options.directory) this.load(options.directory);
  }

  /** True when executions outlive this process (a directory), so a RUNNING one can be resumed later. */
  get durable(): boolean {
    return this.options.directory !== undefined;
  }

  create(record: Omit<ExecutionRecord, 'events' | 'status'>): ExecutionRecord {
    if (this.records.has(record.executionArn))
      throw new Error(`Execution ${record.executionArn} already recorded`);
    const created: ExecutionRecord = { ...record, status: 'RUNNING', events: [], journal: [] };
    this.records.set(record.executionArn, created);
    this.persist(created);
    return snapshot(created);
  }

  /** Appends a history event; ignored once the execution has ended (late events of a stopped run). */
  append(
    executionArn: string,
    type: string,
    details: Record<string, unknown> = {},
  ): HistoryEvent | undefined {
    const record = this.records.get(executionArn);
    if (record?.status !== 'RUNNING' || this.suspended.has(executionArn)) return undefined;
    const id = record.events.length + 1;
    const event: HistoryEvent = { id, previousEventId: id - 1, timestamp: new Date(), type };
    if (Object.keys(details).length > 0) event[detailsKey(type)] = details;
    record.events.push(event);
    return event;
  }

  /** Closes a RUNNING execution; false if it had already ended (e.g. stopped while finishing). */
  finish(executionArn: string, outcome: ExecutionOutcome): boolean {
    const record = this.records.get(executionArn);
    if (record?.status !== 'RUNNING' || this.suspended.has(executionArn)) return false;
    record.status = outcome.status;
    record.stopDate = new Date();
    // The journal only serves a resume; an ended execution is never resumed.
    delete record.journal;
    if (outcome.output !== undefined) record.output = outcome.output;
    if (outcome.error !== undefined) record.error = outcome.error;
    if (outcome.cause !== undefined) record.cause = outcome.cause;
    this.persist(record);
    return true;
  }

  /** Records (or updates) one step of a RUNNING execution's journal and writes it to disk. */
  journal(executionArn: string, entry: JournalEntry): void {
    const record = this.records.get(executionArn);
    if (record?.status !== 'RUNNING' || this.suspended.has(executionArn) || !record.journal) return;
    const at = record.journal.findIndex((e) => e.key === entry.key && e.n === entry.n);
    if (at >= 0) record.journal[at] = entry;
    else record.journal.push(entry);
    this.persist(record);
  }

  /**
   * Freezes a RUNNING execution as it is on disk (the runtime is stopping and the next one resumes
   * it): nothing its interrupted run still does is recorded.
   */
  suspend(executionArn: string): void {
    const record = this.records.get(executionArn);
    if (record?.status !== 'RUNNING') return;
    this.persist(record);
    this.suspended.add(executionArn);
  }

  /** Executions loaded RUNNING from disk (the previous runtime stopped or died while they ran). */
  interrupted(): ExecutionRecord[] {
    return [...this.records.values()]
      .filter((r) => r.status === 'RUNNING' && !this.suspended.has(r.executionArn))
      .map(snapshot);
  }

  get(executionArn: string): ExecutionRecord | undefined {
    const record = this.records.get(executionArn);
    return record && snapshot(record);
  }

  /** Newest first, as ListExecutions returns them. */
  list(filter: { stateMachineArn?: string; status?: ExecutionStatus } = {}): ExecutionRecord[] {
    return [...this.records.values()]
      .filter(
        (r) =>
          (filter.stateMachineArn === undefined || r.stateMachineArn === filter.stateMachineArn) &&
          (filter.status === undefined || r.status === filter.status),
      )
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())
      .map(snapshot);
  }

  history(executionArn: string): HistoryEvent[] {
    return this.records.get(executionArn)?.events.map((e) => ({ ...e })) ?? [];
  }

  /** The most recent execution of a state machine with this name (for the name-reuse rules). */
  latestByName(stateMachineArn: string, name: string): ExecutionRecord | undefined {
    let latest: ExecutionRecord | undefined;
    for (const r of this.records.values()) {
      if (
        r.stateMachineArn === stateMachineArn &&
        r.name === name &&
        (!latest || r.startDate > latest.startDate)
      ) {
        latest = r;
      }
    }
    return latest && snapshot(latest);
  }

  private persist(record: ExecutionRecord): void {
    const dir = this.options.directory;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const file = join(
      dir,
      `${createHash('sha256').update(record.executionArn).digest('hex').slice(0, 32)}.json`,
    );
    // Write-then-rename so a crash never leaves half a file behind.
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }

  private load(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ExecutionRecord & {
        startDate: string;
        stopDate?: string;
        events: (HistoryEvent & { timestamp: string })[];
      };
      const record: ExecutionRecord = {
        ...raw,
        startDate: new Date(raw.startDate),
        ...(raw.stopDate !== undefined && { stopDate: new Date(raw.stopDate) }),
        events: raw.events.map((e) => ({ ...e, timestamp: new Date(e.timestamp) })),
      };
      this.records.set(record.executionArn, record);
    }
  }
}

function snapshot(record: ExecutionRecord): ExecutionRecord {
  return {
    ...record,
    events: [...record.events],
    ...(record.journal && { journal: [...record.journal] }),
  };
}

function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

// ---- building the AWS-shaped history from aws-local-stepfunctions' event log ----

export type EngineEvent =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

const FAIL_STATE_DEFAULT_ERROR = 'FailStateError';
const FAIL_STATE_DEFAULT_CAUSE = 'Execution failed because of a Fail state';

/**
 * Maps the engine's error/cause to what AWS reports: the engine invents a name and message for a Fail
 * state without Error/Cause, and uses the error name as the message of States.Timeout; an empty cause
 * (SendTaskFailure without one, heartbeat timeouts) is no cause.
 */
export function normaliseFailure(error: string, cause: unknown): { error?: string; cause?: string } {
  const text =
    cause === undefined || cause === null
      ? undefined
      : typeof cause === 'string'
        ? cause
        : JSON.stringify(cause);
  return {
    ...(error !== FAIL_STATE_DEFAULT_ERROR && { error }),
    ...(text !== undefined &&
      text !== '' &&
      text !== FAIL_STATE_DEFAULT_CAUSE &&
      text !== error && { cause: text }),
  };
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Turns one execution's engine events into GetExecutionHistory events. Task-level events
 * (TaskScheduled…TaskSucceeded) come from the task handlers, which run after the engine's events for
 * the same state have been drained (see StepFunctionsService), so the two streams interleave in order.
 */
export class HistoryRecorder {
  // States whose current attempt failed (a caught Map/Parallel failure still exits the state).
  private readonly failed = new Set<string>();

  constructor(
    private readonly store: ExecutionStore,
    private readonly executionArn: string,
    private readonly roleArn: string,
    private readonly states: ReadonlyMap<string, StateInfo>,
    /**
     * A resumed execution re-traces the steps it had taken before the restart: their history is
     * already on record, so the engine's events are dropped while `replaying()` (and its second
     * ExecutionStarted always); the execution's own end is always recorded.
     */
    private readonly resume?: { replaying: () => boolean },
  ) {}

  onEngineEvent(event: EngineEvent): void {
    if (this.resume) {
      if (event.type === 'ExecutionStarted') return;
      if (this.resume.replaying() && !event.type.startsWith('Execution')) return;
    }
    const add = (type: string, details: Record<string, unknown> = {}) =>
      this.store.append(this.executionArn, type, details);
    switch (event.type) {
      case 'ExecutionStarted':
        add('ExecutionStarted', {
          input: json(event.input),
          inputDetails: { truncated: false },
          roleArn: this.roleArn,
        });
        break;
      case 'StateEntered': {
        const { name, input } = event.state;
        const type = this.typeOf(name, event.state.type);
        this.failed.delete(name);
        add(`${type}StateEntered`, { name, input: json(input), inputDetails: { truncated: false } });
        if (type === 'Map') {
          const length = mapItemCount(this.states.get(name)?.definition ?? {}, input);
          add('MapStateStarted', length === undefined ? {} : { length });
        } else if (type === 'Parallel') add('ParallelStateStarted');
        break;
      }
      case 'StateExited': {
        const { name, output } = event.state;
        const type = this.typeOf(name, event.state.type);
        if ((type === 'Map' || type === 'Parallel') && !this.failed.has(name)) add(`${type}StateSucceeded`);
        add(`${type}StateExited`, { name, output: json(output), outputDetails: { truncated: false } });
        break;
      }
      case 'StateFailed': {
        // Task failures are recorded by the task handler (TaskFailed); a Fail state ends in ExecutionFailed.
        const type = this.typeOf(event.state.name, event.state.type);
        if (type === 'Map' || type === 'Parallel') {
          this.failed.add(event.state.name);
          add(`${type}StateFailed`);
        }
        break;
      }
      case 'StateRetried': {
        const type = this.typeOf(event.state.name, event.state.type);
        if (type === 'Map' || type === 'Parallel') {
          this.failed.delete(event.state.name);
          add(`${type}StateStarted`);
        }
        break;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        add(event.type, { name: event.parentState.name, index: event.index });
        break;
      case 'ExecutionSucceeded':
        add('ExecutionSucceeded', { output: json(event.output), outputDetails: { truncated: false } });
        break;
      case 'ExecutionFailed':
        add('ExecutionFailed', normaliseFailure(event.Error, event.Cause));
        break;
      case 'ExecutionTimeout':
        add('ExecutionTimedOut', { error: 'States.Timeout' });
        break;
      // StateCaught has no AWS event (the state exits with the error output); Parallel branches have none
      // either; ExecutionAborted is recorded by stopExecution, with the caller's error and cause.
      default:
        break;
    }
  }

  private typeOf(name: string, engineType: string): string {
    return this.states.get(name)?.type ?? engineType;
  }
}
