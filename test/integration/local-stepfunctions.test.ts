import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvokeResult } from '../../local/lambda/lambda-service.ts';
import { ExecutionStore, type HistoryEvent } from '../../local/stepfunctions/execution-store.ts';
import type {
  DynamoDbAdapter,
  PutEventsRequestEntry,
} from '../../local/stepfunctions/service-integrations.ts';
import {
  defineLocalStateMachine,
  type LocalStateMachine,
  StateMachineDefinitionError,
  stateMachinesFromTemplate,
} from '../../local/stepfunctions/state-machines-from-template.ts';
import {
  StepFunctionsService,
  type StepFunctionsServiceOptions,
} from '../../local/stepfunctions/step-functions-service.ts';
import { localPhysicalIds } from '../../local/template/physical-ids.ts';
import type { CfnTemplate } from '../../local/template/template.ts';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => {
  isValid: boolean;
  errorsText(separator?: string): string;
};
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** Every definition the suite runs, for the final asl-validator check. */
const definitions = new Map<string, unknown>();

function machine(
  name: string,
  definition: Record<string, unknown>,
  type?: 'STANDARD' | 'EXPRESS',
): LocalStateMachine {
  definitions.set(name, definition);
  return defineLocalStateMachine({
    name,
    definition,
    region: REGION,
    accountId: ACCOUNT,
    ...(type && { type }),
  });
}

function lambdaError(errorType: string, errorMessage: string): Error {
  const e = new Error(errorMessage);
  e.name = errorType;
  return e;
}

/** LambdaService-compatible fake: in-process handlers, errors shaped like the worker's. */
class FakeLambda {
  readonly calls: { fn: string; event: unknown }[] = [];
  constructor(private readonly handlers: Record<string, (event: unknown) => unknown>) {}

  async invoke(nameOrArn: string, event: unknown): Promise<InvokeResult> {
    const fn = nameOrArn.startsWith('arn:') ? (nameOrArn.split(':')[6] ?? nameOrArn) : nameOrArn;
    const handler = this.handlers[fn];
    if (!handler) throw new Error(`ResourceNotFoundException: Function not found: ${nameOrArn}`);
    this.calls.push({ fn, event });
    try {
      return { ok: true, payload: await handler(structuredClone(event)) };
    } catch (e) {
      const error = e as Error;
      return { ok: false, error: { errorType: error.name, errorMessage: error.message, trace: [] } };
    }
  }

  eventsOf(fn: string): unknown[] {
    return this.calls.filter((c) => c.fn === fn).map((c) => c.event);
  }
}

const services: StepFunctionsService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

function service(
  machines: LocalStateMachine[],
  options: Partial<StepFunctionsServiceOptions> = {},
): StepFunctionsService {
  const svc = new StepFunctionsService(machines, {
    region: REGION,
    accountId: ACCOUNT,
    timeScale: 0.001,
    retryIntervalScale: 0.01,
    ...options,
  });
  services.push(svc);
  return svc;
}

async function run(svc: StepFunctionsService, sm: LocalStateMachine, input: unknown, name?: string) {
  const { executionArn } = await svc.startExecution({
    stateMachineArn: sm.arn,
    input: JSON.stringify(input),
    ...(name && { name }),
  });
  await svc.waitForExecution(executionArn);
  const description = await svc.describeExecution({ executionArn });
  const { events } = await svc.getExecutionHistory({ executionArn });
  return {
    executionArn,
    description,
    events,
    output: description.output ? JSON.parse(description.output) : undefined,
  };
}

const types = (events: HistoryEvent[]) => events.map((e) => e.type);
const details = (event: HistoryEvent | undefined): Record<string, unknown> => {
  const key = Object.keys(event ?? {}).find((k) => k.endsWith('EventDetails'));
  return (key && event ? event[key] : {}) as Record<string, unknown>;
};
const enteredStates = (events: HistoryEvent[]) =>
  events.filter((e) => e.type.endsWith('StateEntered')).map((e) => details(e).name);

/** Resolves with the next value passed to `push` (a task token the fake Lambda received). */
function mailbox<T>() {
  const waiting: ((value: T) => void)[] = [];
  const queued: T[] = [];
  return {
    push(value: T) {
      const next = waiting.shift();
      if (next) next(value);
      else queued.push(value);
    },
    next(): Promise<T> {
      const value = queued.shift();
      return value !== undefined ? Promise.resolve(value) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe('Retry and Catch', () => {
  it('retries a retriable error with exponential backoff, then succeeds; each attempt is in the history', async () => {
    let attempts = 0;
    const lambda = new FakeLambda({
      reserve: () => {
        attempts++;
        if (attempts === 1) throw lambdaError('TooManyRequestsException', 'Rate exceeded');
        if (attempts === 2) throw lambdaError('InventoryBusy', 'lock held');
        return { reservationId: 'r-1' };
      },
    });
    const sm = machine('Reserve', {
      StartAt: 'Reserve',
      States: {
        Reserve: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: fnArn('reserve'), 'Payload.$': '$' },
          ResultSelector: { 'reservation.$': '$.Payload', 'status.$': '$.StatusCode' },
          Retry: [
            {
              ErrorEquals: ['Lambda.TooManyRequestsException', 'InventoryBusy'],
              IntervalSeconds: 2,
              BackoffRate: 3,
              MaxAttempts: 3,
            },
          ],
          End: true,
        },
      },
    });
    const svc = service([sm], { lambda });
    const { description, events, output } = await run(svc, sm, { orderId: 'o-1' });

    expect(description.status).toBe('SUCCEEDED');
    expect(output).toEqual({ reservation: { reservationId: 'r-1' }, status: 200 });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const failures = events.filter((e) => e.type === 'TaskFailed').map(details);
    expect(failures.map((f) => f.error)).toEqual(['Lambda.TooManyRequestsException', 'InventoryBusy']);
    expect(JSON.parse(String(failures[1]?.cause))).toMatchObject({
      errorType: 'InventoryBusy',
      errorMessage: 'lock held',
    });
    expect(details(events[2])).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: REGION });

    // 2 s and 6 s (BackoffRate 3), at retry scale 0.01: 20 ms then 60 ms.
    const at = (type: string, n: number) =>
      events.filter((e) => e.type === type)[n]?.timestamp.getTime() ?? 0;
    const firstPause = at('TaskScheduled', 1) - at('TaskFailed', 0);
    const secondPause = at('TaskScheduled', 2) - at('TaskFailed', 1);
    expect(firstPause).toBeGreaterThanOrEqual(15);
    expect(secondPause).toBeGreaterThanOrEqual(55);
    expect(secondPause).toBeGreaterThan(firstPause);
  });

  it('catches a failed payment and runs the compensation path', async () => {
    const lambda = new FakeLambda({
      reserve: (e) => ({ ...(e as object), reserved: true }),
      charge: () => {
        throw lambdaError('PaymentDeclined', 'card expired');
      },
      release: (e) => ({ released: (e as { orderId: string }).orderId }),
    });
    const sm = machine('Checkout', {
      StartAt: 'Reserve',
      States: {
        Reserve: { Type: 'Task', Resource: fnArn('reserve'), Next: 'Charge' },
        Charge: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: fnArn('charge'), 'Payload.$': '$' },
          Retry: [{ ErrorEquals: ['Lambda.ServiceException'], MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['PaymentDeclined'], ResultPath: '$.error', Next: 'Release' }],
          Next: 'Done',
        },
        Release: { Type: 'Task', Resource: fnArn('release'), ResultPath: '$.compensation', Next: 'Failed' },
        Failed: { Type: 'Fail', Error: 'OrderFailed', Cause: 'payment declined' },
        Done: { Type: 'Succeed' },
      },
    });
    const svc = service([sm], { lambda });
    const { description, events } = await run(svc, sm, { orderId: 'o-2' });

    expect(description).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'payment declined' });
    const released = lambda.eventsOf('release')[0] as {
      orderId: string;
      error: { Error: string; Cause: string };
    };
    expect(released.orderId).toBe('o-2');
    expect(released.error.Error).toBe('PaymentDeclined');
    expect(JSON.parse(released.error.Cause)).toMatchObject({
      errorType: 'PaymentDeclined',
      errorMessage: 'card expired',
    });

    // The history lists the states in order, with the plain-ARN Lambda events and the catch.
    expect(enteredStates(events)).toEqual(['Reserve', 'Charge', 'Release', 'Failed']);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e, i) => e.previousEventId === i)).toBe(true);
    expect(details(events.at(-1))).toEqual({ error: 'OrderFailed', cause: 'payment declined' });
  });

  it('reports an unknown function as Lambda.ResourceNotFoundException', async () => {
    const sm = machine('Missing', {
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: fnArn('nope'), End: true } },
    });
    const { description, events } = await run(service([sm], { lambda: new FakeLambda({}) }), sm, {});
    expect(description.error).toBe('Lambda.ResourceNotFoundException');
    expect(description.cause).toMatch(
      /Function not found: .*Status Code: 404; Error Code: ResourceNotFoundException/,
    );
    expect(types(events)).toContain('LambdaFunctionFailed');
  });
});

describe('.waitForTaskToken', () => {
  const approval = (heartbeat?: number, timeout = 3600) =>
    machine(`Approval-${heartbeat ?? 'none'}-${timeout}`, {
      StartAt: 'AwaitApproval',
      States: {
        AwaitApproval: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: fnArn('notify'),
            Payload: {
              'token.$': '$$.Task.Token',
              'orderId.$': '$.orderId',
              'execution.$': '$$.Execution.Id',
            },
          },
          TimeoutSeconds: timeout,
          ...(heartbeat !== undefined && { HeartbeatSeconds: heartbeat }),
          ResultPath: '$.approval',
          Catch: [
            { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Rejected' },
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Expired' },
          ],
          Next: 'Approved',
        },
        Approved: { Type: 'Succeed' },
        Rejected: { Type: 'Pass', Result: 'rejected', ResultPath: '$.outcome', End: true },
        Expired: { Type: 'Pass', Result: 'expired', ResultPath: '$.outcome', End: true },
      },
    });

  function notifier() {
    const tokens = mailbox<string>();
    const lambda = new FakeLambda({
      notify: (e) => {
        tokens.push((e as { token: string }).token);
        return { notified: true };
      },
    });
    return { tokens, lambda };
  }

  it('completes with sendTaskSuccess; the token is then closed', async () => {
    const { tokens, lambda } = notifier();
    const sm = approval();
    const svc = service([sm], { lambda });
    const { executionArn } = await svc.startExecution({
      stateMachineArn: sm.arn,
      input: '{"orderId":"o-3"}',
    });
    const token = await tokens.next();
    expect(lambda.eventsOf('notify')[0]).toMatchObject({ orderId: 'o-3', execution: executionArn });
    expect(svc.tokens.waiting(executionArn)).toHaveLength(1);
    await expect(svc.sendTaskSuccess({ taskToken: token, output: 'not json' })).rejects.toMatchObject({
      name: 'InvalidOutput',
    });

    await svc.sendTaskSuccess({ taskToken: token, output: '{"approvedBy":"ops"}' });
    const done = await svc.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ orderId: 'o-3', approval: { approvedBy: 'ops' } });

    const { events } = await svc.getExecutionHistory({ executionArn });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = details(events[2]);
    expect(scheduled).toMatchObject({ resource: 'invoke.waitForTaskToken', timeoutInSeconds: 3600 });
    expect(JSON.parse(String(scheduled.parameters)).Payload.token).toBe(token);

    await expect(svc.sendTaskSuccess({ taskToken: token, output: '{}' })).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    await expect(svc.sendTaskHeartbeat({ taskToken: 'not-a-token' })).rejects.toMatchObject({
      name: 'InvalidToken',
    });
    await expect(
      svc.sendTaskFailure({ taskToken: 'qm-local-task-token:00000000-0000-0000-0000-000000000000' }),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('fails with sendTaskFailure and routes to the catcher', async () => {
    const { tokens, lambda } = notifier();
    const sm = approval();
    const svc = service([sm], { lambda });
    const { executionArn } = await svc.startExecution({
      stateMachineArn: sm.arn,
      input: '{"orderId":"o-5"}',
    });
    await svc.sendTaskFailure({ taskToken: await tokens.next(), error: 'Rejected', cause: 'out of stock' });
    const done = await svc.waitForExecution(executionArn);
    expect(JSON.parse(done.output ?? '')).toEqual({
      orderId: 'o-5',
      error: { Error: 'Rejected', Cause: 'out of stock' },
      outcome: 'rejected',
    });
    const { events } = await svc.getExecutionHistory({ executionArn });
    expect(details(events.find((e) => e.type === 'TaskFailed'))).toMatchObject({
      error: 'Rejected',
      cause: 'out of stock',
    });
  });

  it('times out after TimeoutSeconds with States.Timeout, which States.TaskFailed does not catch', async () => {
    const { tokens, lambda } = notifier();
    const sm = approval(undefined, 60); // 60 s at time scale 0.001
    const svc = service([sm], { lambda });
    const started = Date.now();
    const { executionArn } = await svc.startExecution({
      stateMachineArn: sm.arn,
      input: '{"orderId":"o-6"}',
    });
    const token = await tokens.next();
    const done = await svc.waitForExecution(executionArn);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(JSON.parse(done.output ?? '')).toMatchObject({
      error: { Error: 'States.Timeout' },
      outcome: 'expired',
    });
    const { events } = await svc.getExecutionHistory({ executionArn });
    expect(details(events.find((e) => e.type === 'TaskTimedOut'))).toMatchObject({ error: 'States.Timeout' });
    expect(enteredStates(events)).toEqual(['AwaitApproval', 'Expired']);
    await expect(svc.sendTaskSuccess({ taskToken: token, output: '{}' })).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('fails with States.HeartbeatTimeout when heartbeats stop', async () => {
    const { tokens, lambda } = notifier();
    const sm = machine('Heartbeat', {
      StartAt: 'Pick',
      States: {
        Pick: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: fnArn('notify'), Payload: { 'token.$': '$$.Task.Token' } },
          HeartbeatSeconds: 20,
          TimeoutSeconds: 300,
          End: true,
        },
      },
    });
    const svc = service([sm], { lambda, timeScale: 0.01 }); // heartbeat every 200 ms, timeout 3 s
    const { executionArn } = await svc.startExecution({ stateMachineArn: sm.arn });
    const token = await tokens.next();
    const started = Date.now();
    // Heartbeats for 400 ms (twice the heartbeat interval) keep the task alive...
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await svc.sendTaskHeartbeat({ taskToken: token });
    }
    expect((await svc.describeExecution({ executionArn })).status).toBe('RUNNING');
    // ...then silence: the task fails one heartbeat interval later.
    const done = await svc.waitForExecution(executionArn);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    const { events } = await svc.getExecutionHistory({ executionArn });
    expect(details(events.find((e) => e.type === 'TaskTimedOut'))).toMatchObject({
      error: 'States.HeartbeatTimeout',
    });
    expect(details(events[2])).toMatchObject({ heartbeatInSeconds: 20, timeoutInSeconds: 300 });
  });
  it('a catcher naming States.Timeout catches a heartbeat timeout too, as on AWS', async () => {
    const { tokens, lambda } = notifier();
    const sm = machine('HeartbeatCaught', {
      StartAt: 'Pick',
      States: {
        Pick: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: fnArn('notify'), Payload: { 'token.$': '$$.Task.Token' } },
          HeartbeatSeconds: 20,
          TimeoutSeconds: 300,
          Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'TimedOut' }],
          End: true,
        },
        TimedOut: { Type: 'Pass', End: true },
      },
    });
    const svc = service([sm], { lambda, timeScale: 0.01 });
    const { executionArn } = await svc.startExecution({ stateMachineArn: sm.arn, input: '{}' });
    await tokens.next();
    const done = await svc.waitForExecution(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({ error: { Error: 'States.HeartbeatTimeout' } });
    const { events } = await svc.getExecutionHistory({ executionArn });
    expect(enteredStates(events)).toEqual(['Pick', 'TimedOut']);
  });
});

describe('Map, Choice, Wait', () => {
  it('maps over items with ItemSelector, the Map context and the root execution input', async () => {
    const lambda = new FakeLambda({
      price: (e) => {
        const { sku, qty, index, orderId } = e as {
          sku: string;
          qty: number;
          index: number;
          orderId: string;
        };
        return { sku, index, orderId, amount: qty * 10 };
      },
    });
    const sm = machine('PriceLines', {
      StartAt: 'Lines',
      States: {
        Lines: {
          Type: 'Map',
          ItemsPath: '$.lines',
          ItemSelector: { 'line.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
          MaxConcurrency: 2,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'INLINE' },
            StartAt: 'Price',
            States: {
              Price: {
                Type: 'Task',
                Resource: fnArn('price'),
                Parameters: {
                  'sku.$': '$.line.sku',
                  'qty.$': '$.line.qty',
                  'index.$': '$.index',
                  'orderId.$': '$$.Execution.Input.orderId',
                },
                End: true,
              },
            },
          },
          ResultPath: '$.priced',
          End: true,
        },
      },
    });
    const svc = service([sm], { lambda });
    const lines = [
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 2 },
      { sku: 'c', qty: 3 },
    ];
    const { output, events } = await run(svc, sm, { orderId: 'o-7', lines });
    expect(output.priced).toEqual([
      { sku: 'a', index: 0, orderId: 'o-7', amount: 10 },
      { sku: 'b', index: 1, orderId: 'o-7', amount: 20 },
      { sku: 'c', index: 2, orderId: 'o-7', amount: 30 },
    ]);
    const t = types(events);
    expect(t.slice(0, 3)).toEqual(['ExecutionStarted', 'MapStateEntered', 'MapStateStarted']);
    expect(details(events[2])).toEqual({ length: 3 });
    expect(t.filter((x) => x === 'MapIterationStarted')).toHaveLength(3);
    expect(t.filter((x) => x === 'MapIterationSucceeded')).toHaveLength(3);
    expect(t.slice(-3)).toEqual(['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
    const iterations = events.filter((e) => e.type === 'MapIterationStarted').map(details);
    expect(iterations.map((d) => d.index).sort()).toEqual([0, 1, 2]);
    expect(iterations[0]?.name).toBe('Lines');
  });

  it('runs Parallel branches, intrinsic functions, $$.State.Name and a Task TimeoutSeconds', async () => {
    const lambda = new FakeLambda({
      slow: () => new Promise((resolve) => setTimeout(() => resolve('late'), 500)),
      fast: () => 'quick',
    });
    const sm = machine('Fanout', {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Label',
              States: {
                Label: {
                  Type: 'Pass',
                  Parameters: {
                    'state.$': '$$.State.Name',
                    'text.$': "States.Format('{} for {}', $$.State.Name, $.orderId)",
                  },
                  End: true,
                },
              },
            },
            {
              StartAt: 'Slow',
              States: {
                Slow: {
                  Type: 'Task',
                  Resource: fnArn('slow'),
                  TimeoutSeconds: 50, // 50 ms at 0.001: the function takes 500 ms
                  Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Fast' }],
                  End: true,
                },
                Fast: { Type: 'Task', Resource: fnArn('fast'), End: true },
              },
            },
          ],
          End: true,
        },
      },
    });
    const { output, events } = await run(service([sm], { lambda }), sm, { orderId: 'o-10' });
    expect(output).toEqual([{ state: 'Label', text: 'Label for o-10' }, 'quick']);
    const t = types(events);
    expect(t.slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(t.slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded']);
    expect(details(events.find((e) => e.type === 'LambdaFunctionTimedOut'))).toEqual({
      error: 'States.Timeout',
    });
  });

  it('routes with Choice and waits (scaled) for Seconds and SecondsPath', async () => {
    const sm = machine('Fulfil', {
      StartAt: 'Route',
      States: {
        Route: {
          Type: 'Choice',
          Choices: [
            // As on AWS, a rule on a missing field fails the execution (States.Runtime): guard it.
            {
              And: [
                { Variable: '$.express', IsPresent: true },
                { Variable: '$.express', BooleanEquals: true },
              ],
              Next: 'Ship',
            },
            {
              And: [
                { Variable: '$.total', NumericGreaterThan: 100 },
                { Variable: '$.country', StringEquals: 'FR' },
              ],
              Next: 'Hold',
            },
          ],
          Default: 'Cooldown',
        },
        Hold: { Type: 'Wait', Seconds: 300, Next: 'Ship' },
        Cooldown: { Type: 'Wait', SecondsPath: '$.cooldown', Next: 'Ship' },
        Ship: { Type: 'Pass', Result: { shipped: true }, ResultPath: '$.status', Next: 'Count' },
        Count: { Type: 'Pass', Result: 0, ResultPath: '$.retries', End: true },
      },
    });
    const svc = service([sm]);

    const express = await run(svc, sm, { express: true });
    expect(enteredStates(express.events)).toEqual(['Route', 'Ship', 'Count']);
    expect(express.output).toEqual({ express: true, status: { shipped: true }, retries: 0 });

    const t0 = Date.now();
    const held = await run(svc, sm, { total: 150, country: 'FR' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290); // 300 s at 0.001
    expect(enteredStates(held.events)).toEqual(['Route', 'Hold', 'Ship', 'Count']);
    expect(types(held.events)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);

    const t1 = Date.now();
    const cooled = await run(svc, sm, { total: 10, country: 'FR', cooldown: 200 });
    expect(Date.now() - t1).toBeGreaterThanOrEqual(190);
    expect(enteredStates(cooled.events)).toEqual(['Route', 'Cooldown', 'Ship', 'Count']);
    expect(types(cooled.events)).toContain('WaitStateExited');
  });
});

describe('executions', () => {
  const gate = () =>
    machine('Gate', {
      StartAt: 'Hold',
      States: {
        Hold: {
          Type: 'Task',
          Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
          Parameters: {
            Entries: [
              {
                Source: 'quartermaster.test',
                DetailType: 'GateOpened',
                Detail: { 'token.$': '$$.Task.Token', 'orderId.$': '$.orderId' },
              },
            ],
          },
          End: true,
        },
      },
    });

  it('enforces execution names: idempotent while running with the same input, ExecutionAlreadyExists otherwise', async () => {
    const sent: PutEventsRequestEntry[] = [];
    const sm = gate();
    const svc = service([sm], {
      putEvents: async (entries) => {
        sent.push(...entries);
        return { Entries: entries.map(() => ({ EventId: 'e' })), FailedEntryCount: 0 };
      },
    });
    const first = await svc.startExecution({
      stateMachineArn: sm.arn,
      name: 'order-8',
      input: '{"orderId":"o-8"}',
    });
    const again = await svc.startExecution({
      stateMachineArn: sm.arn,
      name: 'order-8',
      input: '{"orderId":"o-8"}',
    });
    expect(again.executionArn).toBe(first.executionArn);
    expect(first.executionArn).toBe(`arn:aws:states:${REGION}:${ACCOUNT}:execution:Gate:order-8`);
    await expect(
      svc.startExecution({ stateMachineArn: sm.arn, name: 'order-8', input: '{"orderId":"other"}' }),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });

    // The event carried the token; the execution and state machine ARNs were appended to Resources.
    await expect.poll(() => sent.length).toBe(1);
    const detail = JSON.parse(sent[0]?.Detail ?? '{}') as { token: string; orderId: string };
    expect(detail.orderId).toBe('o-8');
    expect(sent[0]?.Resources).toEqual([sm.arn, first.executionArn]);

    await svc.stopExecution({
      executionArn: first.executionArn,
      error: 'Cancelled',
      cause: 'customer cancelled',
    });
    const stopped = await svc.describeExecution({ executionArn: first.executionArn });
    expect(stopped).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'customer cancelled' });
    const { events } = await svc.getExecutionHistory({ executionArn: first.executionArn });
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
    await expect(svc.sendTaskSuccess({ taskToken: detail.token, output: '{}' })).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });

    // A closed execution keeps its name (90 days), whatever the input.
    await expect(
      svc.startExecution({ stateMachineArn: sm.arn, name: 'order-8', input: '{"orderId":"o-8"}' }),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(svc.startExecution({ stateMachineArn: sm.arn, name: 'bad name' })).rejects.toMatchObject({
      name: 'InvalidName',
    });
    await expect(svc.startExecution({ stateMachineArn: sm.arn, input: '{nope' })).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
    });
    const listed = await svc.listExecutions({ stateMachineArn: sm.arn, statusFilter: 'ABORTED' });
    expect(listed.executions.map((e) => e.name)).toEqual(['order-8']);
  });

  it('times out an execution after its TimeoutSeconds', async () => {
    const sm = machine('Deadline', {
      TimeoutSeconds: 30,
      StartAt: 'Hold',
      States: {
        Hold: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: fnArn('notify'), Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    });
    const svc = service([sm], { lambda: new FakeLambda({ notify: () => ({}) }) });
    const { description, events } = await run(svc, sm, {});
    expect(description).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(events.at(-1)?.type).toBe('ExecutionTimedOut');
    expect(svc.tokens.waiting()).toEqual([]);
  });

  it('runs a nested execution with startExecution.sync:2, and catches its failure', async () => {
    const child = machine('Child', {
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.ok', BooleanEquals: false, Next: 'Boom' }],
          Default: 'Fine',
        },
        Fine: { Type: 'Pass', Parameters: { 'echo.$': '$.value' }, End: true },
        Boom: { Type: 'Fail', Error: 'ChildFailed', Cause: 'not ok' },
      },
    });
    const parent = machine('Parent', {
      StartAt: 'RunChild',
      States: {
        RunChild: {
          Type: 'Task',
          Resource: 'arn:aws:states:::states:startExecution.sync:2',
          Parameters: {
            StateMachineArn: child.arn,
            Input: {
              'ok.$': '$.ok',
              value: 42,
              'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
            },
          },
          ResultSelector: { 'childOutput.$': '$.Output', 'status.$': '$.Status' },
          Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.error', Next: 'Compensate' }],
          End: true,
        },
        Compensate: { Type: 'Pass', End: true },
      },
    });
    const svc = service([child, parent]);
    const ok = await run(svc, parent, { ok: true });
    expect(ok.output).toEqual({ childOutput: { echo: 42 }, status: 'SUCCEEDED' });
    expect(types(ok.events)).toContain('TaskSubmitted');

    const failed = await run(svc, parent, { ok: false });
    expect(failed.description.status).toBe('SUCCEEDED');
    expect(failed.output.error.Error).toBe('States.TaskFailed');
    expect(JSON.parse(failed.output.error.Cause)).toMatchObject({
      Status: 'FAILED',
      Error: 'ChildFailed',
      Cause: 'not ok',
    });
    const children = await svc.listExecutions({ stateMachineArn: child.arn });
    expect(children.executions).toHaveLength(2);
  });

  it('keeps executions in a directory across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qm-sfn-'));
    try {
      const sm = machine('Persisted', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
      const gated = gate();
      const svc = service([sm, gated], {
        store: new ExecutionStore({ directory: dir }),
        putEvents: async () => ({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] }),
      });
      const finished = await run(svc, sm, { a: 1 }, 'kept');
      const pending = await svc.startExecution({
        stateMachineArn: gated.arn,
        name: 'cut-short',
        input: '{}',
      });

      const reloaded = new ExecutionStore({ directory: dir });
      expect(reloaded.get(finished.executionArn)).toMatchObject({ status: 'SUCCEEDED', output: '{"a":1}' });
      expect(reloaded.history(finished.executionArn).map((e) => e.type)).toEqual(types(finished.events));
      // What a killed process leaves: the running one is on disk as RUNNING, ready to be resumed.
      expect(reloaded.get(pending.executionArn)).toMatchObject({ status: 'RUNNING' });
      expect(reloaded.interrupted().map((r) => r.executionArn)).toEqual([pending.executionArn]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a restart on the same directory resumes RUNNING executions', () => {
    const flow = (name: string, waitSeconds = 60) =>
      machine(name, {
        StartAt: 'Reserve',
        States: {
          Reserve: {
            Type: 'Task',
            Resource: fnArn('reserve'),
            ResultPath: '$.reservation',
            Next: 'Approve',
          },
          Approve: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            Parameters: { FunctionName: fnArn('notify'), Payload: { 'token.$': '$$.Task.Token' } },
            TimeoutSeconds: 3600,
            ResultPath: '$.approval',
            Next: 'Cool',
          },
          Cool: { Type: 'Wait', Seconds: waitSeconds, Next: 'Ship' },
          Ship: { Type: 'Task', Resource: fnArn('ship'), End: true },
        },
      });
    const journalled = async (svc: StepFunctionsService, executionArn: string, outcome: string) => {
      for (;;) {
        const entry = svc.executions.get(executionArn)?.journal?.find((e) => e.outcome === outcome);
        if (entry) return entry;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const fakes = () => {
      const tokens = mailbox<string>();
      let reservations = 0;
      const lambda = new FakeLambda({
        reserve: () => ({ reservationId: `r-${++reservations}` }),
        notify: (event) => {
          tokens.push((event as { token: string }).token);
          return {};
        },
        ship: (event) => ({ shipped: event }),
      });
      return { lambda, tokens };
    };

    it('finished steps are not called again, the waiting task keeps its token, the history carries on', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qm-sfn-resume-'));
      try {
        const sm = flow('Resumable');
        const { lambda, tokens } = fakes();
        const first = service([sm], { lambda, store: new ExecutionStore({ directory: dir }) });
        const { executionArn } = await first.startExecution({
          stateMachineArn: sm.arn,
          name: 'order-1',
          input: '{"orderId":"o-1"}',
        });
        const token = await tokens.next();
        // The journal keeps the token once the call that carries it returned (TaskSubmitted).
        await journalled(first, executionArn, 'waiting');
        const before = await first.getExecutionHistory({ executionArn });
        await first.close();
        // A graceful stop keeps it RUNNING on disk (AWS would keep it running).
        expect(new ExecutionStore({ directory: dir }).get(executionArn)?.status).toBe('RUNNING');

        const second = service([sm], { lambda, store: new ExecutionStore({ directory: dir }) });
        const carried = await second.resumeInterrupted();
        expect(carried.resumed.map((r) => r.executionArn)).toEqual([executionArn]);
        expect(carried.aborted).toEqual([]);
        expect((await second.describeExecution({ executionArn })).status).toBe('RUNNING');
        // The partner answers on the token it got before the restart.
        await second.sendTaskSuccess({ taskToken: token, output: '{"approved":true}' });
        const done = await second.waitForExecution(executionArn);
        expect(done.status).toBe('SUCCEEDED');
        expect(JSON.parse(done.output ?? 'null')).toEqual({
          shipped: { orderId: 'o-1', reservation: { reservationId: 'r-1' }, approval: { approved: true } },
        });
        // Each side effect happened once across both runtimes.
        expect(lambda.eventsOf('reserve')).toHaveLength(1);
        expect(lambda.eventsOf('notify')).toHaveLength(1);
        expect(lambda.eventsOf('ship')).toHaveLength(1);
        // One history: what the first runtime recorded, then the rest, nothing twice.
        const { events } = await second.getExecutionHistory({ executionArn });
        expect(types(events).slice(0, before.events.length)).toEqual(types(before.events));
        expect(types(events).filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
        expect(enteredStates(events)).toEqual(['Reserve', 'Approve', 'Cool', 'Ship']);
        expect(types(events).at(-1)).toBe('ExecutionSucceeded');
        expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('a Wait resumed after a restart keeps its original deadline', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qm-sfn-resume-wait-'));
      try {
        // 1 day at 0.001 is 86 s: the execution is certainly still waiting when the runtime stops.
        const sm = flow('ResumableWait', 86_400);
        const { lambda, tokens } = fakes();
        const first = service([sm], { lambda, store: new ExecutionStore({ directory: dir }) });
        const { executionArn } = await first.startExecution({ stateMachineArn: sm.arn, input: '{}' });
        await first.sendTaskSuccess({ taskToken: await tokens.next(), output: '{}' });
        const entry = await journalled(first, executionArn, 'sleeping');
        await first.close();

        const second = service([sm], { lambda, store: new ExecutionStore({ directory: dir }) });
        await second.resumeInterrupted();
        const record = second.executions.get(executionArn);
        expect(record?.status).toBe('RUNNING');
        // Same deadline as before the restart, not a new full day.
        expect(record?.journal?.find((e) => e.outcome === 'sleeping')).toEqual(entry);
        expect(lambda.eventsOf('notify')).toHaveLength(1);
        expect(lambda.eventsOf('ship')).toHaveLength(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('an execution whose state machine changed is not resumed: ABORTED, Local.RuntimeRestarted, with why', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'qm-sfn-resume-changed-'));
      try {
        const { lambda, tokens } = fakes();
        const before = flow('Changing');
        const first = service([before], { lambda, store: new ExecutionStore({ directory: dir }) });
        const { executionArn } = await first.startExecution({ stateMachineArn: before.arn, input: '{}' });
        await tokens.next();
        await journalled(first, executionArn, 'waiting');
        await first.close();

        const after = flow('Changing', 5);
        const second = service([after], { lambda, store: new ExecutionStore({ directory: dir }) });
        const carried = await second.resumeInterrupted();
        expect(carried.resumed).toEqual([]);
        expect(carried.aborted).toEqual([
          expect.objectContaining({
            executionArn,
            status: 'ABORTED',
            error: 'Local.RuntimeRestarted',
            cause: expect.stringContaining('definition changed'),
          }),
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

/** A DefinitionSubstitutions placeholder, as CDK writes them into DefinitionString. */
const TABLE_SUBSTITUTION = `\${TableName}`;

describe('state machines from the template', () => {
  it('resolves DefinitionString, substitutions and ARNs, and runs DynamoDB and EventBridge tasks (EXPRESS)', async () => {
    const template: CfnTemplate = {
      Resources: {
        ReserveFn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'qm-reserve' } },
        OrdersTable: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'orders' } },
        Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders-bus' } },
        Role: { Type: 'AWS::IAM::Role' },
        Flow: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            StateMachineName: 'order-flow',
            StateMachineType: 'EXPRESS',
            RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
            DefinitionSubstitutions: { TableName: { Ref: 'OrdersTable' } },
            LoggingConfiguration: {
              Level: 'ALL',
              IncludeExecutionData: true,
              Destinations: [
                {
                  CloudWatchLogsLogGroup: { LogGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:x' },
                },
              ],
            },
            DefinitionString: {
              'Fn::Join': [
                '',
                [
                  '{"StartAt":"Reserve","States":{"Reserve":{"Type":"Task","Resource":"',
                  { 'Fn::GetAtt': ['ReserveFn', 'Arn'] },
                  '","ResultPath":"$.reservation","Next":"Save"},',
                  '"Save":{"Type":"Task","Resource":"arn:',
                  { Ref: 'AWS::Partition' },
                  ':states:::dynamodb:putItem","Parameters":{"TableName":"',
                  TABLE_SUBSTITUTION,
                  '","Item":{"pk":{"S.$":"$.orderId"}},',
                  '"ConditionExpression":"attribute_not_exists(pk)"},"ResultPath":null,"Next":"Load"},',
                  '"Load":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{"TableName":"',
                  TABLE_SUBSTITUTION,
                  '",',
                  '"Key":{"pk":{"S.$":"$.orderId"}}},"ResultSelector":{"pk.$":"$.Item.pk.S"},"ResultPath":"$.loaded","Next":"Announce"},',
                  '"Announce":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"EventBusName":"',
                  { Ref: 'Bus' },
                  '","Source":"quartermaster.orders","DetailType":"OrderReserved","Detail":{"orderId.$":"$.orderId"}}]},',
                  '"ResultSelector":{"failed.$":"$.FailedEntryCount"},"ResultPath":"$.announced","End":true}}}',
                ],
              ],
            },
          },
        },
      },
    };
    const ids = localPhysicalIds({
      template,
      stackName: 'Qm',
      region: REGION,
      accountId: ACCOUNT,
      namePrefix: 't-',
    });
    const [flow, ...rest] = stateMachinesFromTemplate({
      template,
      stackName: 'Qm',
      region: REGION,
      accountId: ACCOUNT,
      ids,
    });
    expect(rest).toEqual([]);
    if (!flow) throw new Error('no state machine');
    definitions.set('template:order-flow', flow.definition);
    expect(flow).toMatchObject({
      logicalId: 'Flow',
      name: 'order-flow',
      arn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:order-flow`,
      type: 'EXPRESS',
      roleArn: `arn:aws:iam:${REGION}:${ACCOUNT}:role/Role`,
      logging: { level: 'ALL', includeExecutionData: true },
      definitionSubstitutions: { TableName: 't-orders' },
    });
    expect(JSON.stringify(flow.definition)).toContain(fnArn('qm-reserve'));

    const items = new Map<string, Record<string, unknown>>();
    const dynamodb: DynamoDbAdapter = {
      putItem: async (p) => {
        const item = p.Item as { pk: { S: string } };
        if (items.has(item.pk.S)) {
          throw Object.assign(new Error('The conditional request failed'), {
            name: 'ConditionalCheckFailedException',
          });
        }
        expect(p.TableName).toBe('t-orders');
        items.set(item.pk.S, item);
        return { $metadata: { httpStatusCode: 200 } };
      },
      getItem: async (p) => ({ Item: items.get((p.Key as { pk: { S: string } }).pk.S), $metadata: {} }),
      updateItem: async () => ({}),
      deleteItem: async () => ({}),
    };
    const sent: PutEventsRequestEntry[] = [];
    const svc = service([flow], {
      lambda: new FakeLambda({ 'qm-reserve': () => ({ ok: true }) }),
      dynamodb,
      putEvents: async (entries) => {
        sent.push(...entries);
        return { Entries: [{ EventId: 'evt-1' }], FailedEntryCount: 0 };
      },
    });
    expect(svc.warnings.some((w) => w.includes('CloudWatch Logs'))).toBe(true);

    const result = await svc.startSyncExecution({ stateMachineArn: flow.arn, input: '{"orderId":"o-9"}' });
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toEqual({
      orderId: 'o-9',
      reservation: { ok: true },
      loaded: { pk: 'o-9' },
      announced: { failed: 0 },
    });
    expect(sent[0]).toMatchObject({ EventBusName: 't-orders-bus', Detail: '{"orderId":"o-9"}' });
    expect(result.executionArn).toMatch(/:express:order-flow:/);

    // Second run: the conditional put fails as AWS names it; EXPRESS executions have no DescribeExecution.
    const again = await svc.startSyncExecution({ stateMachineArn: flow.arn, input: '{"orderId":"o-9"}' });
    expect(again).toMatchObject({ status: 'FAILED', error: 'DynamoDB.ConditionalCheckFailedException' });
    await expect(svc.describeExecution({ executionArn: again.executionArn })).rejects.toMatchObject({
      name: 'StateMachineTypeNotSupported',
    });
  });

  it.each([
    [
      'JSONata',
      { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', End: true } } },
      'JSONata',
    ],
    ['Assign', { StartAt: 'A', States: { A: { Type: 'Pass', Assign: { x: 1 }, End: true } } }, 'state "A"'],
    [
      'distributed Map',
      {
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'P',
              States: { P: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      'state "M": a distributed Map',
    ],
    [
      'an unsupported integration',
      {
        StartAt: 'Send',
        States: {
          Send: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: 'q', MessageBody: 'x' },
            End: true,
          },
        },
      },
      'state "Send": resource arn:aws:states:::sqs:sendMessage has no local integration',
    ],
    [
      'the state entry time',
      {
        StartAt: 'A',
        States: { A: { Type: 'Pass', Parameters: { 'at.$': '$$.State.EnteredTime' }, End: true } },
      },
      'state "A": $$.State.EnteredTime',
    ],
  ])('refuses %s loudly', (_label, definition, message) => {
    expect(aslValidator(definition).isValid).toBe(true);
    expect(() =>
      defineLocalStateMachine({ name: 'Refused', definition, region: REGION, accountId: ACCOUNT }),
    ).toThrow(StateMachineDefinitionError);
    expect(() =>
      defineLocalStateMachine({ name: 'Refused', definition, region: REGION, accountId: ACCOUNT }),
    ).toThrow(message);
  });

  it('refuses callbacks in EXPRESS state machines, as CreateStateMachine does', () => {
    expect(() => gateExpress()).toThrow(/state "Hold": \.waitForTaskToken/);
  });
});

function gateExpress(): LocalStateMachine {
  return defineLocalStateMachine({
    name: 'ExpressGate',
    type: 'EXPRESS',
    region: REGION,
    accountId: ACCOUNT,
    definition: {
      StartAt: 'Hold',
      States: {
        Hold: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'f', Payload: { 'token.$': '$$.Task.Token' } },
          End: true,
        },
      },
    },
  });
}

it('every definition of this suite passes asl-validator', () => {
  expect(definitions.size).toBeGreaterThan(10);
  for (const [name, definition] of definitions) {
    const { isValid, errorsText } = aslValidator(definition, { checkArn: true, checkPaths: true });
    expect(isValid, `${name}: ${isValid ? '' : errorsText('; ')}`).toBe(true);
  }
});
