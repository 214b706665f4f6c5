import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { restApiFromTemplate } from '../../local/apigateway/rest-api-model.ts';
import { localPhysicalIds } from '../../local/template/physical-ids.ts';
import { openApiDocument } from '../../shared/api/openapi.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';
import { conformanceProblems } from '../support/openapi-conformance.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    const api = await SwaggerParser.validate(structuredClone(openApiDocument()) as never);
    expect((api as { openapi: string }).openapi).toBe('3.1.0');
  });

  test('documents exactly the routes the synthesized template deploys', () => {
    const { template, stackName } = sharedStack();
    const ctx = { template, stackName, region: 'us-east-1', accountId: '000000000000' };
    const model = restApiFromTemplate({ ...ctx, ids: localPhysicalIds({ ...ctx, namePrefix: '' }) });
    const deployed = model.routes.map((r) => `${r.method} ${r.path}`).sort();
    const documented = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(deployed);
  });

  test('is served at /openapi.json without an API key', async () => {
    const response = await fetch(`${stack.api}/openapi.json`);
    expect(response.status).toBe(200);
    const served = (await response.json()) as { paths: Record<string, unknown>; servers: { url: string }[] };
    expect(Object.keys(served.paths)).toEqual(Object.keys(openApiDocument().paths as object));
    expect(served.servers[0]?.url).toBe(stack.api);
  });
});

describe('the conformance check used by every integration test', () => {
  test('accepts a documented problem and rejects what does not conform', () => {
    const problem = { type: 't', title: 'x', status: 404, detail: 'd' };
    expect(conformanceProblems('GET', '/orders/ord_1', 404, 'application/problem+json', problem)).toEqual([]);
    expect(conformanceProblems('GET', '/orders/ord_1', 404, 'application/json', problem)).not.toEqual([]);
    expect(conformanceProblems('GET', '/orders/ord_1', 418, 'application/problem+json', problem)).not.toEqual(
      [],
    );
    expect(conformanceProblems('GET', '/orders/ord_1', 200, 'application/json', { orderId: 42 })).not.toEqual(
      [],
    );
    expect(
      conformanceProblems('GET', '/orders?limit=1', 200, 'application/json', { items: [{}] }),
    ).not.toEqual([]);
    expect(conformanceProblems('GET', '/orders?limit=1', 200, 'application/json', { items: [] })).toEqual([]);
  });
});
