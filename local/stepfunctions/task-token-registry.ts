import { randomUUID } from 'node:crypto';

/** Step Functions' payload quota (SendTaskSuccess output, state input/output): 256 KiB of UTF-8. */
export const MAX_PAYLOAD_BYTES = 262_144;

// Tokens we issue carry this prefix, so a string we never issued is told apart from one that expired.
const TOKEN_PREFIX = 'qm-local-task-token:';

export type TaskTokenStatus = 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';

export interface TaskTokenRecord {
  token: string;
  executionArn: string;
  stateName: string;
  startedAt: Date;
  /** As written in the ASL (unscaled). */
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
  lastHeartbeatAt: Date;
  status: TaskTokenStatus;
}

/** The API errors of SendTaskSuccess/Failure/Heartbeat; `name` is the AWS error code. */
export class TaskTokenError extends Error {
  constructor(
    readonly code:
      | 'InvalidToken'
      | 'TaskDoesNotExist'
      | 'TaskTimedOut'
      | 'InvalidOutput'
      | 'ValidationException',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface TaskTokenRegistryOptions {
  /** Multiplies TimeoutSeconds and HeartbeatSeconds (0.001 turns a minute into 60 ms). */
  timeScale?: number;
  /** The error the waiting task fails with; the engine supplies its own States.Timeout class here. */
  makeError?: (error: string, cause: string | undefined) => Error;
}

interface Entry extends TaskTokenRecord {
  result: Promise<unknown>;
  resolve(output: unknown): void;
  reject(error: Error): void;
  timers: { timeout?: Timer; heartbeat?: Timer };
}

export interface Timer {
  clear(): void;
}

// setTimeout fires at once beyond 2^31-1 ms, so long (unscaled) timeouts re-arm in steps.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * setTimeout without the 2^31-1 ms ceiling. Unref'd by default: a deadline alone (a token nobody
 * answers) must not hold the process open.
 */
export function startTimer(ms: number, fire: () => void, unref = true): Timer {
  let handle: NodeJS.Timeout;
  const arm = (remaining: number) => {
    handle = setTimeout(
      () => (remaining > MAX_TIMER_MS ? arm(remaining - MAX_TIMER_MS) : fire()),
      Math.min(remaining, MAX_TIMER_MS),
    );
    if (unref) handle.unref();
  };
  arm(Math.max(0, ms));
  return { clear: () => clearTimeout(handle) };
}

function defaultError(error: string, cause: string | undefined): Error {
  const e = new Error(cause ?? '');
  e.name = error;
  return e;
}

/**
 * Task tokens of `.waitForTaskToken` tasks, with the semantics of SendTaskSuccess/Failure/Heartbeat:
 * a task fails with States.Timeout when TimeoutSeconds elapse and with States.HeartbeatTimeout when no
 * heartbeat arrives within HeartbeatSeconds (both counted from the moment the token is issued). A token
 * we never issued is InvalidToken; one whose task has closed (answered, timed out, execution ended) is
 * TaskTimedOut, which is what AWS answers ("Provided task does not exist anymore").
 */
export class TaskTokenRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly timeScale: number;
  private readonly makeError: (error: string, cause: string | undefined) => Error;

  constructor(options: TaskTokenRegistryOptions = {}) {
    this.timeScale = options.timeScale ?? 1;
    this.makeError = options.makeError ?? defaultError;
  }

  /**
   * Issues a token for a waiting task; `result` settles when the task is answered or times out.
   * `resume` re-issues a token an earlier runtime handed out (the execution was resumed after a
   * restart): the same string, its timeout counted from when it was first issued, and a fresh
   * heartbeat window (heartbeats sent while no runtime ran could not be received).
   */
  issue(request: {
    executionArn: string;
    stateName: string;
    timeoutSeconds?: number;
    heartbeatSeconds?: number;
    resume?: { token: string; startedAt: Date };
  }): { token: string; result: Promise<unknown> } {
    if (request.resume && !request.resume.token.startsWith(TOKEN_PREFIX)) {
      throw new TaskTokenError('InvalidToken', `Invalid Token: 'Unable to parse the token'`);
    }
    const token = request.resume?.token ?? `${TOKEN_PREFIX}${randomUUID()}`;
    // Re-issued at resume time (so it works at once), then claimed by its task when the replay gets there.
    const existing = request.resume && this.entries.get(token);
    if (existing) return { token, result: existing.result };
    const now = new Date();
    const startedAt = request.resume?.startedAt ?? now;
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The engine may abandon the promise (execution stopped); an unobserved rejection must not crash.
    result.catch(() => {});
    const entry: Entry = {
      token,
      executionArn: request.executionArn,
      stateName: request.stateName,
      startedAt,
      lastHeartbeatAt: now,
      timeoutSeconds: request.timeoutSeconds,
      heartbeatSeconds: request.heartbeatSeconds,
      status: 'WAITING',
      result,
      resolve,
      reject,
      timers: {},
    };
    this.entries.set(token, entry);
    if (request.timeoutSeconds !== undefined) {
      const elapsed = now.getTime() - startedAt.getTime();
      entry.timers.timeout = startTimer(request.timeoutSeconds * 1000 * this.timeScale - elapsed, () =>
        this.close(entry, 'TIMED_OUT', this.makeError('States.Timeout', undefined)),
      );
    }
    this.armHeartbeat(entry);
    return { token, result };
  }

  /** `output` is the JSON text, as in the SendTaskSuccess API. */
  sendTaskSuccess(token: string, output: string): void {
    const entry = this.open(token);
    if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) {
      throw new TaskTokenError('InvalidOutput', `Output exceeds ${MAX_PAYLOAD_BYTES} bytes`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new TaskTokenError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
    }
    this.clearTimers(entry);
    entry.status = 'SUCCEEDED';
    entry.resolve(parsed);
  }

  sendTaskFailure(token: string, error?: string, cause?: string): void {
    if (error !== undefined && error.length > 256) {
      throw new TaskTokenError('ValidationException', 'error must be at most 256 characters');
    }
    if (cause !== undefined && cause.length > 32_768) {
      throw new TaskTokenError('ValidationException', 'cause must be at most 32768 characters');
    }
    const entry = this.open(token);
    this.close(entry, 'FAILED', this.makeError(error ?? '', cause));
  }

  sendTaskHeartbeat(token: string): void {
    const entry = this.open(token);
    entry.lastHeartbeatAt = new Date();
    this.armHeartbeat(entry);
  }

  /** Closes a token without answering it (its task ended otherwise, e.g. the execution was stopped). */
  cancel(token: string, error = 'States.Runtime', cause = 'The task was closed'): void {
    const entry = this.entries.get(token);
    if (entry?.status === 'WAITING') this.close(entry, 'CANCELLED', this.makeError(error, cause));
  }

  /** Closes every waiting token of an execution (stopped, timed out or finished). */
  cancelExecution(executionArn: string): void {
    for (const entry of this.entries.values()) {
      if (entry.executionArn === executionArn) this.cancel(entry.token, 'States.Runtime', 'Execution ended');
    }
  }

  get(token: string): TaskTokenRecord | undefined {
    const entry = this.entries.get(token);
    return entry && snapshot(entry);
  }

  /** Tokens still waiting for an answer (optionally of one execution). */
  waiting(executionArn?: string): TaskTokenRecord[] {
    return [...this.entries.values()]
      .filter(
        (e) => e.status === 'WAITING' && (executionArn === undefined || e.executionArn === executionArn),
      )
      .map(snapshot);
  }

  /** Cancels every waiting token (runtime shutdown); the registry stays usable. */
  cancelAll(): void {
    for (const e of this.entries.values()) this.cancel(e.token);
  }

  private close(entry: Entry, status: TaskTokenStatus, error: Error): void {
    this.clearTimers(entry);
    entry.status = status;
    entry.reject(error);
  }

  private open(token: string): Entry {
    if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX) || token.length > 1024) {
      throw new TaskTokenError('InvalidToken', `Invalid Token: 'Unable to parse the token'`);
    }
    const entry = this.entries.get(token);
    if (!entry) throw new TaskTokenError('TaskDoesNotExist', 'Task does not exist');
    if (entry.status !== 'WAITING') {
      throw new TaskTokenError('TaskTimedOut', `Task Timed Out: 'Provided task does not exist anymore'`);
    }
    return entry;
  }

  private armHeartbeat(entry: Entry): void {
    if (entry.heartbeatSeconds === undefined) return;
    entry.timers.heartbeat?.clear();
    entry.timers.heartbeat = startTimer(entry.heartbeatSeconds * 1000 * this.timeScale, () =>
      this.close(entry, 'TIMED_OUT', this.makeError('States.HeartbeatTimeout', undefined)),
    );
  }

  private clearTimers(entry: Entry): void {
    entry.timers.timeout?.clear();
    entry.timers.heartbeat?.clear();
  }
}

function snapshot(entry: Entry): TaskTokenRecord {
  return {
    token: entry.token,
    executionArn: entry.executionArn,
    stateName: entry.stateName,
    startedAt: entry.startedAt,
    heartbeatSeconds: entry.heartbeatSeconds,
    timeoutSeconds: entry.timeoutSeconds,
    lastHeartbeatAt: entry.lastHeartbeatAt,
    status: entry.status,
  };
}
