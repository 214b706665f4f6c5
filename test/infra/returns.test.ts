import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { loadConfig } from '../../infra/config.ts';
import { ENTRY_METADATA } from '../../infra/constructs/qm-function.ts';
import { mermaidFromAsl, withDiagrams } from '../../scripts/generate-workflow-docs.ts';
import { RETURN_STATES, RETURNS_TRANSIENT_ERRORS } from '../../workflows/returns.ts';

// biome-ignore lint/suspicious/noExplicitAny: the synthesized template is walked freely in assertions
type Json = Record<string, any>;
let resources: Record<string, Json>;
let asl: Json;
let machineId: string;
const config = loadConfig();

/** The definition with every intrinsic (function ARNs) replaced by a placeholder. */
function definitionOf(machine: Json): Json {
  const parts = (machine.Properties.DefinitionString['Fn::Join'] as [string, unknown[]])[1];
  const resolve = (p: unknown) =>
    typeof p === 'string'
      ? p
      : (p as Json).Ref === 'AWS::Partition'
        ? 'aws'
        : 'arn:aws:lambda:us-east-1:123456789012:function:fn';
  return JSON.parse(parts.map(resolve).join(''));
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
  resources[functionId(entry)]?.Properties.Role['Fn::GetAtt'][0] as string;
const actionsOf = (statements: Json[]) => statements.flatMap((s) => [s.Action].flat()).sort();

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = buildApp(app);
  resources = Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON().Resources;
  const machines = Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::StepFunctions::StateMachine' &&
      r.Properties.StateMachineName === 'Quartermaster-Returns',
  );
  expect(machines).toHaveLength(1);
  [machineId] = machines[0] as [string, Json];
  asl = definitionOf(machines[0]?.[1] as Json);
});

describe('returns state machine', () => {
  test('Standard, named <stack>-Returns, logging ALL without execution data (no task tokens) to its log group, tracing on', () => {
    const props = resources[machineId]?.Properties;
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    // Execution data would put task tokens ($$.Task.Token in parameters) into CloudWatch Logs.
    expect(props.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const logGroupId =
      props.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
  });

  test('valid ASL, JSONPath only (runs unchanged in the local engine)', () => {
    const validate = createRequire(import.meta.url)('asl-validator') as (d: unknown) => {
      isValid: boolean;
      errorsText(): string;
    };
    const result = validate(asl);
    expect(result.isValid, result.isValid ? '' : result.errorsText()).toBe(true);
    expect(JSON.stringify(asl)).not.toMatch(/JSONata|"Assign"|"Arguments"|"Output"|TimeoutSecondsPath/);
  });

  test('every Task retries transient errors with backoff and full jitter, and catches everything else', () => {
    const tasks = Object.entries(asl.States as Json).filter(([, s]) => s.Type === 'Task');
    expect(tasks.length).toBe(6);
    for (const [name, task] of tasks) {
      expect(task.Retry, name).toContainEqual(
        expect.objectContaining({
          ErrorEquals: RETURNS_TRANSIENT_ERRORS,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
          MaxAttempts: 4,
        }),
      );
      expect(
        task.Catch?.some((c: Json) => c.ErrorEquals.includes('States.ALL')),
        name,
      ).toBe(true);
    }
    // Failures are recorded on the RMA and end in a Fail state; recording itself failing too.
    expect(asl.States[RETURN_STATES.recordFailure].Next).toBe(RETURN_STATES.failed);
    expect(asl.States[RETURN_STATES.failed]).toMatchObject({ Type: 'Fail', Error: 'ReturnFailed' });
    expect(asl.States[RETURN_STATES.recordFailure].Catch[0].Next).toBe(RETURN_STATES.recordingFailed);
    for (const [name, task] of tasks.filter(([n]) => n !== RETURN_STATES.recordFailure)) {
      const all = task.Catch.find((c: Json) => c.ErrorEquals.includes('States.ALL'));
      expect(all.Next, name).toBe(RETURN_STATES.recordFailure);
    }
  });

  test('receipt waits on a task token for the RMA validity, then expires the RMA', () => {
    const wait = asl.States[RETURN_STATES.awaitReceipt];
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(wait.Parameters.Payload['taskToken.$']).toBe('$$.Task.Token');
    expect(wait.TimeoutSeconds).toBe(config.returns.receiptTimeoutSeconds);
    expect(wait.Catch[0]).toEqual({
      ErrorEquals: ['States.Timeout'],
      ResultPath: '$.error',
      Next: RETURN_STATES.expire,
    });
    expect(asl.States[RETURN_STATES.expire].Next).toBe(RETURN_STATES.expired);
    expect(asl.StartAt).toBe(RETURN_STATES.awaitReceipt);
    expect(wait.Next).toBe(RETURN_STATES.restock);
    expect(asl.States[RETURN_STATES.restock].Next).toBe(RETURN_STATES.requestRefund);
    expect(asl.States[RETURN_STATES.requestRefund].Next).toBe(RETURN_STATES.complete);
    expect(asl.States[RETURN_STATES.complete].Next).toBe(RETURN_STATES.completed);
  });

  test('the refund request waits with a timeout and retries RefundFailed with backoff and jitter', () => {
    const refund = asl.States[RETURN_STATES.requestRefund];
    expect(refund.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(refund.TimeoutSeconds).toBe(config.returns.refundTimeoutSeconds);
    expect(refund.Retry).toContainEqual({
      ErrorEquals: ['RefundFailed'],
      IntervalSeconds: 60,
      MaxAttempts: 3,
      BackoffRate: 2,
      MaxDelaySeconds: 600,
      JitterStrategy: 'FULL',
    });
  });

  test('ReturnAuthorized → queue (with DLQ) → starter, which may only start this state machine', () => {
    const rule = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        r.Properties.EventPattern?.['detail-type']?.includes('ReturnAuthorized'),
    );
    expect(rule?.Properties.EventPattern).toEqual({
      source: ['quartermaster.oms'],
      'detail-type': ['ReturnAuthorized'],
    });
    const target = rule?.Properties.Targets[0];
    expect(target.DeadLetterConfig).toBeDefined();
    expect(target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 });
    const queueId = target.Arn['Fn::GetAtt'][0];
    const mapping = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        r.Properties.EventSourceArn['Fn::GetAtt']?.[0] === queueId,
    );
    expect(mapping?.Properties.FunctionName.Ref).toBe(functionId('functions/workflow/returns-starter.ts'));
    expect(mapping?.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);

    const starter = roleStatements(functionRole('functions/workflow/returns-starter.ts'));
    const start = starter.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('states:')));
    expect(start).toEqual([
      expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: machineId } }),
    ]);
    expect(actionsOf(starter).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
  });

  test('least privilege: the machine invokes only the steps function; callbacks only signal its tasks', () => {
    const machineRole = resources[machineId]?.Properties.RoleArn['Fn::GetAtt'][0];
    const invoke = roleStatements(machineRole).filter((s) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    );
    const steps = functionId('functions/workflow/returns-steps.ts');
    expect(JSON.stringify(invoke.map((s) => s.Resource))).not.toMatch(/"\*"/);
    for (const s of invoke) for (const r of [s.Resource].flat()) expect(JSON.stringify(r)).toContain(steps);

    const callbacks = roleStatements(functionRole('functions/api/post-return-event.ts'));
    expect(actionsOf(callbacks).filter((a) => a.startsWith('states:'))).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskHeartbeat',
      'states:SendTaskSuccess',
    ]);
    expect(actionsOf(callbacks).filter((a) => a.startsWith('dynamodb:'))).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
    ]);
    expect(actionsOf(callbacks)).not.toContain('states:StartExecution');
    const stepsStatements = roleStatements(functionRole('functions/workflow/returns-steps.ts'));
    const signal = stepsStatements.find((s) => [s.Action].flat().includes('states:SendTaskSuccess'));
    expect(JSON.stringify(signal?.Resource)).toContain(':stateMachine:Quartermaster-Returns');
    expect(actionsOf(stepsStatements).filter((a) => a.startsWith('dynamodb:'))).not.toContain(
      'dynamodb:DeleteItem',
    );
    const get = roleStatements(functionRole('functions/api/get-return.ts'));
    expect(actionsOf(get).filter((a) => a.startsWith('dynamodb:'))).toEqual(['dynamodb:GetItem']);
  });
});

test('docs/workflows.md carries the current Returns diagram (tsx scripts/generate-workflow-docs.ts)', () => {
  const doc = readFileSync('docs/workflows.md', 'utf8');
  expect(doc).toContain('<!-- diagram:Returns:start -->');
  expect(withDiagrams(doc, new Map([['Returns', mermaidFromAsl(asl)]]))).toBe(doc);
});
