import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { loadConfig } from '../../infra/config.ts';
import { ENTRY_METADATA } from '../../infra/constructs/qm-function.ts';
import type { QuartermasterStack } from '../../infra/stack.ts';
import { mermaidFromAsl, withDiagrams } from '../../scripts/generate-workflow-docs.ts';
import { FulfilmentWorkflow, STATES, TRANSIENT_ERRORS } from '../../workflows/fulfilment.ts';

// biome-ignore lint/suspicious/noExplicitAny: the synthesized template is walked freely in assertions
type Json = Record<string, any>;
let app: App;
let stack: QuartermasterStack;
let template: Template;
let resources: Record<string, Json>;
let asl: Json;
let machineId: string;
const config = loadConfig();

/** The definition with every intrinsic (function ARNs) replaced by a placeholder. */
function definitionOf(machine: Json): Json {
  const body = machine.Properties.DefinitionString as Json;
  const parts = (body['Fn::Join'] as [string, unknown[]])[1];
  const resolve = (p: unknown) =>
    typeof p === 'string'
      ? p
      : (p as Json).Ref === 'AWS::Partition'
        ? 'aws'
        : 'arn:aws:lambda:us-east-1:123456789012:function:fn';
  return JSON.parse(parts.map(resolve).join(''));
}

function allStates(definition: Json): [string, Json][] {
  return Object.entries(definition.States as Json).flatMap(([name, state]) => [
    [name, state as Json] as [string, Json],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor) : []),
  ]);
}

function functionId(entry: string): string {
  const found = Object.entries(resources).find(
    ([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[ENTRY_METADATA] === entry,
  );
  if (!found) throw new Error(`no function for ${entry}`);
  return found[0];
}

function roleStatements(roleId: string): Json[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: Json) => x.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}
const functionRole = (entry: string) =>
  resources[functionId(entry)]!.Properties.Role['Fn::GetAtt'][0] as string;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = buildApp(app);
  // Template.fromStack also fails on a dependency cycle (e.g. a function granted on its own state machine).
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
  const machines = Object.entries(resources).filter(
    ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.startsWith('WorkflowsFulfilment'),
  );
  expect(machines).toHaveLength(1);
  [machineId] = machines[0]!;
  asl = definitionOf(machines[0]![1]);
});

describe('fulfilment state machine', () => {
  test('Standard, named <stack>-OrderFulfilment, logging ALL without execution data (no task tokens) to its log group, tracing on', () => {
    const props = resources[machineId]!.Properties;
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.StateMachineName).toBe('Quartermaster-OrderFulfilment');
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    // Execution data would put task tokens ($$.Task.Token in parameters) into CloudWatch Logs.
    expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const logGroupArn = props.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn;
    const logGroupId = logGroupArn['Fn::GetAtt'][0];
    expect(resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
  });

  test('the definition is valid ASL, JSONPath only (no JSONata, no Assign)', () => {
    const validate = createRequire(import.meta.url)('asl-validator') as (d: unknown) => {
      isValid: boolean;
      errorsText(): string;
    };
    const result = validate(asl);
    expect(result.isValid, result.isValid ? '' : result.errorsText()).toBe(true);
    const text = JSON.stringify(asl);
    expect(text).not.toMatch(/JSONata|"Assign"|"Arguments"|"Output"/);
  });

  test('every Task retries any failure but the routed ones (function errors too: States.TaskFailed, Lambda.Unknown) with backoff and full jitter, and catches the rest', () => {
    const tasks = allStates(asl).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBeGreaterThanOrEqual(10);
    for (const [name, task] of tasks) {
      expect(task.Retry, name).toEqual([
        // First: what a Catch routes is never retried (States.TaskFailed would match it too).
        {
          ErrorEquals: [
            'OrderCancelled',
            'OrderOnHold',
            'ShipmentRejected',
            'States.Timeout',
            'States.HeartbeatTimeout',
          ],
          MaxAttempts: 0,
        },
        {
          ErrorEquals: [...TRANSIENT_ERRORS, 'Lambda.Unknown', 'States.TaskFailed'],
          IntervalSeconds: 1,
          MaxAttempts: 6,
          BackoffRate: 2,
          MaxDelaySeconds: 30,
          JitterStrategy: 'FULL',
        },
      ]);
      // Inside the Map, a failing "release and mark failed" fails the Map, whose Catch applies.
      if (name !== STATES.shipmentFailed) expect(task.Catch?.length, name).toBeGreaterThan(0);
    }
    // Outside the Map, every Task catches OrderCancelled → Cancelled and the rest → Compensate.
    for (const [name, task] of Object.entries(asl.States as Json)) {
      if (task.Type !== 'Task' && task.Type !== 'Map') continue;
      if (name === STATES.compensate) {
        expect(task.Catch).toEqual([
          { ErrorEquals: ['States.ALL'], ResultPath: '$.compensationError', Next: STATES.compensationFailed },
        ]);
        continue;
      }
      expect(task.Catch.slice(-2), name).toEqual([
        { ErrorEquals: ['OrderCancelled'], ResultPath: '$.error', Next: STATES.cancelled },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: STATES.compensate },
      ]);
    }
    expect(asl.States[STATES.compensate].Next).toBe(STATES.failed);
    expect(asl.States[STATES.failed]).toMatchObject({ Type: 'Fail', Error: 'FulfilmentFailed' });
    expect(asl.States[STATES.cancelled].Type).toBe('Succeed');
  });

  test('each shipment waits for its callback with a task token, a timeout and a heartbeat; rejections and timeouts are re-sourced', () => {
    const map = asl.States[STATES.releaseShipments];
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.allocation.shipments', ResultPath: '$.results' });
    const request = map.ItemProcessor.States[STATES.requestShipment];
    expect(request.Resource).toMatch(/:states:::lambda:invoke\.waitForTaskToken$/);
    expect(request.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(request.TimeoutSeconds).toBe(config.fulfilment.shipmentTimeoutSeconds);
    expect(request.HeartbeatSeconds).toBe(config.fulfilment.shipmentHeartbeatSeconds);
    // A silent location (heartbeat timeout) is escalated first; on AWS a catcher naming
    // States.Timeout also matches a heartbeat timeout, so the heartbeat catcher must come first.
    expect(request.Catch[0]).toEqual({
      ErrorEquals: ['States.HeartbeatTimeout'],
      ResultPath: '$.error',
      Next: STATES.escalateShipment,
    });
    expect(request.Catch[1]).toEqual({
      ErrorEquals: ['ShipmentRejected', 'States.Timeout'],
      ResultPath: '$.error',
      Next: STATES.shipmentFailed,
    });
    expect(request.Catch[2]).toMatchObject({
      ErrorEquals: ['OrderCancelled'],
      Next: STATES.shipmentCancelled,
    });
    // The reconcile step loops back to Allocate (re-source), waits for stock, completes, or ends cancelled.
    const next = asl.States[STATES.next];
    expect(next.Choices.map((c: Json) => [c.StringEquals, c.Next])).toEqual([
      ['resource', STATES.allocate],
      ['backorder', STATES.awaitStock],
      ['complete', STATES.fulfilled],
      ['cancelled', STATES.cancelled],
    ]);
    const stock = asl.States[STATES.awaitStock];
    expect(stock.TimeoutSeconds).toBe(config.fulfilment.backorderTimeoutSeconds);
    expect(stock.Catch[0]).toEqual({
      ErrorEquals: ['States.Timeout'],
      ResultPath: '$.error',
      Next: STATES.cancelBackorder,
    });
    expect(asl.States[STATES.awaitRelease].TimeoutSeconds).toBe(config.fulfilment.holdTimeoutSeconds);
  });

  test('an order held by ops after the hold check: Allocate catches OrderOnHold first and waits for the release (issue 13.6)', () => {
    const allocate = asl.States[STATES.allocate];
    expect(allocate.Catch[0]).toEqual({
      ErrorEquals: ['OrderOnHold'],
      ResultPath: null,
      Next: STATES.awaitRelease,
    });
    expect(allocate.Catch.slice(-2).map((c: Json) => c.ErrorEquals)).toEqual([
      ['OrderCancelled'],
      ['States.ALL'],
    ]);
    expect(asl.States[STATES.awaitRelease].Next).toBe(STATES.allocate);
  });

  test('an order held after Allocate, before release: Release shipments catches OrderOnHold first and waits for the release (issue 13.6)', () => {
    const release = asl.States[STATES.releaseShipments];
    expect(release.Catch[0]).toEqual({
      ErrorEquals: ['OrderOnHold'],
      ResultPath: null,
      Next: STATES.awaitRelease,
    });
    expect(release.Catch.slice(-2).map((c: Json) => c.ErrorEquals)).toEqual([
      ['OrderCancelled'],
      ['States.ALL'],
    ]);
  });

  test('a silent location is escalated (ShipmentOverdue) and waits the grace period on a new token before re-sourcing', () => {
    const states = asl.States[STATES.releaseShipments].ItemProcessor.States as Json;
    const escalate = states[STATES.escalateShipment];
    // A plain invoke of the steps function (payload response only), not a callback.
    expect(escalate.Resource).toMatch(/:lambda:.*:function:/);
    expect(escalate).not.toHaveProperty('TimeoutSeconds');
    expect(escalate.Parameters).toEqual({
      step: 'escalateShipment',
      'orderId.$': '$.orderId',
      'correlationId.$': '$.correlationId',
      'shipmentId.$': '$.shipment.shipmentId',
      graceSeconds: config.fulfilment.escalationGraceSeconds,
    });
    expect(escalate.ResultPath).toBeNull();
    expect(escalate.Next).toBe(STATES.awaitEscalatedShipment);
    expect(escalate.Catch).toEqual([{ ErrorEquals: ['OrderCancelled'], Next: STATES.shipmentCancelled }]);

    const wait = states[STATES.awaitEscalatedShipment];
    expect(wait.Resource).toMatch(/:states:::lambda:invoke\.waitForTaskToken$/);
    expect(wait.Parameters.Payload).toEqual({
      step: 'awaitEscalatedShipment',
      'orderId.$': '$.orderId',
      'shipmentId.$': '$.shipment.shipmentId',
      'taskToken.$': '$$.Task.Token',
    });
    expect(wait.TimeoutSeconds).toBe(config.fulfilment.escalationGraceSeconds);
    // The partner was told nextDeadline: only the grace bounds the wait, never a heartbeat.
    expect(wait).not.toHaveProperty('HeartbeatSeconds');
    expect(wait.Next).toBe(STATES.shipped);
    expect(wait.Catch).toEqual([
      {
        ErrorEquals: ['ShipmentRejected', 'States.Timeout', 'States.HeartbeatTimeout'],
        ResultPath: '$.error',
        Next: STATES.shipmentFailed,
      },
      { ErrorEquals: ['OrderCancelled'], Next: STATES.shipmentCancelled },
    ]);
    expect(states[STATES.shipmentCancelled]).toMatchObject({ Type: 'Fail', Error: 'OrderCancelled' });
    expect(states[STATES.shipped].Type).toBe('Pass');
  });

  test('every Task with a heartbeat has HeartbeatSeconds < TimeoutSeconds (AWS refuses the definition otherwise)', () => {
    const withHeartbeat = allStates(asl).filter(([, s]) => s.HeartbeatSeconds !== undefined);
    expect(withHeartbeat.length).toBeGreaterThan(0);
    for (const [name, state] of withHeartbeat) {
      expect(state.HeartbeatSeconds, name).toBeLessThan(state.TimeoutSeconds);
    }
  });

  test('a heartbeat shorter than the grace (30 s / 60 s): the wait after escalation lasts until nextDeadline, no heartbeat cuts it short (issue 13.4)', () => {
    const other = new Stack(new App(), 'Other');
    new FulfilmentWorkflow(other, 'Fulfilment', {
      steps: LambdaFunction.fromFunctionArn(
        other,
        'Steps',
        'arn:aws:lambda:us-east-1:123456789012:function:fn',
      ),
      timeouts: { ...config.fulfilment, shipmentHeartbeatSeconds: 30, escalationGraceSeconds: 60 },
      logRetention: RetentionDays.ONE_WEEK,
    });
    const machine = Object.values(Template.fromStack(other).toJSON().Resources as Json).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    ) as Json;
    const body = machine.Properties.DefinitionString;
    const states = new Map(allStates(typeof body === 'string' ? JSON.parse(body) : definitionOf(machine)));
    // ShipmentOverdue announces nextDeadline = escalatedAt + graceSeconds; the wait starts after
    // escalatedAt, so a timeout of graceSeconds re-sources at nextDeadline at the earliest...
    const escalate = states.get(STATES.escalateShipment)!;
    const wait = states.get(STATES.awaitEscalatedShipment)!;
    expect(escalate.Parameters.graceSeconds).toBe(60);
    expect(wait.TimeoutSeconds).toBe(60);
    // ...and nothing ends it sooner: a heartbeat timeout 30 s in would re-source a partner that was
    // told it had until nextDeadline (it shipped in time and got 409).
    expect(wait).not.toHaveProperty('HeartbeatSeconds');
    expect(wait).not.toHaveProperty('HeartbeatSecondsPath');
    // The location's first wait keeps its heartbeat: that is what escalates a silent location.
    expect(states.get(STATES.requestShipment)).toMatchObject({ HeartbeatSeconds: 30 });
  });

  test('state machine role: lambda:InvokeFunction on the steps function only (plus logs and X-Ray delivery)', () => {
    const roleId = resources[machineId]!.Properties.RoleArn['Fn::GetAtt'][0];
    const statements = roleStatements(roleId);
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    const stepsId = functionId('functions/workflow/fulfilment-step.ts');
    expect(JSON.stringify(invoke[0]!.Resource)).toContain(stepsId);
    expect(
      JSON.stringify(invoke[0]!.Resource)
        .match(/"Fn::GetAtt":\["(\w+)"/g)
        ?.every((m) => m.includes(stepsId)),
    ).toBe(true);
    for (const s of statements) {
      for (const action of [s.Action].flat() as string[]) {
        expect(action).toMatch(/^(lambda:InvokeFunction|logs:|xray:)/);
      }
    }
  });
});

test('docs/workflows.md shows the diagram of this definition (tsx scripts/generate-workflow-docs.ts)', () => {
  const doc = readFileSync('docs/workflows.md', 'utf8');
  expect(doc).toContain('<!-- diagram:OrderFulfilment:start -->');
  expect(withDiagrams(doc, new Map([['OrderFulfilment', mermaidFromAsl(asl)]]))).toBe(doc);
});

describe('starting and signalling', () => {
  test('OrderCreated on the OMS bus → start queue (with DLQ) → starter', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['quartermaster.oms'], 'detail-type': ['OrderCreated'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsStartQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsStartDlq'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    const starter = functionId('functions/workflow/start-fulfilment.ts');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: starter },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsStartQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('starter: states:StartExecution on this state machine only', () => {
    const statements = roleStatements(functionRole('functions/workflow/start-fulfilment.ts'));
    const states = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('states:')));
    expect(states).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: machineId } },
    ]);
  });

  test('InventoryChanged with stock to sell → wake queue (with DLQ) → the backorder wake-up', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['quartermaster.oms'],
        'detail-type': ['InventoryChanged'],
        detail: {
          data: {
            ats: [{ numeric: ['>', 0] }],
            reason: ['sync', 'adjustment', 'reservation-released', 'return-restock'],
          },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsWakeQueue'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsWakeDlq'), 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('functions/workflow/wake-backorders.ts') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsWakeQueue'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const dynamo = roleStatements(functionRole('functions/workflow/wake-backorders.ts'))
      .flatMap((s) => [s.Action].flat())
      .filter((a: string) => a.startsWith('dynamodb:'))
      .sort();
    // Reads the waitlist and positions; the only write is taking a wait off the list.
    expect(dynamo).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
  });

  test('callback, cancel and wake-up functions may only answer tasks of this state machine', () => {
    for (const entry of [
      'functions/api/fulfillment-events.ts',
      'functions/api/cancel-order.ts',
      'functions/workflow/wake-backorders.ts',
    ]) {
      const states = roleStatements(functionRole(entry)).filter((s) =>
        [s.Action].flat().some((a: string) => a.startsWith('states:')),
      );
      expect(states, entry).toEqual([
        {
          Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
          Effect: 'Allow',
          Resource: { Ref: machineId },
        },
      ]);
    }
  });

  test('POST /fulfillments/{shipmentId}/events requires an API key', () => {
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      ApiKeyRequired: true,
      ResourceId: { Ref: Match.stringLikeRegexp('^ApiRestApifulfillmentsshipmentIdevents') },
    });
  });
});

describe('cdk-nag', () => {
  const findings = (pack: NagPack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName}: ${r.constructPath}`))
      .filter((f) => f.includes('/Workflows/'));

  test('AwsSolutions and Serverless checks report no unacknowledged finding on the workflow resources', () => {
    expect(findings(new AwsSolutionsChecks(app))).toEqual([]);
    expect(findings(new ServerlessChecks(app))).toEqual([]);
  });
});
