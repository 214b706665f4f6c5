import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { loadConfig } from '../../infra/config.ts';
import { Api } from '../../infra/constructs/api.ts';
import { OpsApi } from '../../infra/constructs/ops-api.ts';

type Json = Record<string, unknown>;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(buildApp(app));
});

/** The policy statements of the role of the function whose logical id starts with `prefix`. */
function statements(prefix: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const policy = Object.entries(policies).find(([id]) => id.startsWith(`${prefix}RoleDefaultPolicy`));
  if (!policy) throw new Error(`no policy for ${prefix}`);
  return ((policy[1].Properties as Json).PolicyDocument as { Statement: [] }).Statement;
}
const states = (prefix: string) =>
  statements(prefix).filter((s) => [s.Action].flat().some((a) => a.startsWith('states:')));
const arnText = (resource: unknown) => JSON.stringify(resource);

describe('ops executions API', () => {
  test('both ops functions are told every state machine of the stack (STATE_MACHINES)', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    for (const name of ['ApiListExecutions', 'ApiGetExecution']) {
      const fn = Object.entries(functions).find(([id]) => id.startsWith(name));
      if (!fn) throw new Error(`no function ${name}`);
      const env = ((fn[1].Properties as Json).Environment as { Variables: Json }).Variables;
      // Every state machine of the stack, by name and ARN, for the handlers.
      const machines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
      for (const id of machines) expect(JSON.stringify(env.STATE_MACHINES)).toContain(id);
    }
  });

  test('least privilege: read-only Step Functions actions on this stack’s state machines only', () => {
    const list = states('ApiListExecutions');
    expect(list.map((s) => s.Action)).toEqual(['states:ListExecutions']);
    expect(arnText(list[0]?.Resource)).toContain(':stateMachine:Quartermaster-*');
    const get = states('ApiGetExecution');
    expect(get.map((s) => s.Action)).toEqual([['states:DescribeExecution', 'states:GetExecutionHistory']]);
    expect(arnText(get[0]?.Resource)).toContain(':execution:Quartermaster-*:*');
    for (const s of [...list, ...get]) expect(s.Resource).not.toBe('*');
  });

  test('resume and reconcile: StartExecution on the fulfilment state machine and DescribeExecution on its executions, nothing else', () => {
    const fulfilment = Object.keys(template.findResources('AWS::StepFunctions::StateMachine')).find((id) =>
      id.includes('Fulfilment'),
    )!;
    for (const name of ['ApiResumeOrderFulfilment', 'ApiReconcileStalledOrders', 'ApiListStalledOrders']) {
      const granted = states(name);
      const start = granted.filter((s) => [s.Action].flat().includes('states:StartExecution'));
      const describe = granted.filter((s) => [s.Action].flat().includes('states:DescribeExecution'));
      expect(start).toHaveLength(name === 'ApiListStalledOrders' ? 0 : 1);
      for (const s of start) expect(s.Resource).toEqual({ Ref: fulfilment });
      expect(describe).toHaveLength(1);
      // Executions of the fulfilment state machine only (arn:…:execution:<its name>:*).
      expect(arnText(describe[0]?.Resource)).toContain(':execution:Quartermaster-OrderFulfilment:*');
      expect(granted.flatMap((s) => [s.Action].flat()).sort()).toEqual(
        name === 'ApiListStalledOrders'
          ? ['states:DescribeExecution']
          : ['states:DescribeExecution', 'states:StartExecution'],
      );
    }
  });

  test('the resume routes are POST/GET under /ops/orders and need an API key', () => {
    const methods = template.findResources('AWS::ApiGateway::Method', {
      Properties: { ApiKeyRequired: true },
    });
    const resources = template.findResources('AWS::ApiGateway::Resource');
    const paths = Object.values(resources).map((r) => (r.Properties as Json).PathPart);
    expect(paths).toEqual(expect.arrayContaining(['resume', 'stalled', 'reconcile']));
    expect(Object.keys(methods).length).toBeGreaterThan(0);
  });

  test('a state machine not named <stackName>-… fails the synth (the ops role could not read it)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Quartermaster');
    const table = new Table(stack, 'Table', { partitionKey: { name: 'PK', type: AttributeType.STRING } });
    const api = new Api(stack, 'Api', {
      table,
      channels: loadConfig().channels,
      stageName: 'v1',
      logRetention: RetentionDays.ONE_WEEK,
    });
    new OpsApi(stack, 'Ops', { api });
    new StateMachine(stack, 'Unnamed', {
      definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Noop')),
    });
    expect(() => Template.fromStack(stack)).toThrow(/must be named "Quartermaster-<Name>"/);
  });
});
