import {
  awsJsonCall,
  environmentCredentials,
  serviceEndpoint,
} from '../../shared/adapters/aws/aws-json-client.ts';
import type { PutEvents, PutEventsResponse } from '../../shared/adapters/aws/eventbridge-publisher.ts';

const region = () => process.env.AWS_REGION ?? 'us-east-1';

/**
 * PutEvents over the JSON protocol (the EventBridge SDK client is not a dependency yet). The
 * endpoint follows AWS_ENDPOINT_URL_EVENTBRIDGE, so the local runtime can receive the calls.
 */
export const putEvents: PutEvents = (entries) =>
  awsJsonCall<PutEventsResponse>({
    service: 'events',
    target: 'AWSEvents.PutEvents',
    region: region(),
    endpoint: serviceEndpoint('EVENTBRIDGE', 'events', region()),
    credentials: environmentCredentials(),
    // The JSON protocol carries timestamps as epoch seconds.
    body: { Entries: entries.map((e) => ({ ...e, Time: Date.parse(e.Time) / 1000 })) },
  });

/** Secrets Manager GetSecretValue over the JSON protocol (AWS_ENDPOINT_URL_SECRETS_MANAGER locally). */
export async function getSecretString(secretId: string): Promise<string> {
  const result = await awsJsonCall<{ SecretString?: string }>({
    service: 'secretsmanager',
    target: 'secretsmanager.GetSecretValue',
    region: region(),
    endpoint: serviceEndpoint('SECRETS_MANAGER', 'secretsmanager', region()),
    credentials: environmentCredentials(),
    body: { SecretId: secretId },
  });
  if (result.SecretString === undefined) throw new Error(`Secret ${secretId} has no string value`);
  return result.SecretString;
}
