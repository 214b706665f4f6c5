import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SHIPMENT_INDEXES } from '../../shared/adapters/aws/order-keys.ts';
import { STOCK_ARRIVING_REASONS } from '../../shared/domain/inventory-change.ts';
import { EVENT_SOURCE } from '../../shared/events/envelope.ts';
import { FULFILMENT_STATE_MACHINE_NAME, FulfilmentWorkflow } from '../../workflows/fulfilment.ts';
import type { QuartermasterConfig } from '../config.ts';
import type { Api } from './api.ts';
import { acknowledgeWorkflowRole, addEventQueueConsumer, addEventStarter } from './event-started-workflow.ts';
import { grantTableActions } from './grants.ts';
import { OpsFulfilment } from './ops-fulfilment.ts';
import { QmFunction } from './qm-function.ts';

export interface WorkflowsProps {
  table: Table;
  bus: EventBus;
  api: Api;
  fulfilment: QuartermasterConfig['fulfilment'];
  pickup: QuartermasterConfig['pickup'];
  logRetention: RetentionDays;
}

/**
 * Orchestration: the order fulfilment state machine, its starter (OrderCreated rule → a Lambda that
 * starts the execution named by the order id), the partner callback route and the cancellation's
 * right to fail waiting tasks.
 */
export class Workflows extends Construct {
  readonly fulfilment: FulfilmentWorkflow;
  readonly steps: QmFunction;
  readonly starter: QmFunction;
  readonly callbacks: QmFunction;
  readonly startRule: Rule;
  readonly startQueue: Queue;
  readonly startDlq: Queue;
  readonly wakeBackorders: QmFunction;
  /** Ops re-drive: resume an order, list and reconcile stalled ones. */
  readonly ops: OpsFulfilment;
  readonly wakeRule: Rule;
  /** The not-collected sweep of pickups past their pickupBy. */
  readonly expirePickups: QmFunction;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const { table, fulfilment: config } = props;

    this.steps = new QmFunction(this, 'FulfilmentSteps', {
      entry: 'functions/workflow/fulfilment-step.ts',
      description:
        'Fulfilment workflow steps: hold check, allocate, release, re-source, complete, compensate',
      service: 'fulfilment',
      environment: {
        TABLE_NAME: table.tableName,
        FULFILMENT_MAX_RESOURCE_ATTEMPTS: String(config.maxResourceAttempts),
        FULFILMENT_HOLD_TAGS: config.holdTags.join(','),
      },
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
    });
    grantTableActions(this.steps, table, [
      'GetItem',
      // Allocation reads today's capacity counters of the locations holding the stock.
      'BatchGetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'ConditionCheckItem',
    ]);

    this.fulfilment = new FulfilmentWorkflow(this, 'Fulfilment', {
      steps: this.steps,
      timeouts: config,
      logRetention: props.logRetention,
    });
    const { stateMachine } = this.fulfilment;
    acknowledgeWorkflowRole(stateMachine, this.steps);

    ({
      starter: this.starter,
      startRule: this.startRule,
      startQueue: this.startQueue,
      startDlq: this.startDlq,
    } = addEventStarter(this, {
      bus: props.bus,
      stateMachine,
      detailType: 'OrderCreated',
      ids: { starter: 'StartFulfilment', rule: 'OnOrderCreated' },
      ruleDescription: 'OrderCreated starts the order fulfilment workflow',
      entry: 'functions/workflow/start-fulfilment.ts',
      description: 'Starts the fulfilment execution of a new order, named by its order id',
      service: 'fulfilment',
      stateMachineArnVariable: 'FULFILMENT_STATE_MACHINE_ARN',
      logRetention: props.logRetention,
    }));

    // Backordered orders wait on per-SKU waitlists; stock that may serve them wakes the oldest first.
    this.wakeBackorders = new QmFunction(this, 'WakeBackorders', {
      entry: 'functions/workflow/wake-backorders.ts',
      description: 'InventoryChanged: wakes the orders backordered on the SKU, oldest order first',
      service: 'fulfilment',
      environment: { TABLE_NAME: table.tableName },
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
    });
    grantTableActions(this.wakeBackorders, table, ['GetItem', 'BatchGetItem', 'Query', 'DeleteItem']);
    stateMachine.grantTaskResponse(this.wakeBackorders);
    ({ rule: this.wakeRule } = addEventQueueConsumer(this, {
      bus: props.bus,
      consumer: this.wakeBackorders,
      eventPattern: {
        source: [EVENT_SOURCE],
        detailType: ['InventoryChanged'],
        detail: { data: { ats: [{ numeric: ['>', 0] }], reason: [...STOCK_ARRIVING_REASONS] } },
      },
      ids: { rule: 'OnStockArriving', queue: 'WakeQueue', dlq: 'WakeDlq' },
      ruleDescription: 'InventoryChanged with stock to sell wakes backordered orders (FIFO by order date)',
      what: 'backorder wake-up queue',
    }));

    this.callbacks = props.api.addRoute('POST', '/fulfillments/{shipmentId}/events', {
      name: 'FulfillmentEvents',
      entry: 'functions/api/fulfillment-events.ts',
      description: 'POST /fulfillments/{shipmentId}/events: partner callbacks',
      service: 'fulfilment',
      tableActions: ['GetItem', 'PutItem', 'UpdateItem', 'Query', 'ConditionCheckItem'],
    });
    stateMachine.grantTaskResponse(this.callbacks);
    // ready-for-pickup sets pickupBy = ready + pickup.holdDays.
    this.callbacks.addEnvironment('PICKUP_HOLD_DAYS', String(props.pickup.holdDays));

    // Pickups not collected by their pickupBy: cancelled, restocked at the store, refunded.
    this.expirePickups = new QmFunction(this, 'ExpirePickups', {
      entry: 'functions/scheduled/expire-pickups.ts',
      description: 'Cancels pickups not collected by their pickupBy, restocks them and requests the refund',
      service: 'fulfilment',
      environment: { TABLE_NAME: table.tableName },
      timeout: Duration.seconds(50),
      logRetention: props.logRetention,
    });
    grantTableActions(
      this.expirePickups,
      table,
      ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'ConditionCheckItem'],
      [SHIPMENT_INDEXES.pickupsDue],
    );
    const pickupSweep = new Rule(this, 'PickupExpiry', {
      description: 'Not-collected pickup sweep',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(this.expirePickups, { retryAttempts: 2 })],
    });
    // As the cart-hold sweep: a lost run is superseded by the next one (the sweep is idempotent).
    const sweepReason =
      'Scheduled idempotent sweep: a failed or dropped invocation is superseded by the next run, so a dead-letter record would carry nothing to redo.';
    Validations.of(pickupSweep).acknowledge({ id: 'Serverless-EventBusDLQ', reason: sweepReason });
    Validations.of(this.expirePickups).acknowledge({ id: 'Serverless-LambdaDLQ', reason: sweepReason });
    // Catching up (a missed webhook): an order's shipments, and a partner's open shipments.
    props.api.addRoute('GET', '/orders/{orderId}/shipments', {
      name: 'ListOrderShipments',
      entry: 'functions/api/list-order-shipments.ts',
      description: 'GET /orders/{orderId}/shipments: an order shipments (a partner: its own)',
      service: 'fulfilment',
      tableActions: ['GetItem', 'Query'],
    });
    props.api.addRoute('GET', '/fulfillments', {
      name: 'ListOpenShipments',
      entry: 'functions/api/list-open-shipments.ts',
      description: 'GET /fulfillments?status=open: a partner open shipments at its locations',
      service: 'fulfilment',
      tableActions: ['Query'],
      indexes: [SHIPMENT_INDEXES.openByLocation],
    });

    const releaseHold = props.api.addRoute('POST', '/orders/{orderId}/release-hold', {
      name: 'ReleaseOrderHold',
      entry: 'functions/api/fulfillment-release-hold.ts',
      description: 'POST /orders/{orderId}/release-hold: ops release an order held for review',
      service: 'fulfilment',
      tableActions: ['GetItem', 'PutItem', 'Query', 'ConditionCheckItem'],
    });
    stateMachine.grantTaskResponse(releaseHold);
    // Ops hold an order not yet sourced; the workflow meets the hold at its hold check or at Allocate.
    props.api.addRoute('POST', '/orders/{orderId}/hold', {
      name: 'HoldOrder',
      entry: 'functions/api/order-hold.ts',
      description: 'POST /orders/{orderId}/hold: ops put an order not yet sourced on hold',
      service: 'fulfilment',
      tableActions: ['GetItem', 'PutItem', 'Query', 'ConditionCheckItem'],
    });
    // The hold step answers its own token when a release came before the token was stored. The ARN
    // is built from the name: referencing the state machine would make function ↔ machine a cycle.
    this.steps.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess'],
        resources: [
          Stack.of(this).formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: FULFILMENT_STATE_MACHINE_NAME(Stack.of(this).stackName),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    const cancel = props.api.functions.CancelOrder;
    if (cancel) stateMachine.grantTaskResponse(cancel);

    this.ops = new OpsFulfilment(this, 'Ops', { api: props.api, stateMachine });
  }
}
