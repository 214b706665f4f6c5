import { SFNClient } from '@aws-sdk/client-sfn';
import { makeStepFunctionsEngine } from '../../shared/adapters/aws/step-functions-client.ts';
import { tracer } from '../commons/powertools.ts';

/** Step Functions, created once per execution environment (AWS_ENDPOINT_URL_SFN points it at the local runtime). */
export const sfn = tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 5 }));

/** The fulfilment workflow; only the starter needs FULFILMENT_STATE_MACHINE_ARN (task signals carry their token). */
export const engine = makeStepFunctionsEngine({
  client: sfn,
  stateMachineArn: () => {
    const arn = process.env.FULFILMENT_STATE_MACHINE_ARN;
    if (!arn) throw new Error('Environment variable FULFILMENT_STATE_MACHINE_ARN is not set');
    return arn;
  },
});
