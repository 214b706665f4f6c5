import { SFNClient } from '@aws-sdk/client-sfn';
import { makeStepFunctionsEngine } from '../../shared/adapters/aws/step-functions-client.ts';
import { tracer } from '../commons/powertools.ts';

/**
 * Step Functions for the returns state machine (`RETURNS_STATE_MACHINE_ARN`, set on the starter
 * only). Signalling a task needs no ARN: the token names the execution.
 */
export const returnsEngine = makeStepFunctionsEngine({
  client: tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 5 })),
  stateMachineArn: () => {
    const arn = process.env.RETURNS_STATE_MACHINE_ARN;
    if (!arn) throw new Error('Environment variable RETURNS_STATE_MACHINE_ARN is not set');
    return arn;
  },
});
