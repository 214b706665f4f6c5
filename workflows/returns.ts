import { Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  type StateMachine,
  Succeed,
  TaskInput,
  Timeout,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RETURN_WORKFLOW_ERRORS } from '../shared/domain/return.ts';
import type { ReturnStepAction } from '../shared/usecases/return-workflow.ts';
import { standardStateMachine } from './standard-state-machine.ts';

export interface ReturnsTimeouts {
  /** How long an RMA waits for the goods (the RMA's `expiresAt` is authorisation + this). */
  receiptTimeoutSeconds: number;
  /** How long the payment service has to confirm a refund before ops are needed. */
  refundTimeoutSeconds: number;
}

export interface ReturnsWorkflowProps {
  /** The Lambda function running every step (functions/workflow/returns-steps.ts). */
  steps: IFunction;
  timeouts: ReturnsTimeouts;
  logRetention: RetentionDays;
}

/** Errors worth retrying: Lambda's own transient failures and the domain's TransientError. */
export const RETURNS_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  RETURN_WORKFLOW_ERRORS.transient,
];

/** The state machine's name (the ops API and IAM statements are scoped by it). */
export const RETURNS_STATE_MACHINE_NAME = (stackName: string) => `${stackName}-Returns`;

/** Names of the states ops see in the console and in `GET /ops/executions/{rmaId}`. */
export const RETURN_STATES = {
  awaitReceipt: 'Wait for receipt',
  restock: 'Restock inspected units',
  requestRefund: 'Request refund and wait',
  complete: 'Complete return',
  completed: 'Returned',
  expire: 'Expire RMA',
  expired: 'Expired',
  recordFailure: 'Record failure',
  failed: 'Return failed',
  recordingFailed: 'Recording the failure failed',
} as const;

/**
 * The returns state machine (Standard, JSONPath only so the same ASL runs in the local engine), one
 * execution per RMA named by the RMA id: wait for the location's receipt with per-line inspection
 * (task token stored on the RMA; timeout = RMA validity → the RMA expires) → restock what passed
 * inspection at the receiving location → ask the payment service for the refund and wait for it
 * (RefundFailed is retried with backoff and jitter) → complete (the order records the return).
 * Every Task retries transient errors; anything else records the failure on the RMA and fails.
 */
export class ReturnsWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ReturnsWorkflowProps) {
    super(scope, id);
    const { steps, timeouts } = props;
    const rmaId = JsonPath.stringAt('$.rmaId');

    const step = (
      name: string,
      action: ReturnStepAction,
      options: {
        resultPath?: string;
        callbackTimeoutSeconds?: number;
        payload?: Record<string, unknown>;
      } = {},
    ) => {
      const callback = options.callbackTimeoutSeconds !== undefined;
      const task = new LambdaInvoke(this, name, {
        lambdaFunction: steps,
        payload: TaskInput.fromObject({
          action,
          rmaId,
          ...(callback ? { taskToken: JsonPath.taskToken } : {}),
          ...options.payload,
        }),
        retryOnServiceExceptions: false,
        ...(callback
          ? {
              integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
              taskTimeout: Timeout.duration(Duration.seconds(options.callbackTimeoutSeconds ?? 0)),
            }
          : { payloadResponseOnly: true }),
        resultPath: options.resultPath ?? JsonPath.DISCARD,
      });
      task.addRetry({
        errors: RETURNS_TRANSIENT_ERRORS,
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 4,
        maxDelay: Duration.seconds(30),
        jitterStrategy: JitterType.FULL,
      });
      return task;
    };

    const recordFailure = step(RETURN_STATES.recordFailure, 'fail', {
      payload: { error: JsonPath.objectAt('$.error') },
    });
    recordFailure.addCatch(
      new Fail(this, RETURN_STATES.recordingFailed, {
        error: 'ReturnFailureNotRecorded',
        cause: 'The RMA could not be marked FAILED: ops must read the execution history and fix the RMA',
      }),
      { resultPath: '$.recordError' },
    );
    recordFailure.next(
      new Fail(this, RETURN_STATES.failed, {
        error: 'ReturnFailed',
        cause: 'The RMA is FAILED with the error recorded on it; ops decide (restock or refund by hand)',
      }),
    );
    const guard = <T extends LambdaInvoke>(state: T): T => {
      state.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
      return state;
    };

    const awaitReceipt = step(RETURN_STATES.awaitReceipt, 'awaitReceipt', {
      resultPath: '$.receipt',
      callbackTimeoutSeconds: timeouts.receiptTimeoutSeconds,
    });
    const expire = guard(step(RETURN_STATES.expire, 'expire', { resultPath: '$.expiry' }));
    expire.next(
      new Succeed(this, RETURN_STATES.expired, { comment: 'Nothing arrived before the RMA expired.' }),
    );
    awaitReceipt.addCatch(expire, { errors: ['States.Timeout'], resultPath: '$.error' });
    guard(awaitReceipt);

    const restock = guard(step(RETURN_STATES.restock, 'restock', { resultPath: '$.restock' }));

    const requestRefund = step(RETURN_STATES.requestRefund, 'requestRefund', {
      resultPath: '$.refund',
      callbackTimeoutSeconds: timeouts.refundTimeoutSeconds,
    });
    // The payment service reported a failure it may recover from: ask again, later.
    requestRefund.addRetry({
      errors: [RETURN_WORKFLOW_ERRORS.refundFailed],
      interval: Duration.seconds(60),
      backoffRate: 2,
      maxAttempts: 3,
      maxDelay: Duration.minutes(10),
      jitterStrategy: JitterType.FULL,
    });
    guard(requestRefund);

    const complete = guard(step(RETURN_STATES.complete, 'complete', { resultPath: '$.completion' }));

    awaitReceipt.next(restock);
    restock.next(requestRefund);
    requestRefund.next(complete);
    complete.next(new Succeed(this, RETURN_STATES.completed));

    ({ stateMachine: this.stateMachine, logGroup: this.logGroup } = standardStateMachine(this, {
      name: RETURNS_STATE_MACHINE_NAME(Stack.of(this).stackName),
      comment: 'Returns: one execution per RMA, named by the RMA id',
      definition: awaitReceipt,
      timeout: Duration.seconds(timeouts.receiptTimeoutSeconds + timeouts.refundTimeoutSeconds * 4 + 86_400),
      logRetention: props.logRetention,
    }));
  }
}
