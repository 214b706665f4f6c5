import { describe, expect, it } from 'vitest';
import { fanoutFromTemplate } from '../../local/eventbridge/fanout-from-template.ts';
import type { LambdaService, LocalFunction } from '../../local/lambda/lambda-service.ts';
import { startLocalRuntime } from '../../local/runtime.ts';
import { localPhysicalIds } from '../../local/template/physical-ids.ts';
import type { CfnResource, CfnTemplate } from '../../local/template/template.ts';

const STACK = 'Qm';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

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

/** A bus, a Lambda-target rule with `pattern`, and whatever `extra` resources a case adds. */
function template(pattern: unknown, extra: Record<string, CfnResource> = {}): CfnTemplate {
  return {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'qm-events' } },
      Handler: {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: 'qm-handler', Handler: 'index.handler', Runtime: 'nodejs22.x' },
      },
      OrderRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: pattern,
          Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['Handler', 'Arn'] } }],
        },
      },
      ...extra,
    },
  };
}

const table: CfnResource = {
  Type: 'AWS::DynamoDB::Table',
  Properties: { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } },
};

function mapping(filters: unknown[]): CfnResource {
  return {
    Type: 'AWS::Lambda::EventSourceMapping',
    Properties: {
      EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      FunctionName: { Ref: 'Handler' },
      StartingPosition: 'TRIM_HORIZON',
      FilterCriteria: { Filters: filters },
    },
  };
}

function fanout(t: CfnTemplate) {
  const calls: unknown[] = [];
  const lambda = {
    resolve: () => handlerFn,
    async invoke(_name: string, event: unknown) {
      calls.push(event);
      return { ok: true, payload: null };
    },
  } as unknown as LambdaService;
  const ids = localPhysicalIds({
    template: t,
    stackName: STACK,
    region: REGION,
    accountId: ACCOUNT,
    namePrefix: '',
  });
  const loading = fanoutFromTemplate({
    ctx: { template: t, stackName: STACK, region: REGION, accountId: ACCOUNT, ids },
    lambda,
    functions: [handlerFn],
    // Nothing listens here: a load that got as far as DescribeTable would fail with a connection error.
    dynamoEndpoint: 'http://127.0.0.1:9',
    functionName: ids.functionName,
    tableName: ids.tableName,
    options: { targetRetryDelayMs: () => 1 },
  });
  return { loading, calls };
}

describe('event patterns are parsed and validated when the template loads', () => {
  it('refuses a rule pattern deploy would reject, naming the rule and the field', async () => {
    const { loading } = fanout(template({ source: 'qm', detail: { status: [] } }));
    const error = await loading.then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(
      'AWS::Events::Rule OrderRule EventPattern: source: must be an object or an array',
    );
    expect(error?.message).toContain('AWS::Events::Rule OrderRule EventPattern: detail.status: empty arrays');
  });

  it('refuses a rule pattern string that is not JSON', async () => {
    await expect(fanout(template('{"source": ["qm"]')).loading).rejects.toThrow(
      /AWS::Events::Rule OrderRule EventPattern: not valid JSON/,
    );
  });

  it('parses a rule pattern given as a JSON string and matches with it', async () => {
    const { loading, calls } = fanout(
      template(JSON.stringify({ source: ['qm'], 'detail-type': ['OrderCreated'] })),
    );
    const f = await loading;
    try {
      const bus = f.bus('qm-events');
      bus.putEvents([
        { Source: 'qm', DetailType: 'OrderCreated', Detail: '{"orderId":"ord_1"}' },
        { Source: 'other', DetailType: 'OrderCreated', Detail: '{"orderId":"ord_2"}' },
      ]);
      await bus.settled();
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ source: 'qm', detail: { orderId: 'ord_1' } });
    } finally {
      await f.close();
    }
  });

  it('refuses an archive pattern deploy would reject', async () => {
    const archive: CfnResource = {
      Type: 'AWS::Events::Archive',
      Properties: { SourceArn: { 'Fn::GetAtt': ['Bus', 'Arn'] }, EventPattern: { source: [{ prefix: 1 }] } },
    };
    await expect(fanout(template({ source: ['qm'] }, { Everything: archive })).loading).rejects.toThrow(
      /AWS::Events::Archive Everything EventPattern: source\[0\]\.prefix: /,
    );
  });

  it('refuses a bad stream filter before touching DynamoDB, naming the mapping and the filter', async () => {
    const t = template(
      { source: ['qm'] },
      {
        Table: table,
        OutboxStream: mapping([
          { Pattern: JSON.stringify({ eventName: ['INSERT'] }) },
          { Pattern: JSON.stringify({ eventName: [{ numeric: ['>', 'x'] }] }) },
          { Pattern: '{eventName: ["INSERT"]}' },
          { Pattern: { eventName: ['INSERT'] } },
        ]),
      },
    );
    const error = await fanout(t).loading.then(
      () => undefined,
      (e: Error) => e,
    );
    const where = 'AWS::Lambda::EventSourceMapping OutboxStream FilterCriteria.Filters';
    expect(error?.message).toContain(`${where}[1].Pattern: eventName[0].numeric: value of > must be numeric`);
    expect(error?.message).toContain(`${where}[2].Pattern: not valid JSON`);
    expect(error?.message).toContain(`${where}[3].Pattern: must be a JSON string (got object)`);
    expect(error?.message).not.toContain('Filters[0]');
    expect(error?.message).not.toMatch(/ECONNREFUSED|fetch failed/);
  });

  it('stops the local runtime at startup, before any table is created', async () => {
    const stack = { stackName: STACK, template: template({ 'detail-type': [{ wildcard: 'Order**' }] }) };
    await expect(startLocalRuntime({ stack, dynamoEndpoint: 'http://127.0.0.1:9', port: 0 })).rejects.toThrow(
      /AWS::Events::Rule OrderRule EventPattern: detail-type\[0\]\.wildcard: consecutive wildcard/,
    );
  });
});
