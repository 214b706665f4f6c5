import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';

export interface LocalFunction {
  logicalId: string;
  name: string;
  arn: string;
  /** file:// URL of the handler source. */
  entry: string;
  handlerName: string;
  timeoutMs: number;
  memorySize: number;
  environment: Record<string, string>;
}

export interface LambdaError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type InvokeResult = { ok: true; payload: unknown } | { ok: false; error: LambdaError };

export interface FunctionStats {
  invocations: number;
  errors: number;
  coldStarts: number;
  totalDurationMs: number;
  /** Durations rounded up to 1 ms, as Lambda bills them. */
  billedDurationMs: number;
  /**
   * Time inside the handler, measured in the sandbox (Lambda's REPORT `Duration`); the rest of
   * totalDurationMs is the local hand-off (event and result copied to and from the worker thread).
   */
  handlerDurationMs: number;
}

export type LogSink = (functionName: string, stream: 'stdout' | 'stderr', line: string) => void;

/** Lambda's synchronous invocation payload limit (request and response). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

interface Environment {
  worker: Worker;
  functionName: string;
  ready: Promise<void>;
  pending?: { requestId: string; resolve: (r: InvokeResult) => void };
}

/**
 * Runs the stack's Lambda functions locally. Each function gets a pool of execution environments
 * (worker threads: own module scope, own environment variables, one invocation at a time), created on
 * demand (cold starts) and reused (warm), with Lambda's timeout, payload limit and error shapes.
 */
export class LambdaService {
  private readonly byKey = new Map<string, LocalFunction>();
  private readonly idle = new Map<string, Environment[]>();
  private readonly live = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly all = new Map<Worker, Environment>();
  readonly stats = new Map<string, FunctionStats>();
  private closed = false;

  constructor(
    readonly functions: LocalFunction[],
    private readonly options: {
      baseEnvironment: Record<string, string>;
      /** Concurrent environments per function (Lambda's concurrency); further invocations queue. */
      maxEnvironmentsPerFunction?: number;
      logSink?: LogSink;
      workerScript?: URL;
      /**
       * Fault injection (local/faults): per invocation, fail `before` the handler runs or `after` it
       * ran (its writes stand, its response is lost), with errorType QmInjectedFault.
       */
      fault?: (fn: LocalFunction) => 'before' | 'after' | undefined;
      /** The errorType an injected fault reports (default QmInjectedFault). */
      faultErrorType?: string;
    },
  ) {
    for (const fn of functions) {
      for (const key of [fn.logicalId, fn.name, fn.arn]) this.byKey.set(key, fn);
      this.stats.set(fn.name, {
        invocations: 0,
        errors: 0,
        coldStarts: 0,
        totalDurationMs: 0,
        billedDurationMs: 0,
        handlerDurationMs: 0,
      });
    }
  }

  resolve(nameOrArn: string): LocalFunction {
    // Qualified ARNs (…:function:name:alias) address the same local function.
    const fn = this.byKey.get(nameOrArn) ?? this.byKey.get(nameOrArn.split(':').slice(0, 7).join(':'));
    if (!fn) throw new Error(`ResourceNotFoundException: Function not found: ${nameOrArn}`);
    return fn;
  }

  async invoke(nameOrArn: string, event: unknown): Promise<InvokeResult> {
    if (this.closed) throw new Error('LambdaService is closed');
    const fn = this.resolve(nameOrArn);
    const payload = JSON.stringify(event ?? null);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      return {
        ok: false,
        error: {
          errorType: 'RequestEntityTooLargeException',
          errorMessage: 'Request must be smaller than 6291456 bytes',
        },
      };
    }
    const stats = this.stats.get(fn.name)!;
    const fault = this.options.fault?.(fn);
    const injected = (where: string): InvokeResult => {
      stats.errors++;
      return {
        ok: false,
        error: {
          errorType: this.options.faultErrorType ?? 'QmInjectedFault',
          errorMessage: `Transient fault injected ${where} the handler ran (QM_FAULTS)`,
        },
      };
    };
    if (fault === 'before') {
      stats.invocations++;
      return injected('before');
    }
    const env = await this.acquire(fn);
    const requestId = randomUUID();
    const started = performance.now();
    const result = await new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        // Lambda freezes and discards a timed-out sandbox; so do we.
        env.pending = undefined;
        void this.discard(fn, env);
        resolve({
          ok: false,
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`,
          },
        });
      }, fn.timeoutMs);
      env.pending = {
        requestId,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      // The event goes over as the JSON text Lambda would receive (one string copy), parsed in the
      // sandbox: the main thread, which also serves the gateway, neither re-parses nor clones it.
      env.worker.postMessage({
        type: 'invoke',
        requestId,
        eventJson: payload,
        traceId: `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
      });
    });
    const duration = performance.now() - started;
    stats.invocations++;
    stats.totalDurationMs += duration;
    stats.billedDurationMs += Math.ceil(duration);
    if (!result.ok) stats.errors++;
    if (result.ok && fault === 'after') {
      this.release(fn, env);
      return injected('after');
    }
    if (result.ok) {
      // The sandbox sends the response as JSON text, as Lambda serialises it.
      const out = result.payload as string;
      if (Buffer.byteLength(out) > MAX_PAYLOAD_BYTES) {
        this.release(fn, env);
        return {
          ok: false,
          error: {
            errorType: 'Function.ResponseSizeTooLarge',
            errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
          },
        };
      }
      this.release(fn, env);
      return { ok: true, payload: JSON.parse(out) };
    }
    if (this.all.has(env.worker)) this.release(fn, env);
    return result;
  }

  /** Starts environments ahead of traffic, like provisioned concurrency. */
  async warm(nameOrArn: string, count = 1): Promise<void> {
    const fn = this.resolve(nameOrArn);
    const envs = await Promise.all(Array.from({ length: count }, () => this.acquire(fn)));
    for (const env of envs) this.release(fn, env);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all.keys()].map((w) => w.terminate()));
    this.all.clear();
  }

  /**
   * CPU time (ms) the function's live execution environments have used since they started, all
   * threads of the function summed (benches divide it by invocations; environments discarded after a
   * timeout or crash are no longer counted).
   */
  async cpuTimeMs(nameOrArn: string): Promise<number> {
    const fn = this.resolve(nameOrArn);
    const envs = [...this.all.values()].filter((env) => env.functionName === fn.name);
    const usages = await Promise.all(envs.map((env) => env.worker.cpuUsage()));
    return usages.reduce((sum, u) => sum + (u.user + u.system) / 1000, 0);
  }

  private async acquire(fn: LocalFunction): Promise<Environment> {
    for (;;) {
      const idle = this.idle.get(fn.name)?.pop();
      if (idle) return idle;
      const max = this.options.maxEnvironmentsPerFunction ?? 10;
      if ((this.live.get(fn.name) ?? 0) < max) {
        this.live.set(fn.name, (this.live.get(fn.name) ?? 0) + 1);
        const env = this.start(fn);
        try {
          await env.ready;
          return env;
        } catch (error) {
          await this.discard(fn, env);
          throw error;
        }
      }
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(fn.name) ?? [];
        queue.push(resolve);
        this.waiting.set(fn.name, queue);
      });
    }
  }

  private release(fn: LocalFunction, env: Environment): void {
    const list = this.idle.get(fn.name) ?? [];
    list.push(env);
    this.idle.set(fn.name, list);
    this.waiting.get(fn.name)?.shift()?.();
  }

  private async discard(fn: LocalFunction, env: Environment): Promise<void> {
    this.all.delete(env.worker);
    this.live.set(fn.name, (this.live.get(fn.name) ?? 1) - 1);
    this.waiting.get(fn.name)?.shift()?.();
    await env.worker.terminate();
  }

  private start(fn: LocalFunction): Environment {
    this.stats.get(fn.name)!.coldStarts++;
    const worker = new Worker(this.options.workerScript ?? new URL('./lambda-worker.mjs', import.meta.url), {
      workerData: {
        entry: fn.entry,
        handlerName: fn.handlerName,
        functionName: fn.name,
        memorySize: fn.memorySize,
        timeoutMs: fn.timeoutMs,
        region: this.options.baseEnvironment.AWS_REGION,
        arn: fn.arn,
      },
      env: {
        ...this.options.baseEnvironment,
        ...fn.environment,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      },
      stdout: true,
      stderr: true,
    });

    const sink = this.options.logSink;
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: worker[stream] });
      lines.on('line', (line) => sink?.(fn.name, stream, line));
    }
    const env: Environment = {
      worker,
      functionName: fn.name,
      ready: new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.on('message', function onReady(message: { type: string; error?: LambdaError }) {
          if (message.type === 'ready') {
            worker.off('message', onReady);
            resolve();
          } else if (message.type === 'init-error') {
            worker.off('message', onReady);
            reject(new Error(`Init error in ${fn.name}: ${message.error?.errorMessage}`));
          }
        });
      }),
    };
    this.all.set(worker, env);
    worker.on(
      'message',
      (message: {
        type: string;
        requestId?: string;
        resultJson?: string;
        error?: LambdaError;
        durationMs?: number;
      }) => {
        const pending = env.pending;
        if (!pending || message.requestId !== pending.requestId) return;
        env.pending = undefined;
        if (message.durationMs !== undefined)
          this.stats.get(fn.name)!.handlerDurationMs += message.durationMs;
        if (message.type === 'result') pending.resolve({ ok: true, payload: message.resultJson });
        else if (message.type === 'error') pending.resolve({ ok: false, error: message.error! });
      },
    );
    worker.on('error', (error) => {
      const pending = env.pending;
      env.pending = undefined;
      pending?.resolve({ ok: false, error: { errorType: 'Runtime.ExitError', errorMessage: error.message } });
      void this.discard(fn, env);
    });
    worker.unref();
    return env;
  }
}
