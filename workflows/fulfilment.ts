import { Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  Fail,
  type IChainable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  Map as MapState,
  Pass,
  Result,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WORKFLOW_ERRORS } from '../shared/domain/shipment.ts';
import { standardStateMachine } from './standard-state-machine.ts';

export interface FulfilmentTimeouts {
  shipmentTimeoutSeconds: number;
  shipmentHeartbeatSeconds: number;
  /** After a heartbeat timeout the shipment is escalated and waits this much longer. */
  escalationGraceSeconds: number;
  backorderTimeoutSeconds: number;
  holdTimeoutSeconds: number;
}

export interface FulfilmentWorkflowProps {
  /** The Lambda function running every step (functions/workflow/fulfilment-step.ts). */
  steps: IFunction;
  timeouts: FulfilmentTimeouts;
  logRetention: RetentionDays;
}

/** `<stack>-OrderFulfilment`: the ops API's IAM scope is `<stack>-*` (see local/stepfunctions notes). */
export const FULFILMENT_STATE_MACHINE_NAME = (stackName: string) => `${stackName}-OrderFulfilment`;

/** Errors worth retrying: Lambda's own transient failures and the domain's TransientError. */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  WORKFLOW_ERRORS.transient,
];

/**
 * Outcomes a step reports on purpose for a Catch to route (the order was cancelled, the location
 * rejected, a wait ran out): never retried. Listed in a retrier of its own with MaxAttempts 0 ahead
 * of the catch-all one, because `States.TaskFailed` would match them too (AWS: every error but
 * States.Timeout) and the first matching retrier decides.
 */
export const ROUTED_ERRORS = [
  WORKFLOW_ERRORS.orderCancelled,
  WORKFLOW_ERRORS.orderOnHold,
  WORKFLOW_ERRORS.shipmentRejected,
  'States.Timeout',
  'States.HeartbeatTimeout',
];

/**
 * Every other failure of a step is retried: every step is idempotent (a retry, also after a run whose
 * response was lost, changes nothing twice), so a plain function error (a crashed sandbox, a
 * throttled DynamoDB call surfacing as ProvisionedThroughputExceededException, an injected fault)
 * is as safe to retry as a Lambda service error. `Lambda.Unknown` is what Lambda reports when the
 * function died without an error payload (out of memory, killed); States.TaskFailed names the rest.
 */
export const RETRIED_ERRORS = [...TRANSIENT_ERRORS, 'Lambda.Unknown', 'States.TaskFailed'];

/** 1 s, 2 s, 4 s … capped at 30 s, full jitter: 6 retries span ~1 min before Compensate. */
export const STEP_RETRY = { intervalSeconds: 1, backoffRate: 2, maxAttempts: 6, maxDelaySeconds: 30 };

/** Names of the states ops see in the console and in `GET /ops/executions/{orderId}`. */
export const STATES = {
  awaitRelease: 'Wait for hold release',
  allocate: 'Allocate',
  anythingToRelease: 'Anything to release?',
  noShipments: 'No shipments this round',
  releaseShipments: 'Release shipments',
  requestShipment: 'Request shipment and wait',
  escalateShipment: 'Escalate overdue shipment',
  awaitEscalatedShipment: 'Wait after escalation',
  shipped: 'Shipment shipped',
  shipmentFailed: 'Release and mark failed',
  shipmentCancelled: 'Shipment cancelled',
  reconcile: 'Reconcile',
  next: 'What next?',
  awaitStock: 'Wait for stock',
  cancelBackorder: 'Cancel backordered lines',
  fulfilled: 'Fulfilled',
  cancelled: 'Cancelled',
  compensate: 'Compensate',
  failed: 'Fulfilment failed',
  compensationFailed: 'Compensation failed',
} as const;

/**
 * The order fulfilment state machine (Standard, JSONPath only so the same ASL runs in the local
 * engine): hold check → allocate → release every planned shipment in a Map and wait for the
 * location's callback (task token, timeout and heartbeat; a location silent past the heartbeat is
 * escalated once, ShipmentOverdue, and gets a grace period) → reconcile: re-source failures without
 * the failing locations, wait for backordered stock until a deadline, or complete. Every Task
 * retries transient errors with backoff and jitter; OrderCancelled ends in Cancelled; anything else
 * goes to Compensate (release reservations, record the failure on the order) and ends failed.
 */
export class FulfilmentWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: FulfilmentWorkflowProps) {
    super(scope, id);
    const { steps, timeouts } = props;

    const step = (
      name: string,
      stepName: string,
      payload: Record<string, unknown>,
      options: { resultPath?: string; callback?: { timeout: number; heartbeat?: number } } = {},
    ) => {
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: steps,
        payload: TaskInput.fromObject({ step: stepName, ...payload }),
        retryOnServiceExceptions: false,
        ...(options.callback
          ? {
              integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
              taskTimeout: Timeout.duration(Duration.seconds(options.callback.timeout)),
              ...(options.callback.heartbeat
                ? { heartbeatTimeout: Timeout.duration(Duration.seconds(options.callback.heartbeat)) }
                : {}),
            }
          : { payloadResponseOnly: true }),
        resultPath: options.resultPath ?? JsonPath.DISCARD,
      });
      task.addRetry({ errors: ROUTED_ERRORS, maxAttempts: 0 });
      task.addRetry({
        errors: RETRIED_ERRORS,
        interval: Duration.seconds(STEP_RETRY.intervalSeconds),
        backoffRate: STEP_RETRY.backoffRate,
        maxAttempts: STEP_RETRY.maxAttempts,
        maxDelay: Duration.seconds(STEP_RETRY.maxDelaySeconds),
        jitterStrategy: JitterType.FULL,
      });
      return task;
    };
    const orderId = JsonPath.stringAt('$.orderId');
    const correlationId = JsonPath.stringAt('$.correlationId');

    const cancelled = new Succeed(this, STATES.cancelled, {
      comment: 'The order was cancelled while the workflow ran; the cancellation released its stock.',
    });
    const compensate = step(
      STATES.compensate,
      'compensate',
      { orderId, error: JsonPath.objectAt('$.error') },
      { resultPath: '$.compensation' },
    );
    compensate.addCatch(
      new Fail(this, STATES.compensationFailed, {
        error: 'CompensationFailed',
        cause: 'Releasing the reservations failed: ops must release them and close the order by hand',
      }),
      { resultPath: '$.compensationError' },
    );
    compensate.next(
      new Fail(this, STATES.failed, {
        error: 'FulfilmentFailed',
        cause: 'Reservations were released and the failure is in the order history; ops decide what next',
      }),
    );
    const guard = <T extends LambdaInvoke | MapState>(state: T): T => {
      state.addCatch(cancelled, { errors: [WORKFLOW_ERRORS.orderCancelled], resultPath: '$.error' });
      state.addCatch(compensate, { errors: ['States.ALL'], resultPath: '$.error' });
      return state;
    };

    const awaitRelease = guard(
      step(
        STATES.awaitRelease,
        'awaitRelease',
        { orderId, taskToken: JsonPath.taskToken },
        { callback: { timeout: timeouts.holdTimeoutSeconds } },
      ),
    );

    // Allocation round.
    const allocate = step(
      STATES.allocate,
      'allocate',
      { orderId, correlationId, loop: JsonPath.objectAt('$.loop') },
      { resultPath: '$.allocation' },
    );
    // Ops held the order (POST /orders/{id}/hold) after the hold check: wait for its release, then
    // allocate. Before the guard, whose States.ALL would otherwise catch it first.
    allocate.addCatch(awaitRelease, { errors: [WORKFLOW_ERRORS.orderOnHold], resultPath: JsonPath.DISCARD });
    guard(allocate);

    // One iteration per planned shipment.
    const requestShipment = step(
      STATES.requestShipment,
      'requestShipment',
      {
        orderId,
        correlationId,
        round: JsonPath.numberAt('$.round'),
        shipment: JsonPath.objectAt('$.shipment'),
        roundShipments: JsonPath.objectAt('$.roundShipments'),
        taskToken: JsonPath.taskToken,
      },
      {
        callback: { timeout: timeouts.shipmentTimeoutSeconds, heartbeat: timeouts.shipmentHeartbeatSeconds },
      },
    );
    const shipmentFailed = step(
      STATES.shipmentFailed,
      'shipmentFailed',
      {
        orderId,
        shipmentId: JsonPath.stringAt('$.shipment.shipmentId'),
        error: JsonPath.objectAt('$.error'),
      },
      { resultPath: '$' },
    );
    const shipmentCancelled = new Fail(this, STATES.shipmentCancelled, {
      error: WORKFLOW_ERRORS.orderCancelled,
      cause: 'The order was cancelled while the shipment was in flight',
    });
    const shipped = new Pass(this, STATES.shipped, {
      parameters: {
        outcome: 'shipped',
        shipmentId: JsonPath.stringAt('$.shipment.shipmentId'),
        locationId: JsonPath.stringAt('$.shipment.locationId'),
      },
    });
    // The location went silent (no accepted/heartbeat within the heartbeat): escalate once
    // (ShipmentOverdue) and wait for the grace period on a new token before re-sourcing.
    const escalateShipment = step(STATES.escalateShipment, 'escalateShipment', {
      orderId,
      correlationId,
      shipmentId: JsonPath.stringAt('$.shipment.shipmentId'),
      graceSeconds: timeouts.escalationGraceSeconds,
    });
    const awaitEscalatedShipment = step(
      STATES.awaitEscalatedShipment,
      'awaitEscalatedShipment',
      {
        orderId,
        shipmentId: JsonPath.stringAt('$.shipment.shipmentId'),
        taskToken: JsonPath.taskToken,
      },
      {
        // Only the grace bounds this wait, never a heartbeat: ShipmentOverdue told the partner it has
        // until nextDeadline (escalatedAt + grace, and this wait starts after escalatedAt). A heartbeat
        // shorter than the grace re-sourced it early, and the partner shipping in time got 409.
        callback: { timeout: timeouts.escalationGraceSeconds },
      },
    );
    // First: on AWS a catcher naming States.Timeout also matches a heartbeat timeout, so the
    // heartbeat catcher must come before it. The overall timeout (the SLA) still re-sources at once.
    requestShipment.addCatch(escalateShipment, {
      errors: ['States.HeartbeatTimeout'],
      resultPath: '$.error',
    });
    requestShipment.addCatch(shipmentFailed, {
      errors: [WORKFLOW_ERRORS.shipmentRejected, 'States.Timeout'],
      resultPath: '$.error',
    });
    requestShipment.addCatch(shipmentCancelled, { errors: [WORKFLOW_ERRORS.orderCancelled] });
    requestShipment.next(shipped);
    escalateShipment.addCatch(shipmentCancelled, { errors: [WORKFLOW_ERRORS.orderCancelled] });
    escalateShipment.next(awaitEscalatedShipment);
    awaitEscalatedShipment.addCatch(shipmentFailed, {
      errors: [WORKFLOW_ERRORS.shipmentRejected, 'States.Timeout', 'States.HeartbeatTimeout'],
      resultPath: '$.error',
    });
    awaitEscalatedShipment.addCatch(shipmentCancelled, { errors: [WORKFLOW_ERRORS.orderCancelled] });
    awaitEscalatedShipment.next(shipped);
    const releaseShipments = new MapState(this, STATES.releaseShipments, {
      itemsPath: '$.allocation.shipments',
      itemSelector: {
        orderId,
        correlationId,
        round: JsonPath.numberAt('$.loop.round'),
        shipment: JsonPath.objectAt('$$.Map.Item.Value'),
        // The whole round's plan, for the OrderReleased its first released shipment publishes.
        roundShipments: JsonPath.objectAt('$.allocation.shipments'),
      },
      maxConcurrency: 10,
      resultPath: '$.results',
    });
    releaseShipments.itemProcessor(requestShipment);
    // Ops held the order after Allocate, before any shipment went out: Request shipment raises
    // OrderOnHold and releases nothing (a hold and a release exclude each other); wait for the
    // release, then allocate again. Before the guard, whose States.ALL would otherwise catch it first.
    releaseShipments.addCatch(awaitRelease, {
      errors: [WORKFLOW_ERRORS.orderOnHold],
      resultPath: JsonPath.DISCARD,
    });
    guard(releaseShipments);

    const noShipments = new Pass(this, STATES.noShipments, {
      result: Result.fromArray([]),
      resultPath: '$.results',
    });
    const reconcile = guard(
      step(
        STATES.reconcile,
        'reconcile',
        {
          orderId,
          correlationId,
          loop: JsonPath.objectAt('$.loop'),
          results: JsonPath.objectAt('$.results'),
        },
        { resultPath: '$.loop' },
      ),
    );
    const awaitStock = step(
      STATES.awaitStock,
      'awaitStock',
      { orderId, taskToken: JsonPath.taskToken },
      { callback: { timeout: timeouts.backorderTimeoutSeconds } },
    );
    const cancelBackorder = guard(
      step(STATES.cancelBackorder, 'cancelBackorderedLines', { orderId, correlationId }, {}),
    );
    // Deadline passed: cancel what is still backordered, then settle the order (before the guard's
    // States.ALL, which would otherwise catch the timeout first).
    awaitStock.addCatch(cancelBackorder, { errors: ['States.Timeout'], resultPath: '$.error' });
    guard(awaitStock);
    // Allocate is the first state: it also does the hold check (a hold tag puts the order ON_HOLD and
    // it raises OrderOnHold, caught → Wait for hold release), one transition instead of three.
    const definition: IChainable = allocate;
    awaitRelease.next(allocate);
    allocate.next(
      new Choice(this, STATES.anythingToRelease)
        .when(Condition.isPresent('$.allocation.shipments[0]'), releaseShipments)
        .otherwise(noShipments),
    );
    releaseShipments.next(reconcile);
    noShipments.next(reconcile);
    cancelBackorder.next(noShipments);
    awaitStock.next(allocate);
    reconcile.next(
      new Choice(this, STATES.next)
        .when(Condition.stringEquals('$.loop.next', 'resource'), allocate)
        .when(Condition.stringEquals('$.loop.next', 'backorder'), awaitStock)
        // Reconcile settled the order's status (every line shipped, collected or cancelled): done.
        .when(Condition.stringEquals('$.loop.next', 'complete'), new Succeed(this, STATES.fulfilled))
        .when(Condition.stringEquals('$.loop.next', 'cancelled'), cancelled)
        .otherwise(compensate),
    );

    ({ stateMachine: this.stateMachine, logGroup: this.logGroup } = standardStateMachine(this, {
      name: FULFILMENT_STATE_MACHINE_NAME(Stack.of(this).stackName),
      comment: 'Order fulfilment: one execution per order, named by the order id',
      definition: definition,
      timeout: Duration.days(60),
      logRetention: props.logRetention,
    }));
  }
}
