import type { LambdaService, LocalFunction } from '../lambda/lambda-service.ts';
import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';

/** A schedule rule of the template whose targets run locally. */
export interface LocalSchedule {
  ruleLogicalId: string;
  expression: string;
  /** Period of a `rate(...)` expression, in ms (unscaled). */
  periodMs: number;
  targets: { functionName: string; input: unknown; maxAttempts: number }[];
  runs: number;
  failures: number;
  lastError?: string;
}

export interface ScheduledRulesOptions {
  ctx: IntrinsicContext;
  lambda: LambdaService;
  functions: LocalFunction[];
  /** 1 = real time; 60 runs a `rate(1 minute)` rule every second. */
  timeScale?: number;
  /** Errors of a run (logged by the caller). */
  onError?: (schedule: LocalSchedule, error: string) => void;
}

export interface ScheduledRules {
  schedules: LocalSchedule[];
  warnings: string[];
  /** Runs every target of a rule once now (what an ops "run now" or a test does). */
  runNow(ruleLogicalId: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `rate(5 minutes)` → 300000; undefined for cron() or anything else. */
export function ratePeriodMs(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNITS[m[2]!]!;
}

/**
 * EventBridge schedule rules (`ScheduleExpression`) of the template, run locally: each Lambda target
 * is invoked with the event EventBridge would send (a `Scheduled Event` from `aws.events`), on the
 * rule's rate, retried up to the target's RetryPolicy. cron() expressions and non-Lambda targets are
 * reported, not run.
 */
export function scheduledRulesFromTemplate(options: ScheduledRulesOptions): ScheduledRules {
  const { ctx, lambda } = options;
  const timeScale = options.timeScale ?? 1;
  const warnings: string[] = [];
  const schedules: LocalSchedule[] = [];
  const functionByLogicalId = new Map(options.functions.map((f) => [f.logicalId, f]));

  for (const [logicalId, resource] of resourcesOfType(ctx.template, 'AWS::Events::Rule')) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    if (typeof p.ScheduleExpression !== 'string') continue;
    if (p.State === 'DISABLED') continue;
    const periodMs = ratePeriodMs(p.ScheduleExpression);
    if (periodMs === undefined) {
      warnings.push(
        `Schedule rule ${logicalId} (${p.ScheduleExpression}) is not run locally: only rate() expressions are.`,
      );
      continue;
    }
    const targets: LocalSchedule['targets'] = [];
    for (const t of (p.Targets ?? []) as Record<string, unknown>[]) {
      const arn = t.Arn as { 'Fn::GetAtt'?: [string, string] } | undefined;
      const fn = functionByLogicalId.get(arn?.['Fn::GetAtt']?.[0] ?? '');
      if (!fn) {
        warnings.push(
          `Schedule rule ${logicalId}: target ${String(t.Id)} is not a local Lambda function; not run.`,
        );
        continue;
      }
      const retry = (t.RetryPolicy ?? {}) as { MaximumRetryAttempts?: number };
      targets.push({
        functionName: fn.name,
        input: t.Input === undefined ? undefined : JSON.parse(String(resolveIntrinsics(t.Input, ctx))),
        // EventBridge retries a failed async delivery up to 185 times over 24 h by default.
        maxAttempts: 1 + Math.min(retry.MaximumRetryAttempts ?? 185, 3),
      });
    }
    if (
      (p.Targets as unknown[] | undefined)?.some(
        (t) => (t as { RetryPolicy?: unknown }).RetryPolicy === undefined,
      )
    )
      warnings.push(
        `Schedule rule ${logicalId}: retries capped at 3 locally (EventBridge: up to 185 over 24 h).`,
      );
    schedules.push({
      ruleLogicalId: logicalId,
      expression: p.ScheduleExpression,
      periodMs,
      targets,
      runs: 0,
      failures: 0,
    });
  }

  const timers: NodeJS.Timeout[] = [];
  const inFlight = new Set<Promise<void>>();
  const running = new Set<LocalSchedule>();

  const run = async (schedule: LocalSchedule) => {
    schedule.runs += 1;
    const event = {
      version: '0',
      id: crypto.randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ctx.accountId,
      time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: ctx.region,
      resources: [`arn:aws:events:${ctx.region}:${ctx.accountId}:rule/${schedule.ruleLogicalId}`],
      detail: {},
    };
    for (const target of schedule.targets) {
      let lastError = '';
      for (let attempt = 1; attempt <= target.maxAttempts; attempt++) {
        const result = await lambda.invoke(target.functionName, target.input ?? event);
        if (result.ok) {
          lastError = '';
          break;
        }
        lastError = `${result.error.errorType}: ${result.error.errorMessage}`;
      }
      if (lastError) {
        schedule.failures += 1;
        schedule.lastError = lastError;
        options.onError?.(schedule, lastError);
      }
    }
  };
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };

  return {
    schedules,
    warnings,
    runNow(ruleLogicalId) {
      const schedule = schedules.find((s) => s.ruleLogicalId === ruleLogicalId);
      if (!schedule) throw new Error(`No local schedule rule ${ruleLogicalId}`);
      return track(run(schedule));
    },
    start() {
      for (const schedule of schedules) {
        const period = Math.max(50, schedule.periodMs / timeScale);
        timers.push(
          setInterval(() => {
            // A run still in flight is not overlapped: the jobs are idempotent, but a backlog helps no one.
            if (running.has(schedule)) return;
            running.add(schedule);
            void track(run(schedule)).finally(() => running.delete(schedule));
          }, period),
        );
      }
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
      await Promise.allSettled([...inFlight]);
    },
  };
}
