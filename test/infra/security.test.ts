import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { QuartermasterConfigSchema } from '../../infra/config.ts';
import { ENTRY_METADATA } from '../../infra/constructs/qm-function.ts';
import type { QuartermasterStack } from '../../infra/stack.ts';
import { nestedTemplateInParentTerms } from '../support/nested-stack.ts';

type Json = Record<string, unknown>;

function synthStack(configFile?: string): QuartermasterStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return buildApp(app, configFile);
}
const synth = (configFile?: string): Template => Template.fromStack(synthStack(configFile));

const methods = (t: Template) =>
  Object.values(t.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties as Json);
const isOpenApi = (m: Json) => JSON.stringify(m.ResourceId).includes('openapijson');

let apiKey: Template;
let iam: Template;
let hardened: Template;
/** The hardened stack's observability nested stack (alarm topic), in the main stack's terms. */
let hardenedMonitoring: Template;
beforeAll(() => {
  apiKey = synth();
  iam = synth('test/fixtures/iam.config.json');
  const hardenedStack = synthStack('test/fixtures/hardened.config.json');
  hardened = Template.fromStack(hardenedStack);
  hardenedMonitoring = nestedTemplateInParentTerms(hardenedStack.observability);
});

describe('auth modes', () => {
  test('apiKey (default): keys on every method but /openapi.json, no authorizer', () => {
    for (const m of methods(apiKey)) {
      expect(m.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(m.ApiKeyRequired === true).toBe(!isOpenApi(m));
    }
    apiKey.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
  });

  test('iam: AWS_IAM on every method but /openapi.json, keys still name the channel', () => {
    for (const m of methods(iam)) {
      expect(m.AuthorizationType ?? 'NONE').toBe(isOpenApi(m) ? 'NONE' : 'AWS_IAM');
      expect(m.ApiKeyRequired === true).toBe(!isOpenApi(m));
    }
  });

  test('jwt: a token authorizer on every method but /openapi.json, verifying issuer and audience', () => {
    hardened.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    const [authorizerId] = Object.keys(hardened.findResources('AWS::ApiGateway::Authorizer'));
    for (const m of methods(hardened)) {
      if (isOpenApi(m)) {
        expect(m.AuthorizationType ?? 'NONE').toBe('NONE');
        continue;
      }
      expect(m.AuthorizationType).toBe('CUSTOM');
      expect(m.AuthorizerId).toEqual({ Ref: authorizerId });
      expect(m.ApiKeyRequired).toBe(true);
    }
    const fn = Object.values(hardened.findResources('AWS::Lambda::Function')).find(
      (f) => (f.Metadata as Json)[ENTRY_METADATA] === 'functions/auth/jwt-authorizer.ts',
    );
    expect(
      ((fn?.Properties as Json | undefined)?.Environment as { Variables: Json } | undefined)?.Variables,
    ).toMatchObject({
      JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
      JWT_AUDIENCE: 'client-a,client-b',
    });
    hardened.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'UNAUTHORIZED',
      StatusCode: '401',
      ResponseParameters: { 'gatewayresponse.header.Content-Type': "'application/problem+json'" },
    });
  });

  test('jwt without issuer/audience is a configuration error', () => {
    const result = QuartermasterConfigSchema.safeParse({
      channels: [{ id: 'web', throttle: { rateLimit: 1, burstLimit: 1 } }],
      auth: { mode: 'jwt' },
    });
    expect(result.success).toBe(false);
  });

  test('a shipment heartbeat not shorter than its timeout is a configuration error naming the field', () => {
    const channels = [{ id: 'web', throttle: { rateLimit: 1, burstLimit: 1 } }];
    const fulfilment = (shipmentHeartbeatSeconds: number) =>
      QuartermasterConfigSchema.safeParse({
        channels,
        fulfilment: { shipmentTimeoutSeconds: 3600, shipmentHeartbeatSeconds },
      });
    const bad = fulfilment(3600);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['fulfilment', 'shipmentHeartbeatSeconds']);
    expect(fulfilment(1800).success).toBe(true);
  });
});

describe('WAF', () => {
  test('off by default', () => {
    apiKey.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('waf: a regional web ACL with AWS managed rule groups and a per-IP rate rule, on the stage', () => {
    for (const [t, limit] of [
      [iam, 2000],
      [hardened, 500],
    ] as const) {
      t.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        Rules: Match.arrayWith([
          Match.objectLike({
            Name: 'AWSManagedRulesCommonRuleSet',
            Statement: {
              ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' },
            },
            OverrideAction: { None: {} },
          }),
          Match.objectLike({
            Name: 'AWSManagedRulesKnownBadInputsRuleSet',
          }),
          Match.objectLike({
            Name: 'RatePerIp',
            Statement: { RateBasedStatement: { Limit: limit, AggregateKeyType: 'IP' } },
            Action: { Block: {} },
          }),
        ]),
      });
      const [stageId] = Object.keys(t.findResources('AWS::ApiGateway::Stage'));
      t.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        ResourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: stageId }])]) }),
      });
    }
  });
});

describe('encryption at rest', () => {
  test('without customerManagedKey: tables AWS-managed, queues SQS-managed, no log group key', () => {
    for (const table of Object.values(apiKey.findResources('AWS::DynamoDB::Table'))) {
      expect((table.Properties as Json).SSESpecification).toEqual({ SSEEnabled: true });
    }
    for (const group of Object.values(apiKey.findResources('AWS::Logs::LogGroup'))) {
      expect((group.Properties as Json).KmsKeyId).toBeUndefined();
    }
  });

  test('customerManagedKey: every table and every log group use the stack key; logs may use it', () => {
    const keys = hardened.findResources('AWS::KMS::Key');
    const tableKey = Object.entries(keys).find(([id]) => id.startsWith('DataTableKey'))?.[0];
    expect(tableKey).toBeDefined();
    const tables = Object.values(hardened.findResources('AWS::DynamoDB::Table'));
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const table of tables) {
      expect((table.Properties as Json).SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [tableKey, 'Arn'] },
      });
    }
    const groups = Object.values(hardened.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(5);
    for (const group of groups) {
      expect((group.Properties as Json).KmsKeyId).toEqual({ 'Fn::GetAtt': [tableKey, 'Arn'] });
    }
    hardened.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': Match.anyValue() } },
          }),
        ]),
      },
    });
    // The alarm topic (in the observability nested stack) uses the same key.
    hardenedMonitoring.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [tableKey, 'Arn'] },
    });
  });

  test('every queue is encrypted at rest (SQS-managed, or KMS)', () => {
    const partners = synth('test/fixtures/partners.config.json');
    const queues = Object.values(partners.findResources('AWS::SQS::Queue'));
    expect(queues.length).toBeGreaterThan(0);
    for (const q of queues) {
      const p = q.Properties as Json;
      expect(p.SqsManagedSseEnabled === true || p.KmsMasterKeyId !== undefined).toBe(true);
    }
  });
});
