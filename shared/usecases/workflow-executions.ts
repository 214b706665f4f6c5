import { z } from 'zod';
import { notFound, validationError } from '../domain/errors.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Page } from '../ports/order-repository.ts';
import {
  EXECUTION_STATUSES,
  type WorkflowExecutionDescription,
  type WorkflowExecutionSummary,
  type WorkflowExecutions,
  type WorkflowHistoryEvent,
  type WorkflowStateMachine,
} from '../ports/workflow-executions.ts';
import { redactTaskTokens } from './redact-task-tokens.ts';

export const ListExecutionsQuerySchema = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional(),
  /** A state machine name, with or without the stack prefix (e.g. `OrderFulfilment`). */
  stateMachine: z.string().min(1).max(80).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(4096).optional(),
});

export const GetExecutionQuerySchema = z.strictObject({
  stateMachine: z.string().min(1).max(80).optional(),
});

/** Step Functions execution names: 1–80 characters without whitespace, brackets, wildcards, specials or controls. */
function isExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  return ![...name].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return (
      ' <>{}[]?*"#%\\^|~`$&,;:/'.includes(c) || /\s/.test(c) || code <= 0x1f || (code >= 0x7f && code <= 0x9f)
    );
  });
}

export const ExecutionSummarySchema = z.object({
  name: z.string().describe('The execution name (the order id for order fulfilment)'),
  stateMachine: z.string(),
  executionArn: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  startDate: z.string(),
  stopDate: z.string().optional(),
});

const FailureSchema = z.object({
  type: z.string().describe('The history event, e.g. TaskFailed or TaskTimedOut'),
  at: z.string(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

export const ExecutionStepSchema = z.object({
  name: z.string(),
  type: z.string().describe('Task, Choice, Map, Wait, Pass, Parallel, Succeed or Fail'),
  outcome: z.enum(['running', 'succeeded', 'failed']),
  enteredAt: z.string(),
  exitedAt: z.string().optional(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  /** Task attempts (1 + retries). */
  attempts: z.number().int().optional(),
  failures: z.array(FailureSchema),
});

export const ExecutionHistoryEventSchema = z.object({
  id: z.number().int(),
  previousEventId: z.number().int().optional(),
  type: z.string(),
  timestamp: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const ExecutionDetailSchema = ExecutionSummarySchema.extend({
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
  steps: z.array(ExecutionStepSchema).describe('State by state, in the order they were entered'),
  events: z.array(ExecutionHistoryEventSchema).describe('The full execution history'),
});

export type ExecutionSummaryView = z.infer<typeof ExecutionSummarySchema>;
export type ExecutionStepView = z.infer<typeof ExecutionStepSchema>;
export type ExecutionDetailView = z.infer<typeof ExecutionDetailSchema>;

const iso = (d: Date) => d.toISOString();

function summary(e: WorkflowExecutionSummary, machines: WorkflowStateMachine[]): ExecutionSummaryView {
  return {
    name: e.name,
    stateMachine: machines.find((m) => m.arn === e.stateMachineArn)?.name ?? e.stateMachineArn,
    executionArn: e.executionArn,
    status: e.status,
    startDate: iso(e.startDate),
    ...(e.stopDate && { stopDate: iso(e.stopDate) }),
  };
}

/** `OrderFulfilment` or `Quartermaster-OrderFulfilment` → the machines it names (all without a filter). */
function selectMachines(
  machines: WorkflowStateMachine[],
  filter: string | undefined,
): WorkflowStateMachine[] {
  if (filter === undefined) return machines;
  const selected = machines.filter((m) => m.name === filter || m.name.endsWith(`-${filter}`));
  if (!selected.length) {
    throw validationError('The query is not valid', [
      {
        pointer: '',
        field: 'query:stateMachine',
        message: `is not a state machine of this deployment (${machines.map((m) => m.name).join(', ') || 'none'})`,
      },
    ]);
  }
  return selected;
}

interface Cursor {
  /** State machine ARN the page continues in. */
  m: string;
  /** Step Functions' nextToken within it. */
  t?: string;
}

function decodeCursor(cursor: string, machines: WorkflowStateMachine[]): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof parsed.m === 'string' && machines.some((m) => m.arn === parsed.m)) return parsed;
  } catch {
    // fall through
  }
  throw validationError('The cursor is not valid', [
    { pointer: '', field: 'query:cursor', message: 'is not a cursor returned by this listing' },
  ]);
}

const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');

/**
 * `GET /ops/executions`: the workflow executions of this deployment, newest first within each state
 * machine (state machines in name order), optionally of one status or one state machine.
 */
export function makeListExecutions(deps: { executions: WorkflowExecutions }) {
  return async function listExecutions(input: { query: unknown }): Promise<Page<ExecutionSummaryView>> {
    const q = parseOrThrow(ListExecutionsQuerySchema, input.query ?? {}, 'query');
    const all = (await deps.executions.stateMachines()).sort((a, b) => a.name.localeCompare(b.name));
    const machines = selectMachines(all, q.stateMachine);
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor, machines);
    let index = cursor ? machines.findIndex((m) => m.arn === cursor.m) : 0;
    let token = cursor?.t;
    const items: ExecutionSummaryView[] = [];
    while (index < machines.length && items.length < q.limit) {
      const machine = machines[index]!;
      const page = await deps.executions.list({
        stateMachineArn: machine.arn,
        ...(q.status && { status: q.status }),
        limit: q.limit - items.length,
        ...(token && { token }),
      });
      items.push(...page.items.map((e) => summary(e, all)));
      if (page.token) token = page.token;
      else {
        index++;
        token = undefined;
      }
    }
    const next = index < machines.length ? machines[index] : undefined;
    return { items, ...(next && { nextCursor: encodeCursor({ m: next.arn, ...(token && { t: token }) }) }) };
  };
}

/** `GET /ops/executions/{name}`: one execution (the latest of that name) with its story state by state. */
export function makeGetExecution(deps: { executions: WorkflowExecutions }) {
  return async function getExecution(input: { name: string; query: unknown }): Promise<ExecutionDetailView> {
    const q = parseOrThrow(GetExecutionQuerySchema, input.query ?? {}, 'query');
    if (!isExecutionName(input.name)) throw notFound('Execution', input.name);
    const all = await deps.executions.stateMachines();
    const machines = q.stateMachine === undefined ? all : selectMachines(all, q.stateMachine);
    const found = (
      await Promise.all(
        machines.map((m) =>
          deps.executions.describe(`${m.arn.replace(':stateMachine:', ':execution:')}:${input.name}`),
        ),
      )
    ).filter((d): d is WorkflowExecutionDescription => d !== undefined);
    const latest = found.sort((a, b) => b.startDate.getTime() - a.startDate.getTime())[0];
    if (!latest) throw notFound('Execution', input.name);
    const events = await deps.executions.history(latest.executionArn);
    // Ops see the story, never a task token (one would let its holder complete the waiting step).
    return redactTaskTokens({
      ...summary(latest, all),
      ...(latest.input !== undefined && { input: parseJson(latest.input) }),
      ...(latest.output !== undefined && { output: parseJson(latest.output) }),
      ...(latest.error !== undefined && { error: latest.error }),
      ...(latest.cause !== undefined && { cause: latest.cause }),
      steps: executionSteps(events, latest.status !== 'RUNNING'),
      events: events.map((e) => ({
        id: e.id,
        ...(e.previousEventId !== undefined && { previousEventId: e.previousEventId }),
        type: e.type,
        timestamp: iso(e.timestamp),
        ...(e.details && { details: e.details }),
      })),
    });
  };
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const SCHEDULED = /^(Task|LambdaFunction|Activity)Scheduled$/;
const SUCCEEDED = /^(Task|LambdaFunction|Activity)Succeeded$/;
const FAILED = /^(Task|LambdaFunction|Activity)(Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/;

/**
 * Folds a history into steps: one per state entered, with its input and output, task attempts and
 * every failure (retried, caught or fatal). An event belongs to the step of the event it follows.
 */
export function executionSteps(events: WorkflowHistoryEvent[], ended: boolean): ExecutionStepView[] {
  const steps: (ExecutionStepView & { lastAttemptFailed?: boolean })[] = [];
  const open: typeof steps = [];
  const owner = new Map<number, (typeof steps)[number]>();
  for (const event of events) {
    const d = event.details ?? {};
    if (event.type.endsWith('StateEntered')) {
      const step = {
        name: String(d.name ?? ''),
        type: event.type.slice(0, -'StateEntered'.length),
        outcome: 'running' as const,
        enteredAt: iso(event.timestamp),
        ...(d.input !== undefined && { input: parseJson(d.input) }),
        failures: [],
      };
      steps.push(step);
      open.push(step);
      owner.set(event.id, step);
      continue;
    }
    if (event.type.endsWith('StateExited')) {
      const at = open.findLastIndex((s) => s.name === d.name);
      const step = at >= 0 ? open.splice(at, 1)[0] : undefined;
      if (step) {
        step.exitedAt = iso(event.timestamp);
        if (d.output !== undefined) step.output = parseJson(d.output);
        step.outcome = step.lastAttemptFailed ? 'failed' : 'succeeded';
      }
      continue;
    }
    const previous = event.previousEventId === undefined ? undefined : owner.get(event.previousEventId);
    const step = previous && !previous.exitedAt ? previous : open.at(-1);
    if (!step || event.type.startsWith('Execution')) continue;
    owner.set(event.id, step);
    if (SCHEDULED.test(event.type)) step.attempts = (step.attempts ?? 0) + 1;
    else if (SUCCEEDED.test(event.type)) step.lastAttemptFailed = false;
    else if (FAILED.test(event.type) || /^(Map|Parallel)State(Failed|Aborted)$/.test(event.type)) {
      step.lastAttemptFailed = true;
      step.failures.push({
        type: event.type,
        at: iso(event.timestamp),
        ...(typeof d.error === 'string' && { error: d.error }),
        ...(typeof d.cause === 'string' && { cause: d.cause }),
      });
    }
  }
  // A state never exited: still running, or the execution ended in it (failed, timed out, aborted).
  return steps.map(({ lastAttemptFailed: _last, ...step }) =>
    step.exitedAt === undefined && ended ? { ...step, outcome: 'failed' } : step,
  );
}
