import { createHash, createHmac } from 'node:crypto';

/*
 * A minimal AWS JSON-protocol caller with Signature V4, for services whose SDK client is not installed
 * yet (EventBridge, Secrets Manager). Replace with @aws-sdk/client-eventbridge and
 * @aws-sdk/client-secrets-manager once they are dependencies.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsJsonCall {
  /** Signing name, e.g. `events`, `secretsmanager`. */
  service: string;
  /** X-Amz-Target, e.g. `AWSEvents.PutEvents`. */
  target: string;
  region: string;
  endpoint: string;
  credentials: AwsCredentials;
  body: unknown;
  /** `1.1` for EventBridge and Secrets Manager. */
  jsonVersion?: '1.0' | '1.1';
}

export class AwsServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
  }
}

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** Signs a POST to `/` with SigV4 headers (the only request shape the JSON protocol uses). */
export function signJsonRequest(
  call: AwsJsonCall,
  payload: string,
  now = new Date(),
): Record<string, string> {
  const url = new URL(call.endpoint);
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${call.jsonVersion ?? '1.1'}`,
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': call.target,
    ...(call.credentials.sessionToken ? { 'x-amz-security-token': call.credentials.sessionToken } : {}),
  };
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    url.pathname || '/',
    '',
    ...names.map((n) => `${n}:${headers[n]}`),
    '',
    names.join(';'),
    sha256(payload),
  ].join('\n');
  const scope = `${day}/${call.region}/${call.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${call.credentials.secretAccessKey}`, day);
  for (const part of [call.region, call.service, 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${call.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}

export async function awsJsonCall<T>(call: AwsJsonCall): Promise<T> {
  const payload = JSON.stringify(call.body);
  const response = await fetch(call.endpoint, {
    method: 'POST',
    headers: signJsonRequest(call, payload),
    body: payload,
  });
  const text = await response.text();
  const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!response.ok) {
    const code =
      String(parsed.__type ?? response.status)
        .split('#')
        .pop() ?? 'Unknown';
    throw new AwsServiceError(code, String(parsed.message ?? parsed.Message ?? text), response.status);
  }
  return parsed as T;
}

/** Credentials and region from the Lambda environment (the execution role's session). */
export function environmentCredentials(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY)
    throw new Error('AWS credentials are not in the environment');
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  };
}

/** The SDK's endpoint conventions: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the regional one. */
export function serviceEndpoint(envName: string, hostPrefix: string, region: string): string {
  return (
    process.env[`AWS_ENDPOINT_URL_${envName}`] ??
    process.env.AWS_ENDPOINT_URL ??
    `https://${hostPrefix}.${region}.amazonaws.com`
  );
}
