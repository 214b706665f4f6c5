import type { PhysicalIds } from './intrinsics.ts';
import type { CfnTemplate } from './template.ts';

export interface PhysicalIdOptions {
  template: CfnTemplate;
  stackName: string;
  region: string;
  accountId: string;
  /** Prefix for table and bus names, so test suites sharing one DynamoDB Local never collide. */
  namePrefix: string;
}

/** Deterministic local names for the template's resources (what CloudFormation would generate). */
export function localPhysicalIds(o: PhysicalIdOptions): PhysicalIds & {
  tableName(logicalId: string): string;
  functionName(logicalId: string): string;
} {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${o.region}:${o.accountId}:${resource}`;
  const props = (id: string) => o.template.Resources[id]?.Properties ?? {};
  const tableName = (id: string) => `${o.namePrefix}${String(props(id).TableName ?? id)}`;
  const functionName = (id: string) => String(props(id).FunctionName ?? `${o.stackName}-${id}`);
  const busName = (id: string) => `${o.namePrefix}${String(props(id).Name ?? id)}`;
  const queueName = (id: string) => `${o.namePrefix}${String(props(id).QueueName ?? id)}`;
  const stateMachineName = (id: string) => String(props(id).StateMachineName ?? `${o.stackName}-${id}`);

  return {
    tableName,
    functionName,
    ref(id) {
      switch (o.template.Resources[id]?.Type) {
        case 'AWS::DynamoDB::Table':
          return tableName(id);
        case 'AWS::Lambda::Function':
          return functionName(id);
        case 'AWS::Events::EventBus':
          return busName(id);
        case 'AWS::SQS::Queue':
          return `http://sqs.local/${o.accountId}/${queueName(id)}`;
        case 'AWS::StepFunctions::StateMachine':
          return arn('states', `stateMachine:${stateMachineName(id)}`);
        case 'AWS::Logs::LogGroup':
          return String(props(id).LogGroupName ?? `/local/${id}`);
        default:
          return id;
      }
    },
    getAtt(id, attribute) {
      const type = o.template.Resources[id]?.Type;
      if (type === undefined) throw new Error(`Fn::GetAtt on unknown resource ${id}`);
      switch (`${type}.${attribute}`) {
        case 'AWS::DynamoDB::Table.Arn':
          return arn('dynamodb', `table/${tableName(id)}`);
        case 'AWS::DynamoDB::Table.StreamArn':
          return arn('dynamodb', `table/${tableName(id)}/stream/local`);
        case 'AWS::Lambda::Function.Arn':
          return arn('lambda', `function:${functionName(id)}`);
        case 'AWS::Events::EventBus.Arn':
          return arn('events', `event-bus/${busName(id)}`);
        case 'AWS::Events::EventBus.Name':
          return busName(id);
        case 'AWS::SQS::Queue.Arn':
          return arn('sqs', queueName(id));
        case 'AWS::SQS::Queue.QueueName':
          return queueName(id);
        case 'AWS::StepFunctions::StateMachine.Name':
          return stateMachineName(id);
        case 'AWS::StepFunctions::StateMachine.Arn':
          return arn('states', `stateMachine:${stateMachineName(id)}`);
        case 'AWS::ApiGateway::RestApi.RootResourceId':
          return `${id}-root`;
        case 'AWS::Logs::LogGroup.Arn':
          return arn('logs', `log-group:/local/${id}:*`);
        case 'AWS::IAM::Role.Arn':
          return arn('iam', `role/${id}`);
        default:
          return attribute === 'Arn' ? arn('local', id) : `${id}.${attribute}`;
      }
    },
  };
}
