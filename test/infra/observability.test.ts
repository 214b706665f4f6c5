import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';
import { ALARM_THRESHOLDS, Observability } from '../../infra/constructs/observability.ts';
import { ObservabilityStack } from '../../infra/constructs/observability-stack.ts';
import type { QuartermasterStack } from '../../infra/stack.ts';
import {
  nestedOutputBehind,
  nestedStackResourceId,
  nestedTemplateInParentTerms,
} from '../support/nested-stack.ts';

type Json = Record<string, unknown>;
const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/**
 * `main`: the main stack's template; `template`: the observability nested stack's, its parameters
 * replaced by what the main stack passes (so alarms name the main stack's functions, tables ...).
 */
function synth(configFile?: string): { stack: QuartermasterStack; main: Template; template: Template } {
  const app = new App({ context: NO_BUNDLING });
  const stack = buildApp(app, configFile);
  return {
    stack,
    main: Template.fromStack(stack),
    template: nestedTemplateInParentTerms(stack.observability),
  };
}

const alarmsOf = (template: Template) => Object.values(template.findResources('AWS::CloudWatch::Alarm'));

type MetricJson = { Namespace?: string; MetricName?: string; Dimensions?: unknown };
/** The metrics an alarm watches, whether rendered as a single metric or as Metrics (labels, math). */
function watched(alarm: { Properties?: unknown }): MetricJson[] {
  const p = alarm.Properties as Json & MetricJson;
  if (p.MetricName) return [p];
  return ((p.Metrics ?? []) as { MetricStat?: { Metric: MetricJson } }[]).flatMap((m) =>
    m.MetricStat ? [m.MetricStat.Metric] : [],
  );
}
const alarmsWatching = (template: Template, namespace: string, metricName: string) =>
  alarmsOf(template).filter((a) =>
    watched(a).some((m) => m.Namespace === namespace && m.MetricName === metricName),
  );
const topicRef = (template: Template) => ({ Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] });
const dashboardBody = (template: Template) =>
  JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties);

let stack: QuartermasterStack;
let main: Template;
let template: Template;
let partnersStack: QuartermasterStack;
let partnersMain: Template;
let partners: Template;
beforeAll(() => {
  ({ stack, main, template } = synth());
  ({
    stack: partnersStack,
    main: partnersMain,
    template: partners,
  } = synth('test/fixtures/partners.config.json'));
});

describe('nested stack', () => {
  test('alarms, dashboard, alarm topic and its key live in the nested stack, one resource in the main stack', () => {
    main.hasResource('AWS::CloudFormation::Stack', {});
    expect(Object.keys(main.findResources('AWS::CloudFormation::Stack'))).toContain(
      nestedStackResourceId(stack.observability),
    );
    for (const type of ['AWS::CloudWatch::Dashboard', 'AWS::SNS::Topic', 'AWS::Logs::MetricFilter']) {
      main.resourceCountIs(type, 0);
      expect(Object.keys(template.findResources(type)), type).toHaveLength(1);
    }
    // The main stack keeps only the dead-letter queue alarms the events construct makes itself.
    for (const alarm of alarmsOf(main)) {
      expect(watched(alarm)[0]?.MetricName).toBe('ApproximateNumberOfMessagesVisible');
    }
    expect(alarmsOf(template).length).toBeGreaterThan(
      2 * Object.keys(main.findResources('AWS::Lambda::Function')).length,
    );
  });

  test('watched resources are passed in as parameters naming the main stack’s resources', () => {
    const raw = Template.fromStack(stack.observability).toJSON() as { Parameters?: Json };
    expect(Object.keys(raw.Parameters ?? {}).length).toBeGreaterThan(0);
    // After substitution no alarm refers to a parameter: every Ref names a main stack resource.
    const mainIds = new Set(Object.keys(main.toJSON().Resources as Json));
    const nestedIds = new Set(Object.keys(template.toJSON().Resources as Json));
    for (const alarm of alarmsOf(template)) {
      for (const ref of JSON.stringify(alarm.Properties).matchAll(/"Ref":"([^"]+)"/g)) {
        expect(mainIds.has(ref[1] as string) || nestedIds.has(ref[1] as string), ref[1]).toBe(true);
      }
    }
  });
});

describe('alarm topic', () => {
  test('KMS-encrypted, TLS-only topic CloudWatch may publish to; no subscription unless configured', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('config alarms.email subscribes that address', () => {
    const hardened = synth('test/fixtures/hardened.config.json').template;
    hardened.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  test('every alarm, in either stack, notifies the topic, on alarm and on recovery', () => {
    const alarms = [...alarmsOf(template), ...alarmsOf(main)];
    expect(alarms.length).toBeGreaterThan(5);
    for (const alarm of alarms) {
      for (const actions of ['AlarmActions', 'OKActions']) {
        const targets = ((alarm.Properties as Json)[actions] as unknown[] | undefined) ?? [];
        const topics = targets.map((a) => nestedOutputBehind(stack.observability, a) ?? a);
        expect(topics, actions).toContainEqual(topicRef(template));
      }
    }
  });
});

describe('alarms', () => {
  test('API 5xx rate: a metric-math percentage of 5XXError over Count', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: ALARM_THRESHOLDS.api5xxRatePercent,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5XXError' }) }),
        }),
      ]),
    });
  });

  test('capture p99: POST /orders latency of the stage', () => {
    const [alarm] = alarmsWatching(template, 'AWS/ApiGateway', 'Latency');
    expect(alarm).toBeDefined();
    expect((alarm?.Properties as Json | undefined)?.Threshold).toBe(ALARM_THRESHOLDS.captureP99Ms);
    const body = JSON.stringify(alarm?.Properties);
    for (const part of ['"Stat":"p99"', '"Value":"POST"', '"Value":"/orders"', '"Value":"v1"']) {
      expect(body).toContain(part);
    }
  });

  test('API 429s are counted from the access log and alarmed', () => {
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [
        Match.objectLike({ MetricName: 'ApiThrottledRequests', MetricNamespace: 'Quartermaster' }),
      ],
    });
    const [alarm] = alarmsWatching(template, 'Quartermaster', 'ApiThrottledRequests');
    expect((alarm?.Properties as Json | undefined)?.Threshold).toBe(ALARM_THRESHOLDS.apiThrottledPer5Minutes);
  });

  test('every function has an Errors and a Throttles alarm', () => {
    const functions = Object.keys(main.findResources('AWS::Lambda::Function'));
    for (const metricName of ['Errors', 'Throttles']) {
      const refs = alarmsWatching(template, 'AWS/Lambda', metricName).map((a) =>
        ((watched(a)[0]?.Dimensions ?? []) as { Value: { Ref: string } }[]).map((d) => d.Value.Ref).join(),
      );
      expect(refs.sort()).toEqual([...functions].sort());
    }
  });

  test('every table alarms on read + write throttle events', () => {
    const tables = Object.keys(main.findResources('AWS::DynamoDB::Table'));
    const throttleAlarms = alarmsOf(template).filter((a) =>
      JSON.stringify(a.Properties).includes('WriteThrottleEvents'),
    );
    expect(throttleAlarms).toHaveLength(tables.length);
    for (const table of tables) {
      expect(throttleAlarms.some((a) => JSON.stringify(a.Properties).includes(`"Ref":"${table}"`))).toBe(
        true,
      );
    }
  });

  test('each dead-letter queue has exactly one depth alarm (the events construct’s own are reused)', () => {
    // Dead-letter queues: named by a redrive policy, an on-failure destination or a target's DLQ.
    const failureRefs = JSON.stringify(
      Object.values(partnersMain.toJSON().Resources as Record<string, { Properties?: Json }>).map((r) => [
        r.Properties?.RedrivePolicy,
        r.Properties?.DestinationConfig,
        (r.Properties?.Targets as Json[] | undefined)?.map((t) => t.DeadLetterConfig),
      ]),
    );
    const dlqs = Object.keys(partnersMain.findResources('AWS::SQS::Queue')).filter((id) =>
      failureRefs.includes(`"${id}"`),
    );
    expect(dlqs.length).toBeGreaterThanOrEqual(4);
    // Alarms the events construct made stay in the main stack and notify the nested topic via its output.
    const notified = (alarm: { Properties?: unknown }) =>
      ((alarm.Properties as Json).AlarmActions as unknown[]).map(
        (a) => nestedOutputBehind(partnersStack.observability, a) ?? a,
      );
    const depthAlarms = [
      ...alarmsWatching(partnersMain, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible'),
      ...alarmsWatching(partners, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible'),
    ];
    for (const dlq of dlqs) {
      const watching = depthAlarms.filter((a) => JSON.stringify(watched(a)).includes(`"${dlq}"`));
      expect(watching, dlq).toHaveLength(1);
      expect(notified(watching[0] ?? {}), dlq).toContainEqual(topicRef(partners));
    }
  });
});

describe('dashboard', () => {
  test('API, Lambda, DynamoDB, EventBridge, DLQ, Step Functions and business widgets', () => {
    partners.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = dashboardBody(partners);
    for (const text of [
      '5XXError',
      '4XXError',
      'Latency',
      'ApiThrottledRequests',
      'AWS/Lambda',
      'Throttles',
      'Duration',
      'ConsumedReadCapacityUnits',
      'ReadThrottleEvents',
      'FailedInvocations',
      'ApproximateNumberOfMessagesVisible',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'OrdersCaptured',
      'OrdersAllocated',
      'OrdersBackordered',
      'SplitShipments',
      'DropShipLines',
      'TimeToAllocateMs',
      'WebhookDeliveryFailures',
    ]) {
      expect(body, text).toContain(text);
    }
  });

  test('every function appears on the dashboard', () => {
    const body = dashboardBody(template);
    for (const id of Object.keys(main.findResources('AWS::Lambda::Function'))) {
      expect(body).toContain(id);
    }
  });
});

describe('discovery', () => {
  const placements = ['in the watched stack', 'in a nested stack'] as const;
  type Placement = (typeof placements)[number];

  /**
   * A stack with a state machine and a queue with a DLQ created before Observability (itself or as
   * ObservabilityStack); `template` is where the alarms are, in the probe stack's terms.
   */
  function probe(placement: Placement, extra?: (stack: Stack) => void) {
    const app = new App();
    const stack = new Stack(app, 'Probe');
    new StateMachine(stack, 'Flow', {
      definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'Step')),
      tracingEnabled: true,
    });
    const dlq = new Queue(stack, 'Dlq');
    new Queue(stack, 'Work', { deadLetterQueue: { queue: dlq, maxReceiveCount: 3 } });
    const props = {
      restApiName: 'probe-api',
      stageName: 'v1',
      accessLogs: new LogGroup(stack, 'AccessLogs'),
    };
    const nested =
      placement === 'in a nested stack' ? new ObservabilityStack(stack, 'Observability', props) : undefined;
    if (!nested) new Observability(stack, 'Observability', props);
    extra?.(stack);
    return {
      app,
      stack,
      template: () => (nested ? nestedTemplateInParentTerms(nested) : Template.fromStack(stack)),
    };
  }

  test.each(placements)(
    'a state machine gets ExecutionsFailed and ExecutionsTimedOut alarms; a DLQ a depth alarm (%s)',
    (placement) => {
      const probed = probe(placement);
      const t = probed.template();
      const own = Template.fromStack(probed.stack);
      const [machine] = Object.keys(own.findResources('AWS::StepFunctions::StateMachine'));
      for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
        const alarms = alarmsWatching(t, 'AWS/States', metricName);
        expect(alarms).toHaveLength(1);
        expect(watched(alarms[0] ?? {})[0]?.Dimensions).toEqual([
          { Name: 'StateMachineArn', Value: { Ref: machine } },
        ]);
      }
      const dlq = Object.keys(own.findResources('AWS::SQS::Queue')).find((id) => id.startsWith('Dlq'));
      const depth = alarmsWatching(t, 'AWS/SQS', 'ApproximateNumberOfMessagesVisible');
      expect(depth).toHaveLength(1);
      expect(JSON.stringify(depth[0]?.Properties)).toContain(`"${dlq}"`);
      expect(dashboardBody(t)).toContain('ExecutionsFailed');
    },
  );

  test('the stack’s state machines, whatever their number, are alarmed', () => {
    const machines = Object.keys(main.findResources('AWS::StepFunctions::StateMachine'));
    for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      const alarmed = alarmsWatching(template, 'AWS/States', metricName).map((a) =>
        JSON.stringify(watched(a)),
      );
      expect(alarmed).toHaveLength(machines.length);
      for (const m of machines) expect(alarmed.some((d) => d.includes(`"${m}"`))).toBe(true);
    }
  });

  test.each(placements)('a resource added after Observability fails synth, naming it (%s)', (placement) => {
    const { app } = probe(placement, (stack) => {
      new StateMachine(stack, 'LateFlow', {
        definitionBody: DefinitionBody.fromChainable(new Pass(stack, 'LateStep')),
        timeout: Duration.minutes(1),
      });
    });
    expect(() => app.synth()).toThrow(/LateFlow.*added after the Observability construct/);
  });
});

describe('metrics in handlers', () => {
  test('functions emit into the Quartermaster namespace', () => {
    for (const fn of Object.values(main.findResources('AWS::Lambda::Function'))) {
      const env = ((fn.Properties as Json).Environment as { Variables: Json }).Variables;
      expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe('Quartermaster');
    }
  });
});
