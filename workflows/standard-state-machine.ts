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
 * A Standard state machine as every Quartermaster workflow runs: logging ALL (with execution data) to
 * its own log group, and X-Ray tracing. One place for what ops rely on when they read an execution.
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
    logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
    timeout: props.timeout,
  });
  return { stateMachine, logGroup };
}
