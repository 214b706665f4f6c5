import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/envelope.ts';
import { QmFunction } from './qm-function.ts';

export interface EventStarterProps {
  bus: EventBus;
  stateMachine: StateMachine;
  /** The detail-type that starts an execution (e.g. OrderCreated). */
  detailType: string;
  /** Construct ids, kept per workflow so logical ids stay stable. */
  ids: { starter: string; rule: string };
  ruleDescription: string;
  entry: string;
  description: string;
  service: string;
  /** Environment variable that carries the state machine ARN to the starter. */
  stateMachineArnVariable: string;
  logRetention: RetentionDays;
}

export interface EventStarter {
  starter: QmFunction;
  startRule: Rule;
  startQueue: Queue;
  startDlq: Queue;
}

/**
 * Rule → queue → starter Lambda for a workflow started by an event. EventBridge cannot name a Step
 * Functions execution, so the starter does (by the business id), which makes a duplicate event unable
 * to start a second run; the queue buffers bursts and dead-letters what the starter cannot start.
 */
export function addEventStarter(scope: Construct, props: EventStarterProps): EventStarter {
  const starter = new QmFunction(scope, props.ids.starter, {
    entry: props.entry,
    description: props.description,
    service: props.service,
    environment: { [props.stateMachineArnVariable]: props.stateMachine.stateMachineArn },
    logRetention: props.logRetention,
  });
  props.stateMachine.grantStartExecution(starter);
  const {
    rule: startRule,
    queue: startQueue,
    dlq: startDlq,
  } = addEventQueueConsumer(scope, {
    bus: props.bus,
    consumer: starter,
    eventPattern: { source: [EVENT_SOURCE], detailType: [props.detailType] },
    ids: { rule: props.ids.rule, queue: 'StartQueue', dlq: 'StartDlq' },
    ruleDescription: props.ruleDescription,
    what: `${props.detailType} start queue`,
  });
  return { starter, startRule, startQueue, startDlq };
}

export interface EventQueueConsumerProps {
  bus: EventBus;
  consumer: QmFunction;
  eventPattern: EventPattern;
  ids: { rule: string; queue: string; dlq: string };
  ruleDescription: string;
  /** Names the queue in the DLQ's cdk-nag acknowledgement. */
  what: string;
}

/**
 * Rule → queue → function: the queue buffers bursts and retries what the function reports failed;
 * what still fails (or what the rule cannot deliver) lands in the dead-letter queue.
 */
export function addEventQueueConsumer(
  scope: Construct,
  props: EventQueueConsumerProps,
): { rule: Rule; queue: Queue; dlq: Queue } {
  const dlq = new Queue(scope, props.ids.dlq, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(dlq).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This is the dead-letter queue of the ${props.what} and its rule target.`,
  });
  const queue = new Queue(scope, props.ids.queue, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(4),
    visibilityTimeout: Duration.seconds(60),
    deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
  });
  const rule = new Rule(scope, props.ids.rule, {
    description: props.ruleDescription,
    eventBus: props.bus,
    eventPattern: props.eventPattern,
    targets: [
      new SqsQueue(queue, {
        deadLetterQueue: dlq,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    ],
  });
  props.consumer.addEventSource(new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true }));
  return { rule, queue, dlq };
}

/** The cdk-nag findings every workflow's role has, with why they are acceptable. */
export function acknowledgeWorkflowRole(stateMachine: StateMachine, steps: QmFunction): void {
  Validations.of(stateMachine).acknowledge(
    {
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(stateMachine).getLogicalId(steps.node.defaultChild as CfnFunction)}.Arn>:*]`,
      reason:
        'Step Functions LambdaInvoke grants the function and its versions/aliases (ARN:*); it is this one function only.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery …) and X-Ray (PutTraceSegments) support no resource-level permissions.',
    },
  );
}
