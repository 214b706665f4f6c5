import { ArnFormat, Lazy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Api } from './api.ts';

/**
 * Names of this stack's state machines start with `<stackName>-` (e.g. `Quartermaster-OrderFulfilment`):
 * the ops functions may read those and no others.
 */
export function stateMachineNamePrefix(scope: Construct): string {
  return `${Stack.of(scope).stackName}-`;
}

/**
 * Ops routes on the REST API (admin scope): the workflow executions of this stack, listed and read
 * with their history state by state. Read-only Step Functions access to this stack's state machines.
 */
export class OpsApi extends Construct {
  constructor(scope: Construct, id: string, props: { api: Api }) {
    super(scope, id);
    const { api } = props;
    const stack = Stack.of(this);
    const prefix = stateMachineNamePrefix(this);
    const stateMachines = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: `${prefix}*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${prefix}*:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // The stack's state machines, listed when the template is synthesized (whichever construct adds
    // them): the functions need no states:ListStateMachines, which has no resource-level permissions.
    const stateMachinesJson = Lazy.string({
      produce: () => {
        const machines = stack.node.findAll().filter((c) => c instanceof CfnStateMachine);
        for (const m of machines) {
          // The role below can only read state machines named <stackName>-…; say so at synth, not
          // with an AccessDenied on AWS (IAM is not enforced locally).
          if (typeof m.stateMachineName !== 'string' || !m.stateMachineName.startsWith(prefix))
            throw new Error(
              `State machine ${m.node.path} must be named "${prefix}<Name>" (stateMachineName) so the ops API may read its executions`,
            );
        }
        return stack.toJsonString(machines.map((m) => ({ name: m.attrName, arn: m.ref })));
      },
    });
    const ops = { service: 'ops-api', tableActions: [] };

    const list = api.addRoute('GET', '/ops/executions', {
      ...ops,
      name: 'ListExecutions',
      entry: 'functions/ops/list-executions.ts',
      description: 'GET /ops/executions: workflow executions (ops)',
    });
    list.addToRolePolicy(
      new PolicyStatement({ actions: ['states:ListExecutions'], resources: [stateMachines] }),
    );

    const get = api.addRoute('GET', '/ops/executions/{name}', {
      ...ops,
      name: 'GetExecution',
      entry: 'functions/ops/get-execution.ts',
      description: 'GET /ops/executions/{name}: one execution with its history (ops)',
    });
    get.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        resources: [executions],
      }),
    );

    for (const [fn, arn] of [
      [list, `stateMachine:${prefix}*`],
      [get, `execution:${prefix}*:*`],
    ] as const) {
      fn.addEnvironment('STATE_MACHINES', stateMachinesJson);
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:${arn}]`,
        reason: `Read-only access to this stack's state machines and their executions, all named ${prefix}… (no other state machine in the account matches).`,
      });
    }
  }
}
