import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { ENTRY_METADATA } from '../../infra/constructs/qm-function.ts';

type Json = Record<string, unknown>;
let template: Template;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  template = Template.fromStack(buildApp(app));
});

const sweepFunctionId = () => {
  const fns = template.findResources('AWS::Lambda::Function', {
    Metadata: { [ENTRY_METADATA]: 'functions/scheduled/expire-holds.ts' },
  });
  const ids = Object.keys(fns);
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

describe('InventoryJobs: the cart-hold expiry sweep', () => {
  test('a rate(1 minute) schedule invokes the sweep, with retries', () => {
    const id = sweepFunctionId();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [id, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [id, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });

  test('the sweep may only read, query and update the order table: no delete, no scan', () => {
    const id = sweepFunctionId();
    const fn = template.findResources('AWS::Lambda::Function')[id] as Json;
    const roleId = ((fn.Properties as Json).Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => ((p.Properties as Json).Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(
        (p) =>
          ((p.Properties as Json).PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement,
      )
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(actions)).toEqual(
      new Set(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem']),
    );
  });
});

describe('hot-SKU inventory buckets from config', () => {
  const bucketsOf = (t: Template) =>
    Object.values(t.findResources('AWS::Lambda::Function')).map(
      (fn) =>
        ((fn.Properties as Json).Environment as { Variables?: Record<string, string> } | undefined)?.Variables
          ?.INVENTORY_BUCKETS,
    );

  test('off by default: no function gets INVENTORY_BUCKETS', () => {
    expect(bucketsOf(template).every((v) => v === undefined)).toBe(true);
  });

  test('configured: every function gets the same setting, since they must agree on positions', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const hot = Template.fromStack(buildApp(app, 'test/fixtures/hot-sku.config.json'));
    const values = bucketsOf(hot);
    expect(values.length).toBeGreaterThan(10);
    expect(new Set(values)).toEqual(new Set([JSON.stringify({ skus: { 'HOT-TEE-BLK-M': 8 } })]));
  });
});
