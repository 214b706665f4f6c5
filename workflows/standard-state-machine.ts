import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  type IChainable,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * A Standard state machine as every Quartermaster workflow runs: logging ALL events to its own log
 * group, WITHOUT execution data, and X-Ray tracing. One place for what ops rely on when they read an
 * execution.
 *
 * Why no execution data in the logs: the waiting steps pass `$$.Task.Token` in their parameters, and
 * a task token lets whoever reads it complete or fail the step. With execution data every
 * TaskScheduled log line would carry one into CloudWatch, readable by anyone with logs:GetLogEvents
 * and kept for the retention period. Inputs and outputs stay available where access is narrower:
 * `GET /ops/executions/{name}` (admin key; task tokens redacted) and GetExecutionHistory (IAM).
 */
export function standardStateMachine(
  scope: Construct,
  props: {
    name: string;
    comment: string;
    definition: IChainable;
    timeout: Duration;
    logRetention: RetentionDays;
  },
): { stateMachine: StateMachine; logGroup: LogGroup } {
  const logGroup = new LogGroup(scope, 'Logs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stateMachine = new StateMachine(scope, 'StateMachine', {
    stateMachineName: props.name,
    stateMachineType: StateMachineType.STANDARD,
    comment: props.comment,
    definitionBody: DefinitionBody.fromChainable(props.definition),
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    tracingEnabled: true,
    timeout: props.timeout,
  });
  return { stateMachine, logGroup };
}
