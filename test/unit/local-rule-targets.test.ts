import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fanoutFromTemplate, type LocalFanout } from '../../local/eventbridge/fanout-from-template.ts';
import type { InvokeResult, LambdaService, LocalFunction } from '../../local/lambda/lambda-service.ts';
import { handleOpsRequest, isOpsRequest } from '../../local/ops/ops-endpoints.ts';
import { localPhysicalIds } from '../../local/template/physical-ids.ts';
import type { CfnTemplate } from '../../local/template/template.ts';

const STACK = 'Qm';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/** A bus with one rule and two targets (a Lambda function and a state machine), as CDK synthesizes them. */
function template(invokeConfig?: Record<string, unknown>): CfnTemplate {
  return {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'qm-events' } },
      RuleDlq: { Type: 'AWS::SQS::Queue', Properties: {} },
      FnFailures: { Type: 'AWS::SQS::Queue', Properties: {} },
      Handler: {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: 'qm-handler', Handler: 'index.handler', Runtime: 'nodejs22.x' },
      },
      Workflow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { StateMachineName: 'qm-workflow' },
      },
      ...(invokeConfig
        ? {
            HandlerInvokeConfig: {
              Type: 'AWS::Lambda::EventInvokeConfig',
              Properties: { FunctionName: { Ref: 'Handler' }, Qualifier: '$LATEST', ...invokeConfig },
            },
          }
        : {}),
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          State: 'ENABLED',
          EventPattern: { source: ['qm'], 'detail-type': ['OrderCreated'] },
          Targets: [
            {
              Id: 'Target0',
              Arn: { 'Fn::GetAtt': ['Handler', 'Arn'] },
              InputTransformer: {
                InputPathsMap: { id: '$.detail.orderId' },
                InputTemplate: '{"orderId":<id>,"rule":<aws.events.rule-name>}',
              },
              RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDlq', 'Arn'] } },
            },
            {
              Id: 'Target1',
              Arn: { Ref: 'Workflow' },
              RoleArn: 'arn:aws:iam::000000000000:role/events',
              InputPath: '$.detail',
              RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 3600 },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDlq', 'Arn'] } },
            },
          ],
        },
      },
    },
  };
}

const handlerFn: LocalFunction = {
  logicalId: 'Handler',
  name: 'qm-handler',
  arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:qm-handler`,
  entry: 'file:///nowhere.ts',
  handlerName: 'handler',
  timeoutMs: 1000,
  memorySize: 128,
  environment: {},
};

function fakeLambda(respond: (event: unknown, call: number) => InvokeResult, functions = [handlerFn]) {
  const calls: unknown[] = [];
  const lambda = {
    resolve(name: string) {
      const fn = functions.find((f) => f.name === name || f.arn === name);
      if (!fn) throw new Error(`ResourceNotFoundException: Function not found: ${name}`);
      return fn;
    },
    async invoke(_name: string, event: unknown) {
      calls.push(event);
      return respond(event, calls.length);
    },
  } as unknown as LambdaService;
  return { lambda, calls };
}

async function fanout(
  t: CfnTemplate,
  lambda: LambdaService,
  extra: {
    functions?: LocalFunction[];
    startExecution?: (arn: string, input: string) => Promise<unknown>;
  } = {},
): Promise<LocalFanout> {
  const ids = localPhysicalIds({
    template: t,
    stackName: STACK,
    region: REGION,
    accountId: ACCOUNT,
    namePrefix: '',
  });
  return fanoutFromTemplate({
    ctx: { template: t, stackName: STACK, region: REGION, accountId: ACCOUNT, ids },
    lambda,
    functions: extra.functions ?? [handlerFn],
    dynamoEndpoint: 'http://127.0.0.1:9',
    functionName: ids.functionName,
    tableName: ids.tableName,
    options: {
      targetRetryDelayMs: () => 1,
      ...(extra.startExecution ? { startExecution: extra.startExecution } : {}),
    },
  });
}

const put = (f: LocalFanout, detailType = 'OrderCreated') =>
  f.bus('qm-events').putEvents([
    {
      Source: 'qm',
      DetailType: detailType,
      Detail: JSON.stringify({ orderId: 'ord_1', eventId: 'evt_1' }),
    },
  ]);

describe('local EventBridge rule targets: Lambda functions (asynchronous invoke)', () => {
  it('invokes the function with the transformed input, and only for matching events', async () => {
    const { lambda, calls } = fakeLambda(() => ({ ok: true, payload: null }));
    const f = await fanout(template(), lambda, { startExecution: async () => ({}) });
    put(f);
    put(f, 'OrderCancelled');
    await f.close();
    expect(calls).toEqual([{ orderId: 'ord_1', rule: 'Rule' }]);
    expect(f.warnings.join('\n')).toMatch(/invoke Lambda asynchronously/);
    expect(f.warnings.join('\n')).not.toMatch(/not emulated locally/);
    expect(f.queue('RuleDlq').messages).toHaveLength(0);
  });

  it('retries a function error per the EventInvokeConfig, then sends a record to its on-failure destination', async () => {
    const { lambda, calls } = fakeLambda(() => ({
      ok: false,
      error: { errorType: 'Error', errorMessage: 'boom' },
    }));
    const f = await fanout(
      template({
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FnFailures', 'Arn'] } } },
      }),
      lambda,
      { startExecution: async () => ({}) },
    );
    put(f);
    await f.close();
    expect(calls).toHaveLength(2); // 1 attempt + 1 retry
    const [failure] = f.queue('FnFailures').messages;
    expect(JSON.parse(failure!.body)).toMatchObject({
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2 },
      requestPayload: { orderId: 'ord_1' },
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
    // The hand-off to Lambda succeeded, so the rule's own DLQ stays empty (as on AWS).
    expect(f.queue('RuleDlq').messages).toHaveLength(0);
  });

  it('treats a function that cannot start (init error) as a function error: retried, then on-failure', async () => {
    const { lambda } = fakeLambda(() => ({ ok: true, payload: null }));
    let attempts = 0;
    (lambda as unknown as { invoke: () => Promise<never> }).invoke = async () => {
      attempts++;
      throw new Error('Init error in qm-handler: Environment variable TABLE_NAME is not set');
    };
    const f = await fanout(
      template({
        MaximumRetryAttempts: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FnFailures', 'Arn'] } } },
      }),
      lambda,
      { startExecution: async () => ({}) },
    );
    put(f);
    await f.close();
    expect(attempts).toBe(2);
    expect(JSON.parse(f.queue('FnFailures').messages[0]!.body)).toMatchObject({
      responsePayload: { errorType: 'Runtime.InitError' },
    });
  });

  it('retries 2 times by default when the function has no EventInvokeConfig', async () => {
    const { lambda, calls } = fakeLambda((_e, call) =>
      call < 3
        ? { ok: false, error: { errorType: 'Error', errorMessage: 'flaky' } }
        : { ok: true, payload: 1 },
    );
    const f = await fanout(template(), lambda, { startExecution: async () => ({}) });
    put(f);
    await f.close();
    expect(calls).toHaveLength(3);
  });

  it('dead-letters to the rule DLQ when the function cannot be invoked, after the rule retry policy', async () => {
    const { lambda, calls } = fakeLambda(() => ({ ok: true, payload: null }), []);
    const f = await fanout(template(), lambda, { functions: [], startExecution: async () => ({}) });
    expect(f.warnings.join('\n')).toMatch(/does not run locally/);
    put(f);
    await f.close();
    expect(calls).toHaveLength(0);
    const dead = f.queue('RuleDlq').messages;
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body)).toEqual({ orderId: 'ord_1', rule: 'Rule' });
    expect(dead[0]!.attributes.ERROR_MESSAGE).toMatch(/Function not found/);
  });
});

describe('local EventBridge rule targets: Step Functions state machines', () => {
  it('starts an execution of the template ARN with the target input', async () => {
    const { lambda } = fakeLambda(() => ({ ok: true, payload: null }));
    const started: [string, string][] = [];
    const f = await fanout(template(), lambda, {
      startExecution: async (arn, input) => {
        started.push([arn, input]);
        return { executionArn: 'x' };
      },
    });
    put(f);
    await f.close();
    expect(started).toEqual([
      [
        `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:qm-workflow`,
        JSON.stringify({ orderId: 'ord_1', eventId: 'evt_1' }),
      ],
    ]);
  });

  it('retries a failed StartExecution per the rule retry policy, then dead-letters', async () => {
    const { lambda } = fakeLambda(() => ({ ok: true, payload: null }));
    let attempts = 0;
    const f = await fanout(template(), lambda, {
      startExecution: async () => {
        attempts++;
        throw new Error('ExecutionLimitExceeded');
      },
    });
    put(f);
    await f.close();
    expect(attempts).toBe(2); // 1 + MaximumRetryAttempts 1
    const dead = f.queue('RuleDlq').messages;
    expect(dead.map((m) => m.attributes.ERROR_MESSAGE)).toEqual(['ExecutionLimitExceeded']);
    expect(JSON.parse(dead[0]!.body)).toEqual({ orderId: 'ord_1', eventId: 'evt_1' });
  });

  it('warns loudly and skips the target when no Step Functions service is given', async () => {
    const { lambda, calls } = fakeLambda(() => ({ ok: true, payload: null }));
    const f = await fanout(template(), lambda);
    expect(f.warnings.join('\n')).toMatch(/starts state machine Workflow, which is not emulated locally/);
    put(f);
    await f.close();
    expect(calls).toHaveLength(1); // the Lambda target still runs
  });
});

describe('local ops endpoints over HTTP (rule-target DLQ redrive, replay filtered to one rule)', () => {
  async function serve(f: LocalFanout) {
    const server = createServer((req, res) => {
      if (isOpsRequest(req)) void handleOpsRequest(req, res, f);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      async call(method: string, path: string, body?: unknown) {
        const response = await fetch(`${base}${path}`, {
          method,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      },
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  }

  function withArchiveAndAuditRule(): CfnTemplate {
    const t = template();
    t.Resources.Archive = {
      Type: 'AWS::Events::Archive',
      Properties: { ArchiveName: 'qm-archive', SourceArn: { 'Fn::GetAtt': ['Bus', 'Arn'] } },
    };
    t.Resources.Audit = {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventBusName: { Ref: 'Bus' },
        EventPattern: { source: ['qm'] },
        Targets: [{ Id: 'Audit0', Arn: { 'Fn::GetAtt': ['Handler', 'Arn'] }, InputPath: '$.id' }],
      },
    };
    return t;
  }

  it('lists the DLQ, redrives a state machine target dead letter to that target, and replays a window to one rule', async () => {
    const { lambda, calls } = fakeLambda(() => ({ ok: true, payload: null }));
    let failing = true;
    const started: string[] = [];
    const f = await fanout(withArchiveAndAuditRule(), lambda, {
      startExecution: async (_arn, input) => {
        if (failing) throw new Error('StateMachineDoesNotExist');
        started.push(input);
      },
    });
    const http = await serve(f);
    try {
      const startTime = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
      put(f);
      await f.bus('qm-events').settled();
      expect(calls).toHaveLength(2); // Rule's and Audit's Lambda targets

      const queues = (await http.call('GET', '/_local/queues')).body.queues as Record<string, unknown>[];
      expect(queues.find((q) => q.logicalId === 'RuleDlq')).toMatchObject({
        depth: 1,
        deadLetterQueue: true,
        deadLetterFor: expect.arrayContaining([expect.stringContaining('target Target1')]),
      });
      expect(queues.find((q) => q.logicalId === 'FnFailures')).toMatchObject({ deadLetterQueue: false });
      const peek = await http.call('GET', '/_local/queues/RuleDlq/messages');
      expect(peek.body.messages).toEqual([
        expect.objectContaining({
          attributes: expect.objectContaining({
            TARGET_ARN: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:qm-workflow`,
            ERROR_MESSAGE: 'StateMachineDoesNotExist',
          }),
        }),
      ]);

      failing = false;
      const redriven = await http.call('POST', '/_local/queues/RuleDlq/redrive');
      expect(redriven.body).toMatchObject({ movedToQueue: 0, redeliveredToTarget: 1, left: [] });
      await f.bus('qm-events').settled();
      expect(started).toEqual([JSON.stringify({ orderId: 'ord_1', eventId: 'evt_1' })]);
      expect(calls).toHaveLength(2); // the redrive went to the state machine target only
      expect(f.queue('RuleDlq').messages).toHaveLength(0);

      const endTime = new Date(Date.now() + 1000).toISOString();
      const replay = await http.call('POST', '/_local/archives/qm-archive/replay', {
        startTime,
        endTime,
        rules: ['Audit'],
      });
      expect(replay).toMatchObject({ status: 202, body: { rules: ['Audit'], events: 1 } });
      await f.bus('qm-events').settled();
      expect(calls).toHaveLength(3);
      expect(started).toHaveLength(1);
      // A window before the event replays nothing.
      const empty = await http.call('POST', '/_local/archives/Archive/replay', {
        startTime: '2020-01-01T00:00:00Z',
        endTime: '2020-01-02T00:00:00Z',
      });
      expect(empty.body).toMatchObject({ events: 0, rules: ['Rule', 'Audit'] });
    } finally {
      await http.close();
      await f.close();
    }
  });
});
