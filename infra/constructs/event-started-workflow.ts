import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { type EventBus, Rule } from 'aws-cdk-lib/aws-events';
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
  const startDlq = new Queue(scope, 'StartDlq', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(startDlq).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `This is the dead-letter queue of the ${props.detailType} start queue and rule target.`,
  });
  const startQueue = new Queue(scope, 'StartQueue', {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(4),
    visibilityTimeout: Duration.seconds(60),
    deadLetterQueue: { queue: startDlq, maxReceiveCount: 5 },
  });
  const startRule = new Rule(scope, props.ids.rule, {
    description: props.ruleDescription,
    eventBus: props.bus,
    eventPattern: { source: [EVENT_SOURCE], detailType: [props.detailType] },
    targets: [
      new SqsQueue(startQueue, {
        deadLetterQueue: startDlq,
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    ],
  });
  starter.addEventSource(new SqsEventSource(startQueue, { batchSize: 10, reportBatchItemFailures: true }));
  return { starter, startRule, startQueue, startDlq };
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
