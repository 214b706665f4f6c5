import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { loadConfig } from '../../infra/config.ts';
import { BUNDLE_METADATA, ENTRY_METADATA, REPO_ROOT } from '../../infra/constructs/qm-function.ts';
import type { QuartermasterStack } from '../../infra/stack.ts';
import { API_ROUTES } from '../../shared/api/openapi.ts';

let app: App;
let stack: QuartermasterStack;
let template: Template;
type Json = Record<string, unknown>;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = buildApp(app);
  template = Template.fromStack(stack);
});

const config = loadConfig();

function functionByEntry(entry: string): [string, Json] {
  const fns = template.findResources('AWS::Lambda::Function');
  const found = Object.entries(fns).find(
    ([, r]) => (r.Metadata as Json | undefined)?.[ENTRY_METADATA] === entry,
  );
  if (!found) throw new Error(`no function for ${entry}`);
  return found as [string, Json];
}

/** All IAM statements attached to a function's execution role. */
function statementsOf(entry: string): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  const [, fn] = functionByEntry(entry);
  const roleId = ((fn.Properties as Json).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    ((p.Properties as Json).Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
  );
  return policies.flatMap((p) => ((p.Properties as Json).PolicyDocument as { Statement: never[] }).Statement);
}

const actionsOf = (statements: { Action: string | string[] }[], prefix: string) =>
  statements
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .filter((a) => a.startsWith(prefix))
    .sort();

describe('data', () => {
  test('order table: PK/SK, four GSIs, PITR, stream, TTL, deletion protection, encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
      // GSI4: the sparse index of open shipments by location (GET /fulfillments?status=open).
      GlobalSecondaryIndexes: ['GSI1', 'GSI2', 'GSI3', 'GSI4'].map((name, i) =>
        Match.objectLike({
          IndexName: name,
          KeySchema: [
            { AttributeName: `GSI${i + 1}PK`, KeyType: 'HASH' },
            { AttributeName: `GSI${i + 1}SK`, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ),
    });
  });

  test('idempotency table with TTL on Powertools’ expiration attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('the order table is retained on stack deletion when deletion protection is on', () => {
    const tables = template.findResources('AWS::DynamoDB::Table', {
      Properties: { DeletionProtectionEnabled: true },
    });
    expect(Object.values(tables).every((t) => t.DeletionPolicy === 'Retain')).toBe(true);
  });
});

describe('api', () => {
  test('one API key and one usage plan per channel, with the channel’s throttle', () => {
    template.resourceCountIs('AWS::ApiGateway::ApiKey', config.channels.length);
    template.resourceCountIs('AWS::ApiGateway::UsagePlanKey', config.channels.length);
    for (const channel of config.channels) {
      template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
        UsagePlanName: `Quartermaster-${channel.id}`,
        Throttle: { RateLimit: channel.throttle.rateLimit, BurstLimit: channel.throttle.burstLimit },
        ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
      });
      template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Name: `Quartermaster-${channel.id}` });
    }
  });

  test('every method but GET /openapi.json requires an API key; POST /orders requires Idempotency-Key', () => {
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method'));
    // One method per documented route (test/integration/openapi.test.ts checks they are the same routes).
    expect(methods.length).toBe(API_ROUTES.length);
    const open = methods.filter((m) => (m.Properties as Json).ApiKeyRequired !== true);
    expect(open).toHaveLength(1);
    expect(((open[0] as Json).Properties as Json).HttpMethod).toBe('GET');
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestParameters: { 'method.request.header.Idempotency-Key': true },
      RequestValidatorId: Match.anyValue(),
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
  });

  test('gateway errors are problem+json', () => {
    for (const type of [
      'INVALID_API_KEY',
      'THROTTLED',
      'BAD_REQUEST_PARAMETERS',
      'DEFAULT_4XX',
      'DEFAULT_5XX',
    ]) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
      });
    }
  });

  test('the missing-parameter 400 names the field in errors[], and Idempotency-Key is the only required parameter', () => {
    // BAD_REQUEST_PARAMETERS cannot say which parameter is missing except in its message, so its
    // static errors[] is right only while Idempotency-Key is the one parameter any method requires.
    for (const method of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
      const required = Object.entries((method.Properties.RequestParameters ?? {}) as Record<string, boolean>)
        .filter(([, isRequired]) => isRequired)
        .map(([name]) => name);
      for (const name of required) expect(name).toBe('method.request.header.Idempotency-Key');
    }
    const [response] = Object.values(
      template.findResources('AWS::ApiGateway::GatewayResponse', {
        Properties: { ResponseType: 'BAD_REQUEST_PARAMETERS' },
      }),
    );
    const body = String(response?.Properties.ResponseTemplates['application/json'])
      .replace('$context.error.messageString', '"Missing required request parameters: [Idempotency-Key]"')
      .replace('$context.requestId', 'r-1');
    expect(JSON.parse(body).errors).toEqual([
      { pointer: '', field: 'header:Idempotency-Key', message: expect.stringContaining('required') },
    ]);
  });

  test('stage: tracing, access logs, execution logging, default throttling', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: config.stageName,
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({ LoggingLevel: 'ERROR', ThrottlingRateLimit: 1000 }),
      ]),
    });
  });
});

describe('functions', () => {
  test('every function: nodejs24.x on arm64, X-Ray active, JSON logs to its own log group, a source entry', () => {
    const fns = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fns.length).toBeGreaterThanOrEqual(4);
    for (const fn of fns) {
      const p = fn.Properties as Json;
      expect(p.Runtime).toBe('nodejs24.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect((p.LoggingConfig as Json).LogFormat).toBe('JSON');
      expect((p.LoggingConfig as Json).LogGroup).toBeDefined();
      const entry = (fn.Metadata as Json)[ENTRY_METADATA] as string;
      expect(existsSync(resolve(REPO_ROOT, entry))).toBe(true);
      expect(((p.Environment as Json).Variables as Json).POWERTOOLS_SERVICE_NAME).toBeDefined();
      // Bundled as the configuration's `lambda` says (bench:coldstart builds from this metadata).
      expect((fn.Metadata as Json)[BUNDLE_METADATA]).toEqual(config.lambda);
    }
    expect(config.lambda).toEqual({ awsSdk: 'runtime', tracing: 'active' });
  });

  test('log groups have the configured retention', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(0);
    expect(groups.every((g) => (g.Properties as Json).RetentionInDays === config.logRetentionDays)).toBe(
      true,
    );
  });

  test('no function role uses an AWS managed policy', () => {
    const roles = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })]),
        }),
      },
    });
    expect(Object.keys(roles).length).toBeGreaterThan(0);
    for (const role of Object.values(roles))
      expect((role.Properties as Json).ManagedPolicyArns).toBeUndefined();
  });
});

describe('least privilege', () => {
  test.each([
    [
      'functions/api/create-order.ts',
      ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
    ],
    ['functions/api/get-order.ts', ['dynamodb:GetItem', 'dynamodb:Query']],
    ['functions/api/list-orders.ts', ['dynamodb:Query']],
    [
      'functions/api/cancel-order.ts',
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ],
    ],
    ['functions/api/get-location.ts', ['dynamodb:BatchGetItem', 'dynamodb:GetItem']],
    ['functions/api/list-locations.ts', ['dynamodb:Query']],
    ['functions/api/put-location.ts', ['dynamodb:GetItem', 'dynamodb:PutItem']],
    ['functions/api/sync-inventory.ts', ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']],
    ['functions/api/get-inventory.ts', ['dynamodb:GetItem', 'dynamodb:Query']],
    ['functions/api/get-availability.ts', ['dynamodb:GetItem', 'dynamodb:Query']],
    ['functions/api/list-order-shipments.ts', ['dynamodb:GetItem', 'dynamodb:Query']],
    ['functions/api/list-open-shipments.ts', ['dynamodb:Query']],
  ] as [string, string[]][])('%s may only %j on the order table', (entry, expected) => {
    const statements = statementsOf(entry);
    expect(actionsOf(statements, 'dynamodb:')).toEqual(expected);
    for (const s of statements.filter((st) => actionsOf([st], 'dynamodb:').length)) {
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      expect(JSON.stringify(resources)).not.toContain('"*"');
      expect(JSON.stringify(resources)).not.toContain('index/*');
    }
  });

  test('list-orders may query exactly the three order indexes', () => {
    const statement = statementsOf('functions/api/list-orders.ts').find(
      (s) => actionsOf([s], 'dynamodb:').length,
    );
    const resources = JSON.stringify(statement?.Resource);
    for (const index of ['GSI1', 'GSI2', 'GSI3']) expect(resources).toContain(`/index/${index}`);
    expect(resources).not.toContain('/index/GSI4');
  });

  test('list-open-shipments may query only the open-shipments index, and the table routes exist', () => {
    const statement = statementsOf('functions/api/list-open-shipments.ts').find(
      (s) => actionsOf([s], 'dynamodb:').length,
    );
    const resources = JSON.stringify(statement?.Resource);
    expect(resources).toContain('/index/GSI4');
    for (const index of ['GSI1', 'GSI2', 'GSI3']) expect(resources).not.toContain(`/index/${index}`);
    const paths = Object.values(template.findResources('AWS::ApiGateway::Resource')).map(
      (r) => (r.Properties as Json).PathPart,
    );
    expect(paths).toEqual(expect.arrayContaining(['fulfillments', 'shipments']));
  });

  test('the only wildcard resource is X-Ray’s (which has no resource-level permissions)', () => {
    const wildcards = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (
        (p.Properties as Json).PolicyDocument as {
          Statement: { Action: string | string[]; Resource: unknown }[];
        }
      ).Statement.filter((s) => s.Resource === '*'),
    );
    for (const s of wildcards) {
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      // Step Functions logging (level ALL): CloudWatch Logs delivery actions have no resource-level permissions either.
      const logDelivery =
        /^logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/;
      expect(actions.every((a) => a.startsWith('xray:') || logDelivery.test(a))).toBe(true);
    }
  });
});

describe('cdk-nag', () => {
  const unacknowledged = (pack: NagPack, scope: Stack) =>
    pack
      .validateScope(scope)
      .violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

  test('AwsSolutions and Serverless checks report no unacknowledged finding on the stack', () => {
    expect(unacknowledged(new AwsSolutionsChecks(app), stack)).toEqual([]);
    expect(unacknowledged(new ServerlessChecks(app), stack)).toEqual([]);
  });

  test.each([
    'test/fixtures/partners.config.json',
    'test/fixtures/hardened.config.json',
    'test/fixtures/iam.config.json',
  ])('both packs are clean with %s (partners, jwt + WAF + KMS, iam)', (configFile) => {
    const otherApp = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const other = buildApp(otherApp, configFile);
    expect(unacknowledged(new AwsSolutionsChecks(otherApp), other)).toEqual([]);
    expect(unacknowledged(new ServerlessChecks(otherApp), other)).toEqual([]);
  });

  test('the Serverless pack does fail on a finding (control: a queue without redrive)', () => {
    const controlApp = new App();
    const control = new Stack(controlApp, 'Control');
    new Queue(control, 'NoRedrive');
    expect(unacknowledged(new ServerlessChecks(controlApp), control)).toEqual([
      expect.stringContaining('Serverless-SQSRedrivePolicy'),
    ]);
  });

  test('the check does fail on a finding (control: a table without PITR)', () => {
    const controlApp = new App();
    const control = new Stack(controlApp, 'Control');
    new Table(control, 'NoPitr', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    const report = new AwsSolutionsChecks(controlApp).validateScope(control);
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining([expect.stringContaining('DDB3')]),
    );
  });
});
