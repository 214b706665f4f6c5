import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ORDER_INDEXES } from '../../shared/adapters/aws/order-keys.ts';
import { FULFILMENT_STATE_MACHINE_NAME } from '../../workflows/fulfilment.ts';
import type { Api } from './api.ts';
import type { QmFunction } from './qm-function.ts';

/**
 * Ops routes that re-drive order fulfilment (admin scope): resume one order whose run ended
 * abnormally with a new run `<orderId>-r<n>` from its stored state, list the stalled orders, and
 * reconcile them in bulk (resume, release their reservations, or report). Step Functions access is
 * the fulfilment state machine only: StartExecution on it, DescribeExecution on its executions.
 */
export class OpsFulfilment extends Construct {
  readonly resume: QmFunction;
  readonly stalled: QmFunction;
  readonly reconcile: QmFunction;

  constructor(scope: Construct, id: string, props: { api: Api; stateMachine: StateMachine }) {
    super(scope, id);
    const { api, stateMachine } = props;
    const reads = ['GetItem', 'Query'];
    // Releasing reservations writes positions and reservations in one transaction (as cancel does).
    const writes = ['GetItem', 'PutItem', 'Query', 'UpdateItem', 'ConditionCheckItem'];

    this.resume = api.addRoute('POST', '/ops/orders/{orderId}/resume', {
      name: 'ResumeOrderFulfilment',
      entry: 'functions/ops/resume-order.ts',
      description: 'POST /ops/orders/{orderId}/resume: a new fulfilment run from the stored order (ops)',
      service: 'ops-api',
      tableActions: reads,
    });
    this.stalled = api.addRoute('GET', '/ops/orders/stalled', {
      name: 'ListStalledOrders',
      entry: 'functions/ops/stalled-orders.ts',
      description: 'GET /ops/orders/stalled: unsettled orders with no live fulfilment run (ops)',
      service: 'ops-api',
      tableActions: reads,
      indexes: [ORDER_INDEXES.byStatus],
    });
    this.reconcile = api.addRoute('POST', '/ops/orders/reconcile', {
      name: 'ReconcileStalledOrders',
      entry: 'functions/ops/reconcile-orders.ts',
      description: 'POST /ops/orders/reconcile: resume or release every stalled order (ops)',
      service: 'ops-api',
      tableActions: writes,
      indexes: [ORDER_INDEXES.byStatus],
    });
    // Its executions, by the state machine's name (`<stack>-OrderFulfilment:*`): every run of every order.
    const machineName = FULFILMENT_STATE_MACHINE_NAME(Stack.of(this).stackName);
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${machineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    for (const fn of [this.resume, this.stalled, this.reconcile]) {
      fn.addEnvironment('FULFILMENT_STATE_MACHINE_ARN', stateMachine.stateMachineArn);
      fn.addToRolePolicy(
        new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
      );
      Validations.of(fn.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${machineName}:*]`,
        reason: `DescribeExecution on the runs of the fulfilment state machine (${machineName}) only; run names are per order, so no narrower ARN exists.`,
      });
    }
    stateMachine.grantStartExecution(this.resume);
    stateMachine.grantStartExecution(this.reconcile);
  }
}
