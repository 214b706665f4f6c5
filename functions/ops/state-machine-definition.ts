import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { notFound } from '../../shared/domain/errors.ts';
import { tracer } from '../commons/powertools.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** `arn:…:stateMachine:<stackName>-`: the only state machines this function may describe. */
const arnPrefix = required('STATE_MACHINE_ARN_PREFIX');
const namePrefix = arnPrefix.slice(arnPrefix.lastIndexOf(':') + 1);
const sfn = tracer.captureAWSv3Client(new SFNClient({ maxAttempts: 5 }));

/**
 * GET /ops/state-machines/{name}: a state machine of this stack with its definition (ASL), for the
 * ops console's diagram (admin). `{name}` with or without the stack prefix (`OrderFulfilment`).
 */
export const handler = apiHandler(async (event) => {
  const raw = event.pathParameters?.name ?? '';
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(raw)) throw notFound('State machine', raw);
  const name = raw.startsWith(namePrefix) ? raw : `${namePrefix}${raw}`;
  try {
    const described = await sfn.send(
      new DescribeStateMachineCommand({
        stateMachineArn: `${arnPrefix.slice(0, -namePrefix.length)}${name}`,
      }),
    );
    return json(200, {
      name: described.name ?? name,
      stateMachineArn: described.stateMachineArn ?? '',
      type: described.type ?? 'STANDARD',
      definition: JSON.parse(described.definition ?? '{}') as unknown,
    });
  } catch (error) {
    if ((error as Error).name === 'StateMachineDoesNotExist') throw notFound('State machine', raw);
    throw error;
  }
});
