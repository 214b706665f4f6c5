import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  CfnAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUSINESS_METRICS } from '../../functions/commons/order-metrics.ts';
import { inventoryOf, labelOf, logicalIdOf, referencedLogicalIds, ruleNameOf } from './discovery.ts';

export const METRICS_NAMESPACE = 'Quartermaster';

/** Alarm thresholds; each alarm's description says what to do when it fires. */
export const ALARM_THRESHOLDS = {
  /** % of API requests answered 5xx over 5 minutes, in 2 of 3 periods. */
  api5xxRatePercent: 1,
  /** p99 of POST /orders (API Gateway Latency, ms) over 5 minutes, in 2 of 3 periods. */
  captureP99Ms: 1500,
  /** Requests refused with 429 (usage plan or stage throttling) per 5 minutes. */
  apiThrottledPer5Minutes: 100,
} as const;

export interface ObservabilityProps {
  restApiName: string;
  stageName: string;
  /** The API's access log group (JSON with `status`): 429s are counted from it. */
  accessLogs: ILogGroup;
  alarmEmail?: string;
  /** Customer-managed key for the alarm topic; otherwise a dedicated key is created. */
  key?: IKey;
  /**
   * The stack whose functions, state machines, tables, rules and dead-letter queues are watched;
   * defaults to this construct's own stack. Set when this construct lives in a nested stack
   * (infra/constructs/observability-stack.ts): CDK passes the watched resources in as parameters.
   */
  monitored?: Stack;
}

const PERIOD = Duration.minutes(5);

/**
 * The operator's view of a deployed stack: an SNS alarm topic, a CloudWatch dashboard and alarms.
 * Functions, state machines, tables, rules and dead-letter queues are discovered from the construct
 * tree, so this construct must be created last in the stack (a validation fails synth otherwise).
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const stack = props.monitored ?? Stack.of(this);
    const found = inventoryOf(stack);

    // CloudWatch must be able to use the topic's key to publish: an AWS-managed SNS key does not allow it.
    const key =
      props.key ??
      new Key(this, 'TopicKey', {
        enableKeyRotation: true,
        description: 'Quartermaster alarm topic',
      });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'Quartermaster alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(this.topic).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'Email subscription for humans: an alarm notice SNS cannot deliver is not worth keeping; the alarm state and history stay in CloudWatch.',
      });
    }
    const action = new SnsAction(this.topic);
    const alarm = (alarmId: string, options: ConstructorParameters<typeof Alarm>[2]) => {
      const created = new Alarm(this, alarmId, {
        treatMissingData: TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
      return created;
    };

    // ---- API ----
    const apiDims = { ApiName: props.restApiName };
    const apiMetric = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: apiDims,
        statistic,
        period: PERIOD,
      });
    const requests = apiMetric('Count');
    const errors4xx = apiMetric('4XXError');
    const errors5xx = apiMetric('5XXError');
    const captureP99 = new Metric({
      namespace: 'AWS/ApiGateway',
      metricName: 'Latency',
      dimensionsMap: { ...apiDims, Stage: props.stageName, Method: 'POST', Resource: '/orders' },
      statistic: 'p99',
      period: PERIOD,
      label: 'POST /orders p99',
    });
    const rate5xx = new MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: errors5xx, requests },
      label: '5xx rate (%)',
      period: PERIOD,
    });
    // API Gateway has no 429 metric: count them from the access log (jsonWithStandardFields has `status`).
    const throttledFilter = new MetricFilter(this, 'ApiThrottledFilter', {
      logGroup: props.accessLogs,
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'ApiThrottledRequests',
      metricValue: '1',
      defaultValue: 0,
    });
    const api429 = throttledFilter.metric({ statistic: 'Sum', period: PERIOD, label: '429 responses' });

    alarm('Api5xxRate', {
      alarmDescription: `More than ${ALARM_THRESHOLDS.api5xxRatePercent}% of API requests failed with 5xx. Check the Lambda errors widget and the failing function's logs (ERROR lines carry correlationId and orderId).`,
      metric: rate5xx,
      threshold: ALARM_THRESHOLDS.api5xxRatePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    alarm('CaptureLatencyP99', {
      alarmDescription: `POST /orders p99 latency above ${ALARM_THRESHOLDS.captureP99Ms} ms. Check DynamoDB throttles, Lambda duration and cold starts of CreateOrder.`,
      metric: captureP99,
      threshold: ALARM_THRESHOLDS.captureP99Ms,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    alarm('ApiThrottled', {
      alarmDescription: `More than ${ALARM_THRESHOLDS.apiThrottledPer5Minutes} requests refused with 429 in 5 minutes: a channel exceeds its usage plan (raise its throttle in the config) or the stage limit.`,
      metric: api429,
      threshold: ALARM_THRESHOLDS.apiThrottledPer5Minutes,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });

    // ---- Lambda ----
    const fnMetric = (fnRef: string, metricName: string, label: string, statistic = 'Sum') =>
      new Metric({
        namespace: 'AWS/Lambda',
        metricName,
        dimensionsMap: { FunctionName: fnRef },
        statistic,
        period: PERIOD,
        label,
      });
    const lambdaErrors: IMetric[] = [];
    const lambdaThrottles: IMetric[] = [];
    const lambdaDuration: IMetric[] = [];
    for (const fn of found.functions) {
      const label = labelOf(fn);
      const id = logicalIdOf(fn);
      const fnErrors = fnMetric(fn.ref, 'Errors', label);
      const fnThrottles = fnMetric(fn.ref, 'Throttles', label);
      lambdaErrors.push(fnErrors);
      lambdaThrottles.push(fnThrottles);
      lambdaDuration.push(fnMetric(fn.ref, 'Duration', label, 'p99'));
      alarm(`Errors-${id}`, {
        alarmDescription: `Function ${label} reported errors (unhandled exceptions or timeouts). Search its log group for level ERROR.`,
        metric: fnErrors,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      alarm(`Throttles-${id}`, {
        alarmDescription: `Function ${label} was throttled: the account or reserved concurrency limit is reached.`,
        metric: fnThrottles,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // ---- DynamoDB ----
    const tableMetric = (table: CfnTable, metricName: string, label: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        dimensionsMap: { TableName: table.ref },
        statistic: 'Sum',
        period: PERIOD,
        label,
      });
    const tableThrottles: IMetric[] = [];
    const tableCapacity: IMetric[] = [];
    for (const [i, table] of found.tables.entries()) {
      const label = labelOf(table);
      // Ids are unique per table: the expressions share one graph.
      const throttled = new MathExpression({
        expression: `r${i} + w${i}`,
        usingMetrics: {
          [`r${i}`]: tableMetric(table, 'ReadThrottleEvents', label),
          [`w${i}`]: tableMetric(table, 'WriteThrottleEvents', label),
        },
        label,
        period: PERIOD,
      });
      tableThrottles.push(throttled);
      tableCapacity.push(
        tableMetric(table, 'ConsumedReadCapacityUnits', `${label} read`),
        tableMetric(table, 'ConsumedWriteCapacityUnits', `${label} write`),
      );
      alarm(`TableThrottles-${logicalIdOf(table)}`, {
        alarmDescription: `Table ${label} throttled requests (on demand: a hot partition or a sudden peak above twice the previous peak).`,
        metric: throttled,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // ---- EventBridge ----
    const failedInvocations = found.rules.map(
      (rule) =>
        new Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: {
            RuleName: ruleNameOf(rule),
            ...(rule.eventBusName === undefined ? {} : { EventBusName: rule.eventBusName }),
          },
          statistic: 'Sum',
          period: PERIOD,
          label: labelOf(rule),
        }),
    );

    // ---- Dead-letter queues (alarm only those nobody alarms yet) ----
    const alarmedQueues = queuesWithDepthAlarm(stack);
    const dlqDepth: IMetric[] = [];
    for (const queue of found.deadLetterQueues) {
      const depth = queueDepth(queue);
      dlqDepth.push(depth);
      if (alarmedQueues.has(logicalIdOf(queue))) continue;
      alarm(`DlqDepth-${logicalIdOf(queue)}`, {
        alarmDescription: `Dead-letter queue ${labelOf(queue)} holds a message: inspect it, fix the cause, redrive (npm run oms -- dlq redrive).`,
        metric: depth,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    // The DLQ alarms other constructs created notify the same topic, on alarm and on recovery.
    for (const other of stack.node.findAll().filter((c): c is Alarm => c instanceof Alarm)) {
      if (this.alarms.includes(other)) continue;
      const cfn = other.node.defaultChild as CfnAlarm;
      if (!alarmedQueues.has(queueOfAlarm(stack, cfn) ?? '')) continue;
      other.addAlarmAction(action);
      other.addOkAction(action);
    }

    // ---- Step Functions ----
    const sfnFailed: IMetric[] = [];
    const sfnTimedOut: IMetric[] = [];
    for (const sm of found.stateMachines) {
      const label = labelOf(sm);
      const sfnMetric = (metricName: string) =>
        new Metric({
          namespace: 'AWS/States',
          metricName,
          dimensionsMap: { StateMachineArn: sm.ref },
          statistic: 'Sum',
          period: PERIOD,
          label,
        });
      const failed = sfnMetric('ExecutionsFailed');
      const timedOut = sfnMetric('ExecutionsTimedOut');
      sfnFailed.push(failed);
      sfnTimedOut.push(timedOut);
      for (const [kind, metric] of [
        ['Failed', failed],
        ['TimedOut', timedOut],
      ] as const) {
        alarm(`Executions${kind}-${logicalIdOf(sm)}`, {
          alarmDescription: `State machine ${label}: an execution ${kind === 'Failed' ? 'failed' : 'timed out'}. Find it with npm run oms -- executions list, read its history with executions show.`,
          metric,
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        });
      }
    }

    // ---- Business metrics (functions/commons/order-metrics.ts) ----
    const business = (metricName: string, statistic = 'Sum') =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},service} MetricName="${metricName}"', '${statistic}', 300)`,
        label: metricName,
        period: PERIOD,
      });
    const capturedByChannel = new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},channel,service} MetricName="${BUSINESS_METRICS.ordersCaptured}"', 'Sum', 300)`,
      label: 'captured',
      period: PERIOD,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${stack.stackName}-operations`,
      defaultInterval: Duration.hours(3),
    });
    const graph = (title: string, left: IMetric[], width = 8, right?: IMetric[]) =>
      new GraphWidget({ title, left, ...(right ? { right } : {}), width, height: 6 });
    // Graph widgets take up to 100 metrics; a stack with more functions gets several widgets.
    const chunks = (metrics: IMetric[], size = 50) =>
      Array.from({ length: Math.max(1, Math.ceil(metrics.length / size)) }, (_, i) =>
        metrics.slice(i * size, (i + 1) * size),
      );
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${stack.stackName}\nAPI, functions, data, events, workflows. Alarms notify the SNS topic \`${'AlarmTopic'}\`.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('API requests', [requests], 6),
      graph('API errors', [errors4xx, errors5xx, api429], 6),
      graph('API 5xx rate (%)', [rate5xx], 6),
      graph('POST /orders latency p99 (ms)', [captureP99], 6),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Orders',
        metrics: [
          business(BUSINESS_METRICS.ordersCaptured),
          business(BUSINESS_METRICS.ordersAllocated),
          business(BUSINESS_METRICS.ordersBackordered),
        ],
        width: 12,
        height: 6,
      }),
      graph('Orders captured by channel', [capturedByChannel], 12),
    );
    this.dashboard.addWidgets(
      graph('Split shipments and drop-ship lines', [
        business(BUSINESS_METRICS.splitShipments),
        business(BUSINESS_METRICS.dropShipLines),
        business(BUSINESS_METRICS.allocatedLines),
      ]),
      graph('Time to allocate (ms, p90)', [business(BUSINESS_METRICS.timeToAllocate, 'p90')]),
      graph('Webhook delivery failures', [business(BUSINESS_METRICS.webhookFailures)]),
    );
    for (const [i, part] of chunks(lambdaErrors).entries()) {
      this.dashboard.addWidgets(
        graph('Lambda errors', part),
        graph('Lambda throttles', chunks(lambdaThrottles)[i] ?? []),
        graph('Lambda duration p99 (ms)', chunks(lambdaDuration)[i] ?? []),
      );
    }
    this.dashboard.addWidgets(
      graph('DynamoDB throttled requests', tableThrottles),
      graph('DynamoDB consumed capacity', tableCapacity),
      graph('EventBridge failed invocations', failedInvocations),
    );
    this.dashboard.addWidgets(
      graph('Dead-letter queue depth', dlqDepth),
      graph('Executions failed', sfnFailed),
      graph('Executions timed out', sfnTimedOut),
    );

    // Constructs added after this one would be missing from the dashboard and alarms: fail synth.
    const seen = new Set(
      [...found.functions, ...found.stateMachines, ...found.tables, ...found.deadLetterQueues].map((c) =>
        logicalIdOf(c),
      ),
    );
    this.node.addValidation({
      validate: () => {
        const now = inventoryOf(stack);
        return [...now.functions, ...now.stateMachines, ...now.tables, ...now.deadLetterQueues]
          .filter((c) => !seen.has(logicalIdOf(c)))
          .map(
            (c) =>
              `${c.node.path} was added after the Observability construct: create Observability last in the stack so it is monitored.`,
          );
      },
    });
  }
}

function queueDepth(queue: CfnQueue): Metric {
  return new Metric({
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensionsMap: { QueueName: queue.attrQueueName },
    statistic: 'Maximum',
    period: Duration.minutes(1),
    label: labelOf(queue),
  });
}

/** The logical id of the queue whose visible-message count an alarm watches, if any. */
function queueOfAlarm(stack: Stack, alarm: CfnAlarm): string | undefined {
  if (alarm.metricName !== 'ApproximateNumberOfMessagesVisible' || alarm.namespace !== 'AWS/SQS')
    return undefined;
  return referencedLogicalIds(stack.resolve(alarm.dimensions))[0];
}

function queuesWithDepthAlarm(stack: Stack): Set<string> {
  const ids = stack.node
    .findAll()
    .filter((c): c is CfnAlarm => c instanceof CfnAlarm)
    .map((a) => queueOfAlarm(stack, a))
    .filter((id): id is string => id !== undefined);
  return new Set(ids);
}
