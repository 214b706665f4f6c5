import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { loadConfig } from '../../infra/config.ts';
import { PARTNER_METADATA } from '../../infra/constructs/events.ts';
import { ENTRY_METADATA } from '../../infra/constructs/qm-function.ts';
import type { QuartermasterStack } from '../../infra/stack.ts';
import { type CfnTargetInput, transformTargetInput } from '../../local/eventbridge/input-transformer.ts';
import { DETAIL_TYPES, EVENT_CATALOG, exampleEvent, parseEvent } from '../../shared/events/catalog.ts';
import { EVENT_SOURCE, EventEnvelopeSchema } from '../../shared/events/envelope.ts';
import { nestedStackResourceId } from '../support/nested-stack.ts';

const CONFIG = 'test/fixtures/partners.config.json';
type Json = Record<string, unknown>;
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

let app: App;
let stack: QuartermasterStack;
let template: Template;

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = buildApp(app, CONFIG);
  template = Template.fromStack(stack);
});

const config = loadConfig(CONFIG);
const partner = (id: string) => {
  const p = config.partners.find((x) => x.id === id);
  if (!p) throw new Error(id);
  return p;
};

function logicalIdOf(type: string, predicate: (r: Json) => boolean): string {
  const found = Object.entries(template.findResources(type)).find(([, r]) => predicate(r as Json));
  if (!found) throw new Error(`no ${type}`);
  return found[0];
}

function statementsOfEntry(entry: string, partnerId?: string): Statement[] {
  const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, r]) =>
      (r.Metadata as Json | undefined)?.[ENTRY_METADATA] === entry &&
      (partnerId === undefined ||
        (((r.Properties as Json).Environment as Json).Variables as Json).PARTNER_ID === partnerId),
  ) ?? [undefined, undefined];
  if (!fn) throw new Error(`no function ${entry}`);
  const roleId = ((fn.Properties as Json).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => ((p.Properties as Json).Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => ((p.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement);
}
const actions = (s: Statement[]) =>
  s.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action])).sort();

describe('bus and archive', () => {
  test('a custom bus and an archive of every OMS event with the configured retention', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const busId = logicalIdOf('AWS::Events::EventBus', () => true);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      EventPattern: { source: [EVENT_SOURCE] },
      RetentionDays: config.events.archiveRetentionDays,
    });
  });
});

describe('schema registry', () => {
  test('the catalog is a nested stack: one resource in the main stack whatever the number of event types', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 0);
    template.resourceCountIs('AWS::EventSchemas::Schema', 0);
    expect(Object.keys(template.findResources('AWS::CloudFormation::Stack'))).toContain(
      nestedStackResourceId(stack.events.catalog),
    );
  });

  test('a registry with one JSONSchemaDraft4 schema per catalog detail-type and version', () => {
    const catalog = Template.fromStack(stack.events.catalog);
    catalog.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const [registryId] = Object.keys(catalog.findResources('AWS::EventSchemas::Registry'));
    catalog.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: `${stack.stackName}-events`,
    });
    catalog.resourceCountIs('AWS::EventSchemas::Schema', DETAIL_TYPES.length);
    for (const type of DETAIL_TYPES)
      catalog.hasResourceProperties('AWS::EventSchemas::Schema', {
        RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] },
        SchemaName: `${EVENT_SOURCE}@${type}`,
        Type: 'JSONSchemaDraft4',
        Tags: Match.arrayWith([
          { Key: 'quartermaster:event-version', Value: String(EVENT_CATALOG[type].version) },
        ]),
      });
  });

  test('schema content is valid JSON Schema draft 4 that accepts the catalog examples as EventBridge events', async () => {
    const [{ default: ajvModule }, { default: formatsModule }] = await Promise.all([
      import('ajv-draft-04'),
      import('ajv-formats'),
    ]);
    const ajv = new ajvModule.default({ allErrors: true, strict: true, strictTypes: false });
    formatsModule.default(ajv);
    ajv.addVocabulary(['x-amazon-events-detail-type', 'x-amazon-events-source']);
    const catalog = Template.fromStack(stack.events.catalog);
    for (const [, resource] of Object.entries(catalog.findResources('AWS::EventSchemas::Schema'))) {
      const props = resource.Properties as { SchemaName: string; Content: string };
      const type = props.SchemaName.split('@')[1] as (typeof DETAIL_TYPES)[number];
      const schema = JSON.parse(props.Content) as Json;
      expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      // Keywords draft 4 does not know must not appear (zod's draft-04 target rewrites them).
      expect(props.Content).not.toMatch(/"(const|\$defs|examples|if|then|else|prefixItems|propertyNames)":/);
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
      const validate = ajv.compile(schema);
      const event = {
        version: '0',
        id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        'detail-type': type,
        source: EVENT_SOURCE,
        account: '123456789012',
        time: '2026-01-01T00:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: JSON.parse(JSON.stringify(exampleEvent(type))),
      };
      expect(validate(event), `${type}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(validate({ ...event, detail: { ...event.detail, type: 'Other' } })).toBe(false);
    }
  });
});

describe('inventory publisher', () => {
  test('reads position inserts and changes (and hot-SKU buckets) from the table stream, with partial failures and a DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataOrdersTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT', 'MODIFY'],
              dynamodb: { NewImage: { entity: { S: ['POSITION', 'POSITION_BUCKET'] } } },
            }),
          },
        ],
      },
    });
  });

  test('least privilege: reads positions and the stream, PutEvents on this bus only, idempotency records', () => {
    const statements = statementsOfEntry('functions/events/publish-inventory-changes.ts');
    expect(actions(statements).filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:DescribeStream',
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    const busId = logicalIdOf('AWS::Events::EventBus', () => true);
    const put = statements.find((s) => actions([s]).includes('events:PutEvents'));
    expect(put?.Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    // Writes go to the idempotency table only; the order table is read.
    const writes = statements.filter((s) => actions([s]).includes('dynamodb:PutItem'));
    expect(JSON.stringify(writes)).not.toContain('DataOrdersTable');
  });
});

describe('outbox publisher', () => {
  test('reads the order table stream from TRIM_HORIZON, only outbox INSERTs, with partial failures and a DLQ', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DataOrdersTable'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { NewImage: { entity: { S: ['OUTBOX'] } } },
            }),
          },
        ],
      },
    });
  });

  test('least privilege: stream read on the table stream, PutEvents on this bus only, SendMessage to its DLQ, idempotency records', () => {
    const statements = statementsOfEntry('functions/events/publish-outbox.ts');
    expect(actions(statements).filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:DescribeStream',
      'dynamodb:GetItem',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    const busId = logicalIdOf('AWS::Events::EventBus', () => true);
    const put = statements.find((s) => actions([s]).includes('events:PutEvents'));
    expect(put?.Resource).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
    const idempotencyTableId = logicalIdOf(
      'AWS::DynamoDB::Table',
      (r) =>
        ((r.Properties as Json).TimeToLiveSpecification as Json | undefined)?.AttributeName === 'expiration',
    );
    const records = statements.find((s) => actions([s]).includes('dynamodb:PutItem'));
    expect(records?.Resource).toEqual({ 'Fn::GetAtt': [idempotencyTableId, 'Arn'] });
    const stream = statements.find((s) => actions([s]).includes('dynamodb:GetRecords'));
    expect(JSON.stringify(stream?.Resource)).toContain('StreamArn');
    for (const s of statements.filter((x) => !actions([x]).every((a) => a.startsWith('xray:'))))
      expect(s.Resource).not.toBe('*');
  });
});

describe('partners', () => {
  test('one rule per partner on the OMS bus, with the partner pattern', () => {
    const busId = logicalIdOf('AWS::Events::EventBus', () => true);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: [EVENT_SOURCE], 'detail-type': ['OrderCreated'], detail: { channel: ['web'] } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': ['OrderCreated'],
        detail: { channel: ['marketplace'] },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [EVENT_SOURCE],
        'detail-type': ['OrderCancelled'],
        detail: { data: { locationId: ['wh-rotterdam'] } },
      },
    });
    // One rule per partner (other rules on the bus, e.g. workflow triggers, carry no partner id); the
    // partner id in the template lets the local runtime replay a window to one partner's rule.
    const partnerRules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => (r.Metadata as Json | undefined)?.[PARTNER_METADATA] !== undefined,
    );
    expect(partnerRules.map((r) => (r.Metadata as Json)[PARTNER_METADATA]).sort()).toEqual(
      config.partners.map((p) => p.id).sort(),
    );
    for (const r of partnerRules)
      expect((r.Properties as Json).EventBusName).toEqual({
        Ref: logicalIdOf('AWS::Events::EventBus', () => true),
      });
  });

  test('api-destination: connection with the secret by reference, rate-limited destination, 24 h / 185 retries, DLQ', () => {
    const p = partner('carrier-3pl');
    const connection = Object.values(template.findResources('AWS::Events::Connection'))[0] as Json;
    const text = JSON.stringify(connection);
    expect(text).toContain(`{{resolve:secretsmanager:${p.secretName}:SecretString:clientSecret::}}`);
    expect((connection.Properties as Json).AuthorizationType).toBe('OAUTH_CLIENT_CREDENTIALS');
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: p.endpoint,
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: p.rateLimitPerSecond,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ 'detail-type': ['OrderCancelled'] }),
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Partnercarrier3plDlq'), 'Arn'] },
          },
          HttpParameters: { HeaderParameters: { 'webhook-id': '$.detail.eventId' } },
          InputPath: '$.detail',
        }),
      ],
    });
  });

  test('signed: rule → queue with redrive to the partner DLQ → a sender that reads only its own secret', () => {
    const p = partner('web-analytics');
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Partnerwebanalytics'), 'Arn'] },
        maxReceiveCount: p.maxReceives,
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { channel: ['web'] } }),
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PartnerwebanalyticsQueue'), 'Arn'] },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
    const statements = statementsOfEntry('functions/events/deliver-webhook.ts', p.id);
    const secret = statements.find((s) => actions([s]).includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secret?.Resource)).toContain(`secret:${p.secretName}-??????`);
    expect(actions(statements).some((a) => a.startsWith('dynamodb:') || a.startsWith('events:'))).toBe(false);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PartnerwebanalyticsQueue'), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  test('every catalog event, through every partner target as synthesized, is a body the sender and partners accept', () => {
    // Issue 13.1: the target input must not depend on fields some events lack (InventoryChanged has
    // no orderId or channel). On AWS a JSON path the event does not have creates no variable, so a
    // per-field transformer breaks those events; the partner gets the published envelope as it is.
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) => (r.Metadata as Json | undefined)?.[PARTNER_METADATA] !== undefined,
    );
    expect(rules).toHaveLength(config.partners.length);
    for (const rule of rules) {
      const [target] = (rule.Properties as { Targets: Json[] }).Targets;
      expect(target).toMatchObject({ InputPath: '$.detail' });
      expect(target).not.toHaveProperty('InputTransformer');
      for (const type of DETAIL_TYPES) {
        const envelope = exampleEvent(type);
        const busEvent = {
          version: '0',
          id: 'e1',
          'detail-type': type,
          source: EVENT_SOURCE,
          account: '123456789012',
          time: '2026-03-14T09:26:53Z',
          region: 'eu-west-1',
          resources: [],
          detail: envelope,
        };
        const body = transformTargetInput(target as CfnTargetInput, busEvent, 'rule');
        expect(parseEvent(JSON.parse(body)), type).toEqual(envelope);
        expect(EventEnvelopeSchema.safeParse(JSON.parse(body)).success, type).toBe(true);
      }
    }
  });

  test('every dead-letter queue has an alarm on its first message', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => (a.Properties as Json).MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    // one per partner, one for the outbox publisher and one for the inventory publisher
    expect(alarms).toHaveLength(config.partners.length + 2);
  });

  test('cdk-nag: no unacknowledged finding with partners configured', () => {
    const report = new AwsSolutionsChecks(app).validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});
