import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INVENTORY_INDEXES } from '../../shared/adapters/aws/inventory-keys.ts';
import { RETURNS_STATE_MACHINE_NAME, ReturnsWorkflow } from '../../workflows/returns.ts';
import type { QuartermasterConfig } from '../config.ts';
import type { Api } from './api.ts';
import { acknowledgeWorkflowRole, addEventStarter } from './event-started-workflow.ts';
import { grantTableActions } from './grants.ts';
import { QmFunction } from './qm-function.ts';

export interface ReturnsProps {
  table: Table;
  bus: EventBus;
  api: Api;
  returns: QuartermasterConfig['returns'];
  logRetention: RetentionDays;
}

/**
 * Returns: the RMA routes (`POST /orders/{orderId}/returns`, `GET /returns/{rmaId}`), the partner
 * callback route (`POST /returns/{rmaId}/events`), the returns state machine with its step function,
 * and its starter (ReturnAuthorized rule → a Lambda that starts the execution named by the RMA id).
 */
export class Returns extends Construct {
  readonly workflow: ReturnsWorkflow;
  readonly steps: QmFunction;
  readonly starter: QmFunction;
  readonly callbacks: QmFunction;
  readonly startRule: Rule;
  readonly startQueue: Queue;
  readonly startDlq: Queue;

  constructor(scope: Construct, id: string, props: ReturnsProps) {
    super(scope, id);
    const { table, api, returns: config } = props;
    const policyEnvironment = {
      RETURN_WINDOW_DAYS: String(config.windowDays),
      RETURN_RECEIPT_TIMEOUT_SECONDS: String(config.receiptTimeoutSeconds),
    };

    const create = api.addRoute('POST', '/orders/{orderId}/returns', {
      name: 'CreateReturn',
      entry: 'functions/api/create-return.ts',
      description: 'POST /orders/{orderId}/returns: authorise a return (RMA)',
      service: 'returns',
      // Order, history, RMAs and the ledger (Query); locations (GSI3); the RMA transaction.
      tableActions: ['GetItem', 'Query', 'PutItem', 'ConditionCheckItem'],
      indexes: [INVENTORY_INDEXES.locations],
      requiredHeaders: ['Idempotency-Key'],
    });
    for (const [key, value] of Object.entries(policyEnvironment)) create.addEnvironment(key, value);
    api.addRoute('GET', '/returns/{rmaId}', {
      name: 'GetReturn',
      entry: 'functions/api/get-return.ts',
      description: 'GET /returns/{rmaId}: read an RMA',
      service: 'returns',
      tableActions: ['GetItem'],
    });

    this.steps = new QmFunction(this, 'ReturnsSteps', {
      entry: 'functions/workflow/returns-steps.ts',
      description: 'Returns workflow steps: await receipt, restock, request refund, complete, expire, fail',
      service: 'returns',
      environment: { TABLE_NAME: table.tableName },
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
    });
    // RMA and order (Get/Put/Update), outbox and history (Put), restock adjustment (inventory
    // positions Get/Query/Update, batch Put, ConditionCheck).
    grantTableActions(this.steps, table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem']);

    this.workflow = new ReturnsWorkflow(this, 'Workflow', {
      steps: this.steps,
      timeouts: config,
      logRetention: props.logRetention,
    });
    const { stateMachine } = this.workflow;
    // awaitReceipt / requestRefund complete their own task when the partner reported first. The ARN
    // is built from the state machine's name: a reference would make the function depend on the
    // state machine that depends on the function.
    this.steps.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [
          Stack.of(this).formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: RETURNS_STATE_MACHINE_NAME(Stack.of(this).stackName),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
    acknowledgeWorkflowRole(stateMachine, this.steps);

    ({
      starter: this.starter,
      startRule: this.startRule,
      startQueue: this.startQueue,
      startDlq: this.startDlq,
    } = addEventStarter(this, {
      bus: props.bus,
      stateMachine,
      detailType: 'ReturnAuthorized',
      ids: { starter: 'StartReturn', rule: 'OnReturnAuthorized' },
      ruleDescription: 'ReturnAuthorized starts the returns workflow',
      entry: 'functions/workflow/returns-starter.ts',
      description: 'Starts the returns execution of a new RMA, named by its RMA id',
      service: 'returns',
      stateMachineArnVariable: 'RETURNS_STATE_MACHINE_ARN',
      logRetention: props.logRetention,
    }));

    this.callbacks = api.addRoute('POST', '/returns/{rmaId}/events', {
      name: 'ReturnEvents',
      entry: 'functions/api/post-return-event.ts',
      description: 'POST /returns/{rmaId}/events: partner callbacks (receipt with inspection, refund)',
      service: 'returns',
      tableActions: ['GetItem', 'PutItem'],
    });
    stateMachine.grantTaskResponse(this.callbacks);
  }
}
