import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime.ts';
import type { SynthesizedStack } from '../../local/template/template.ts';
import { conformanceProblems } from './openapi-conformance.ts';
import type { SharedStackConfig } from './shared-stack-configs.ts';

export interface TestStack {
  runtime: LocalRuntime;
  api: string;
  /** All log lines the functions wrote, for assertions (e.g. no PII). */
  logs: { fn: string; line: string }[];
  dynamodb: DynamoDBClient;
  ordersTable: string;
  /** Every item in the order table (tests assert nothing was written on rejects). */
  scanAll(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * The run's synthesized stack (test/global-setup.ts): the default config's, or a fixture config's
 * from SHARED_STACK_CONFIGS. A fresh copy each call (suites may edit theirs).
 */
export function sharedStack(configFile?: SharedStackConfig): SynthesizedStack {
  const file = configFile === undefined ? inject('stackFile') : inject('fixtureStackFiles')[configFile];
  if (!file) throw new Error(`${configFile} is not synthesized for the run: add it to SHARED_STACK_CONFIGS`);
  return JSON.parse(readFileSync(file, 'utf8')) as SynthesizedStack;
}

/**
 * Starts the local runtime for one suite: the run's shared template and DynamoDB Local, tables
 * prefixed uniquely, the API on a free port.
 */
export async function startTestStack(options: Partial<LocalRuntimeOptions> = {}): Promise<TestStack> {
  const logs: { fn: string; line: string }[] = [];
  const endpoint = inject('dynamoEndpoint');
  const runtime = await startLocalRuntime({
    dynamoEndpoint: endpoint,
    port: 0,
    namePrefix: `t${randomUUID().slice(0, 8)}-`,
    stack: options.stack ?? sharedStack(),
    logSink: (fn, _stream, line) => {
      logs.push({ fn, line });
    },
    maxEnvironmentsPerFunction: 4,
    ...options,
  });
  const dynamodb = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const ordersTable = runtime.tables.find((t) => t.logicalId.startsWith('DataOrdersTable'))?.tableName;
  if (!ordersTable) throw new Error('order table not found in template');
  return {
    runtime,
    api: runtime.apiUrl,
    logs,
    dynamodb,
    ordersTable,
    async scanAll() {
      const items: Record<string, unknown>[] = [];
      let ExclusiveStartKey: Record<string, never> | undefined;
      do {
        const page = await dynamodb.send(new ScanCommand({ TableName: ordersTable, ExclusiveStartKey }));
        items.push(...((page.Items ?? []) as Record<string, unknown>[]));
        ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
      } while (ExclusiveStartKey);
      return items;
    },
    async close() {
      dynamodb.destroy();
      await runtime.close();
    },
  };
}

export interface ApiClientOptions {
  key?: string | null;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

/**
 * Thin fetch wrapper: JSON in, status + parsed body out. Every response is checked against the
 * OpenAPI document (test/support/openapi-conformance.ts); a response that does not conform fails the test.
 */
export function apiClient(base: string, defaultKey: string) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    options: ApiClientOptions = {},
  ): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? defaultKey : options.key;
    if (key !== null) headers['x-api-key'] = key;
    if (options.idempotencyKey !== undefined) headers['Idempotency-Key'] = options.idempotencyKey;
    if (body !== undefined && headers['Content-Type'] === undefined)
      headers['Content-Type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON; keep text
    }
    const problems = conformanceProblems(
      method,
      path,
      response.status,
      response.headers.get('content-type'),
      parsed,
    );
    if (problems.length)
      throw new Error(`Response does not conform to the OpenAPI document:\n${problems.join('\n')}`);
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
}

export function demoOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    customer: {
      customerId: 'cust-1',
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      phone: '+44 20 7946 0958',
    },
    currency: 'USD',
    lines: [
      { sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 },
      { sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 },
    ],
    delivery: {
      method: 'ship',
      address: {
        name: 'Ada Lovelace',
        line1: '12 Analytical St',
        city: 'Brooklyn',
        region: 'NY',
        postalCode: '11201',
        country: 'US',
        geo: { lat: 40.69, lon: -73.99 },
      },
    },
    ...overrides,
  };
}
