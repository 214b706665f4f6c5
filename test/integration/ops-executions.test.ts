import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  defineLocalStateMachine,
  type LocalStateMachine,
} from '../../local/stepfunctions/state-machines-from-template.ts';
import { makeSfnWorkflowExecutions } from '../../shared/adapters/aws/sfn-workflow-executions.ts';
import { REDACTED_TOKEN } from '../../shared/usecases/redact-task-tokens.ts';
import { makeGetExecution } from '../../shared/usecases/workflow-executions.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

let stack: TestStack;
let sfn: SFNClient;
let ops: ReturnType<typeof apiClient>;
let web: ReturnType<typeof apiClient>;

/**
 * Protocol fixtures, registered beside the template's state machines. They are named outside the
 * stack's `<stackName>-` prefix, so the ops API (this stack's state machines only) never lists them.
 */
const fixture = (name: string, definition: Record<string, unknown>): LocalStateMachine =>
  defineLocalStateMachine({ name: `LocalFixture-${name}`, definition, region: REGION, accountId: ACCOUNT });
const notify = fixture('Notify', { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
const approval = fixture('Approval', {
  StartAt: 'AwaitApproval',
  States: {
    AwaitApproval: {
      Type: 'Task',
      // The token goes to a child execution (any integration would do): the test answers it.
      Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken',
      Parameters: {
        StateMachineArn: notify.arn,
        Input: { 'token.$': '$$.Task.Token', 'orderId.$': '$.orderId' },
      },
      TimeoutSeconds: 60, // 60 ms at time scale 0.001
      ResultPath: '$.approval',
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
  },
});
/** Approval with a long timeout (60 s scaled): the token tests must not race a 60 ms deadline under load. */
const patientApproval = fixture('PatientApproval', {
  StartAt: 'AwaitApproval',
  States: {
    AwaitApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.waitForTaskToken',
      Parameters: {
        StateMachineArn: notify.arn,
        Input: { 'token.$': '$$.Task.Token', 'orderId.$': '$.orderId' },
      },
      TimeoutSeconds: 60_000,
      ResultPath: '$.approval',
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
  },
});
const flaky = fixture('Flaky', {
  StartAt: 'ReadMissingTable',
  States: {
    ReadMissingTable: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Parameters: { TableName: 'no-such-table', Key: { PK: { 'S.$': '$.orderId' } } },
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Compensate' }],
      Next: 'Done',
    },
    Compensate: { Type: 'Pass', Result: 'released', ResultPath: '$.reservations', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
});
const FIXTURES = [notify, approval, patientApproval, flaky];

beforeAll(async () => {
  stack = await startTestStack({ stepFunctions: { timeScale: 0.001 } });
  for (const m of FIXTURES) stack.runtime.stepFunctions.registerStateMachine(m);
  sfn = new SFNClient({
    endpoint: stack.runtime.adminUrl,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  ops = apiClient(stack.api, stack.runtime.keyFor('ops'));
  web = apiClient(stack.api, stack.runtime.keyFor('web'));
});
afterAll(async () => {
  sfn?.destroy();
  await stack?.close();
});

const start = (m: LocalStateMachine, name: string, input: unknown) =>
  sfn.send(new StartExecutionCommand({ stateMachineArn: m.arn, name, input: JSON.stringify(input) }));

async function settled(executionArn: string) {
  return vi.waitFor(
    async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (d.status === 'RUNNING') throw new Error('still running');
      return d;
    },
    { timeout: 5000, interval: 20 },
  );
}

/** The task token, read from the TaskScheduled event's parameters as on AWS. */
async function tokenOf(executionArn: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const scheduled = events.find((e) => e.type === 'TaskScheduled');
      if (!scheduled || !events.some((e) => e.type === 'TaskSubmitted')) throw new Error('not waiting yet');
      return (
        JSON.parse(scheduled.taskScheduledEventDetails?.parameters ?? '{}') as { Input: { token: string } }
      ).Input.token;
    },
    { timeout: 5000, interval: 10 },
  );
}

describe('the Step Functions API on the runtime endpoint (@aws-sdk/client-sfn, unchanged)', () => {
  test('lists the state machines of the template (and the fixtures)', async () => {
    const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
    const templateMachines = stack.runtime.stack.template.Resources;
    const declared = Object.values(templateMachines).filter(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    ).length;
    expect(stateMachines).toHaveLength(declared + FIXTURES.length);
    expect(stateMachines.map((m) => m.name)).toEqual(expect.arrayContaining([approval.name, flaky.name]));
    expect(stateMachines[0]?.creationDate).toBeInstanceOf(Date);
  });

  test('a second StartExecution with the same name is ExecutionAlreadyExists (a duplicate event starts nothing)', async () => {
    const first = await start(approval, 'ord_dup_1', { orderId: 'ord_dup_1' });
    expect(first.executionArn).toBe(
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:${approval.name}:ord_dup_1`,
    );
    expect(first.startDate).toBeInstanceOf(Date);
    // Same name and input while running: AWS answers with the running execution (idempotent).
    const again = await start(approval, 'ord_dup_1', { orderId: 'ord_dup_1' });
    expect(again.executionArn).toBe(first.executionArn);
    const error = await start(approval, 'ord_dup_1', { orderId: 'ord_dup_1', retry: true }).catch((e) => e);
    expect(error).toBeInstanceOf(ExecutionAlreadyExists);
    expect(error.$metadata.httpStatusCode).toBe(400);

    const { executions = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: approval.arn, statusFilter: 'RUNNING' }),
    );
    expect(executions.filter((e) => e.name === 'ord_dup_1')).toHaveLength(1);
    const stopped = await sfn.send(
      new StopExecutionCommand({ executionArn: first.executionArn, error: 'Test', cause: 'done' }),
    );
    expect(stopped.stopDate).toBeInstanceOf(Date);
    expect((await settled(first.executionArn!)).status).toBe('ABORTED');
    // A stopped execution's name stays taken (90 days on AWS).
    await expect(start(approval, 'ord_dup_1', { orderId: 'ord_dup_1' })).rejects.toBeInstanceOf(
      ExecutionAlreadyExists,
    );
  });

  test('SendTaskSuccess resumes a .waitForTaskToken task; a used or unknown token is refused', async () => {
    const { executionArn } = await start(approval, 'ord_ok_1', { orderId: 'ord_ok_1' });
    const taskToken = await tokenOf(executionArn!);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{"approvedBy":"ops"}' }));
    const done = await settled(executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '')).toEqual({ orderId: 'ord_ok_1', approval: { approvedBy: 'ops' } });

    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
  });

  test('a task nobody answers fails with States.Timeout after its TimeoutSeconds (scaled)', async () => {
    const { executionArn } = await start(approval, 'ord_late_1', { orderId: 'ord_late_1' });
    const taskToken = await tokenOf(executionArn!);
    const done = await settled(executionArn!);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((e) => e.type)).toContain('TaskTimedOut');
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }))).rejects.toBeInstanceOf(
      TaskTimedOut,
    );
  });

  test('an unknown execution is ExecutionDoesNotExist; an unknown operation is refused', async () => {
    await expect(
      sfn.send(
        new DescribeExecutionCommand({
          executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${approval.name}:nope`,
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    const response = await fetch(stack.runtime.adminUrl, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSStepFunctions.CreateActivity',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('execution view (the ops API use case over the SFN adapter)', () => {
  test('tells the story state by state: retries, the caught failure and the compensation', async () => {
    const { executionArn } = await start(flaky, 'ord_flaky_1', { orderId: 'ord_flaky_1' });
    await settled(executionArn!);
    const getExecution = makeGetExecution({
      executions: makeSfnWorkflowExecutions(sfn, { stateMachines: [{ name: flaky.name, arn: flaky.arn }] }),
    });
    const view = await getExecution({ name: 'ord_flaky_1', query: {} });
    expect(view).toMatchObject({
      name: 'ord_flaky_1',
      stateMachine: flaky.name,
      status: 'SUCCEEDED',
      input: { orderId: 'ord_flaky_1' },
      output: { orderId: 'ord_flaky_1', reservations: 'released' },
    });
    expect(view.steps.map((s) => [s.name, s.outcome])).toEqual([
      ['ReadMissingTable', 'failed'],
      ['Compensate', 'succeeded'],
      ['Done', 'succeeded'],
    ]);
    const read = view.steps[0]!;
    expect(read.attempts).toBe(3);
    expect(read.failures.map((f) => f.error)).toEqual(Array(3).fill('DynamoDB.ResourceNotFoundException'));
    expect(read.input).toEqual({ orderId: 'ord_flaky_1' });
    expect(view.events[0]).toMatchObject({ id: 1, type: 'ExecutionStarted' });
    await expect(getExecution({ name: 'ord_unknown', query: {} })).rejects.toMatchObject({
      kind: 'not-found',
    });
  });
});

describe('task tokens and the local endpoints (issue 12.5)', () => {
  test('the execution view never shows a task token, though the history has it', async () => {
    const { executionArn } = await start(patientApproval, 'ord_tok_1', { orderId: 'ord_tok_1' });
    const taskToken = await tokenOf(executionArn!);
    expect(taskToken.length).toBeGreaterThan(10);
    const getExecution = makeGetExecution({
      executions: makeSfnWorkflowExecutions(sfn, {
        stateMachines: [{ name: patientApproval.name, arn: patientApproval.arn }],
      }),
    });
    const text = JSON.stringify(await getExecution({ name: 'ord_tok_1', query: {} }));
    expect(text).not.toContain(taskToken);
    expect(text).toContain(REDACTED_TOKEN);
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    expect((await settled(executionArn!)).status).toBe('SUCCEEDED');
  });

  test('the API port answers no AWS-protocol call: a token cannot be read or used through it', async () => {
    const viaApiPort = new SFNClient({
      endpoint: stack.runtime.url,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const { executionArn } = await start(patientApproval, 'ord_tok_2', { orderId: 'ord_tok_2' });
    const taskToken = await tokenOf(executionArn!);
    for (const command of [
      new GetExecutionHistoryCommand({ executionArn }),
      new SendTaskSuccessCommand({ taskToken, output: '{"approvedBy":"intruder"}' }),
    ]) {
      const error = await viaApiPort.send(command as GetExecutionHistoryCommand).catch((e: Error) => e);
      expect((error as Error).name).toBe('AccessDeniedException');
    }
    viaApiPort.destroy();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    expect(new URL(stack.runtime.adminUrl).hostname).toBe('127.0.0.1');
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
    await settled(executionArn!);
  });

  test('/_local answers only with the ops key', async () => {
    const get = (key?: string) =>
      fetch(`${stack.runtime.url}/_local/queues`, key === undefined ? {} : { headers: { 'x-api-key': key } });
    expect((await get()).status).toBe(403);
    expect((await get(stack.runtime.keyFor('web'))).status).toBe(403);
    expect((await get('quartermaster-ops-local-keyX')).status).toBe(403);
    expect((await get(stack.runtime.keyFor('ops'))).status).not.toBe(403);
    const adminPort = await fetch(`${stack.runtime.adminUrl}/_local/queues`);
    expect(adminPort.status).toBe(403);
  });
});

describe('GET /ops/executions (admin)', () => {
  const prefix = () => `${stack.runtime.stack.stackName}-`;

  test('lists only this stack’s state machines’ executions', async () => {
    const response = await ops('GET', '/ops/executions?limit=50');
    expect(response.status).toBe(200);
    const { items } = response.body as { items: { stateMachine: string }[] };
    for (const item of items) expect(item.stateMachine.startsWith(prefix())).toBe(true);
    // The protocol fixtures above are not this stack's: never listed.
    expect(items.filter((i) => i.stateMachine.startsWith('LocalFixture-'))).toEqual([]);
  });

  test('refuses bad queries, unknown executions and non-admin keys', async () => {
    expect((await ops('GET', '/ops/executions?status=DONE')).status).toBe(400);
    expect((await ops('GET', '/ops/executions?limit=0')).status).toBe(400);
    expect((await ops('GET', '/ops/executions?cursor=bm9wZQ')).status).toBe(400);
    expect((await ops('GET', '/ops/executions?stateMachine=NoSuchMachine')).status).toBe(400);
    const missing = await ops('GET', '/ops/executions/ord_does_not_exist');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    // The fixtures' executions exist, but not in this stack's state machines.
    expect((await ops('GET', '/ops/executions/ord_ok_1')).status).toBe(404);
    expect((await web('GET', '/ops/executions')).status).toBe(403);
    expect((await web('GET', '/ops/executions/ord_ok_1')).status).toBe(403);
  });
});

describe('a state machine of the template, end to end', () => {
  test('a captured order gets its fulfilment execution, named by the order id, readable at /ops/executions/{orderId}', async () => {
    const machines = stack.runtime.stepFunctions.listStateMachines();
    const fulfilment = machines.find((m) => m.name === `${stack.runtime.stack.stackName}-OrderFulfilment`);
    expect(fulfilment, 'the template declares the order fulfilment state machine').toBeDefined();

    const created = await web('POST', '/orders', demoOrder(), { idempotencyKey: `ops-exec-${Date.now()}` });
    expect(created.status).toBe(201);
    const { orderId } = created.body as { orderId: string };
    // Started as the template's starter function starts it (the OrderCreated path through the event
    // fan-out is the fulfilment suite's): named by the order id.
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: fulfilment!.stateMachineArn,
        name: orderId,
        input: JSON.stringify({
          orderId,
          correlationId: orderId,
          loop: { round: 1, resourceAttempts: 0, excludedLocationIds: [] },
        }),
      }),
    );

    const execution = await vi.waitFor(
      async () => {
        const response = await ops('GET', `/ops/executions/${orderId}`);
        if (response.status !== 200) throw new Error(`not started yet (${response.status})`);
        return response.body as {
          name: string;
          stateMachine: string;
          executionArn: string;
          steps: { name: string }[];
          events: { type: string }[];
        };
      },
      { timeout: 5000, interval: 50 },
    );
    expect(execution).toMatchObject({ name: orderId, stateMachine: fulfilment!.name });
    expect(execution.executionArn).toBe(
      `arn:aws:states:${REGION}:${ACCOUNT}:execution:${fulfilment!.name}:${orderId}`,
    );
    expect(execution.events[0]?.type).toBe('ExecutionStarted');
    expect(execution.steps.length).toBeGreaterThan(0);

    const listed = await ops('GET', '/ops/executions?stateMachine=OrderFulfilment&limit=100');
    expect(listed.status).toBe(200);
    expect((listed.body as { items: { name: string }[] }).items.map((i) => i.name)).toContain(orderId);
  });
});
