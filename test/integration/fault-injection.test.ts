import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startDynamoThrottleProxy, startPartnerFaultProxy } from '../../local/faults/faults.ts';
import { demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * With transient Lambda errors (before and after the handler ran) and DynamoDB throttling on,
 * concurrent capture and allocation still converge: every failure is a retryable 5xx/429, a retry
 * with the same Idempotency-Key returns the same order, each key yields exactly one stored order,
 * and reservations match reserved stock exactly.
 */
const SKU = 'FAULT-SKU-1';
const LOCATION = 'fault-dc';
const ORDERS = 16;
const STOCK = 30;

let stack: TestStack;
const keys = { web: '', ops: '', wms: '' };

interface Sent {
  status: number;
  body: Record<string, unknown>;
}

async function send(
  method: string,
  path: string,
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const response = await fetch(`${stack.api}${path}`, {
    method,
    headers: { 'x-api-key': key, 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A scanned item as plain values (the scan returns DynamoDB's typed attribute values). */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('S' in v) return v.S;
  if ('N' in v) return Number(v.N);
  if ('BOOL' in v) return v.BOOL;
  if ('NULL' in v) return null;
  if ('L' in v) return (v.L as unknown[]).map(plain);
  if ('M' in v) return Object.fromEntries(Object.entries(v.M as object).map(([k, x]) => [k, plain(x)]));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
}

const retryable = (status: number) => status === 429 || status >= 500;

/** Sends until the answer is not retryable; every retryable answer is recorded. */
async function untilSettled(call: () => Promise<Sent>, failures: number[]): Promise<Sent> {
  for (let attempt = 1; attempt <= 25; attempt++) {
    const result = await call();
    if (!retryable(result.status)) return result;
    failures.push(result.status);
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
  }
  throw new Error('did not converge after 25 attempts');
}

beforeAll(async () => {
  stack = await startTestStack({
    faults: {
      lambda: { rate: 0.25, functions: ['ApiCreateOrder', 'ApiAllocateOrder'] },
      dynamodb: { throttleRate: 0.1 },
      seed: 20_240_607,
    },
    maxEnvironmentsPerFunction: 6,
  });
  keys.web = stack.runtime.keyFor('web');
  keys.ops = stack.runtime.keyFor('ops');
  keys.wms = stack.runtime.keyFor('wms');
  const setupFailures: number[] = [];
  const location = await untilSettled(
    () =>
      send('PUT', `/locations/${LOCATION}`, keys.ops, {
        name: 'Fault DC',
        type: 'warehouse',
        geo: { lat: 40.7, lon: -74.2 },
        capabilities: ['ship'],
        dailyShipmentCapacity: 1000,
        shipmentFixedCost: 300,
        unitHandlingCost: 50,
        status: 'active',
      }),
    setupFailures,
  );
  expect([200, 201]).toContain(location.status);
  const synced = await untilSettled(
    () =>
      send('PUT', `/inventory/${SKU}/${LOCATION}`, keys.wms, { onHand: STOCK, safetyStock: 2, sequence: 1 }),
    setupFailures,
  );
  expect([200, 201]).toContain(synced.status);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('fault injection: transient Lambda errors and DynamoDB throttling', () => {
  it('says loudly which faults are on', () => {
    const loud = stack.runtime.warnings.filter((w) => w.startsWith('FAULT INJECTION ON'));
    expect(loud).toHaveLength(2);
    expect(loud.join('\n')).toMatch(/25% of invocations of ApiCreateOrder, ApiAllocateOrder/);
    expect(loud.join('\n')).toMatch(
      /10% of function requests answered ProvisionedThroughputExceededException/,
    );
  });

  it('concurrent capture and allocation converge: one order per key, nothing double-reserved', async () => {
    const failures: number[] = [];
    const submissions = Array.from({ length: ORDERS }, (_, i) => ({
      key: `fault-${randomUUID()}`,
      body: demoOrder({
        lines: [{ lineId: '1', sku: SKU, quantity: 1 + (i % 3), unitPrice: 1500 }],
      }),
    }));

    // Capture: every client retries with the same Idempotency-Key until the answer is final.
    const captured = await Promise.all(
      submissions.map(async ({ key, body }) => {
        const ids = new Set<string>();
        const final = await untilSettled(async () => {
          const r = await send('POST', '/orders', keys.web, body, { 'Idempotency-Key': key });
          if (r.status === 200 || r.status === 201) ids.add(String(r.body.orderId));
          return r;
        }, failures);
        expect([200, 201]).toContain(final.status);
        // A lost response (fault after the handler ran) replays the same order: 200, same id.
        expect(ids.size).toBe(1);
        return String(final.body.orderId);
      }),
    );
    expect(new Set(captured).size).toBe(ORDERS);

    // Allocation, also retried until final.
    const allocated = await Promise.all(
      captured.map((orderId) =>
        untilSettled(() => send('POST', `/orders/${orderId}/allocate`, keys.ops, {}), failures),
      ),
    );
    for (const r of allocated) expect(r.status).toBe(200);

    // Faults did happen, and every one of them was retryable.
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every(retryable)).toBe(true);
    const injected =
      [...stack.runtime.lambda.stats.values()].reduce((n, s) => n + s.errors, 0) +
      (stack.runtime.faults?.proxies.dynamodb?.stats.injected ?? 0);
    expect(injected).toBeGreaterThan(0);

    // Stored state: exactly one order per submission, no stray orders.
    const items = (await stack.scanAll()).map((i) => plain(i) as Record<string, unknown>);
    const orders = items.filter((i) => i.entity === 'ORDER');
    expect(orders.map((o) => String(o.orderId)).sort()).toEqual([...captured].sort());
    const idempotency = items.filter((i) => i.entity === 'IDEMPOTENCY');
    expect(idempotency).toHaveLength(ORDERS);

    // Reservations: reserved == Σ reservation items, within on hand − safety stock, per order = allocated.
    const reservations = items.filter((i) => i.entity === 'RESERVATION');
    const position = items.find((i) => i.PK === `SKU#${SKU}` && i.SK === `LOC#${LOCATION}`)!;
    const reservedUnits = reservations.reduce((n, r) => n + Number(r.quantity), 0);
    expect(Number(position.reserved)).toBe(reservedUnits);
    expect(Number(position.reserved)).toBeLessThanOrEqual(
      Number(position.onHand) - Number(position.safetyStock),
    );
    const demand = submissions.reduce((n, _s, i) => n + 1 + (i % 3), 0);
    expect(reservedUnits).toBe(Math.min(demand, STOCK - 2));
    for (const order of orders) {
      const lines = order.lines as { quantities: { allocated: number } }[];
      const allocatedUnits = lines.reduce((n, l) => n + l.quantities.allocated, 0);
      const mine = reservations
        .filter((r) => r.orderId === order.orderId)
        .reduce((n, r) => n + Number(r.quantity), 0);
      expect(mine).toBe(allocatedUnits);
    }
  });
});

describe('fault proxies', () => {
  it('the DynamoDB proxy throttles; the SDK retries absorb a moderate rate and surface a certain one', async () => {
    const random = (() => {
      let i = 0;
      return () => [0.05, 0.9, 0.05, 0.95, 0.5][i++ % 5]!;
    })();
    const proxy = await startDynamoThrottleProxy(inject('dynamoEndpoint'), { throttleRate: 0.1 }, random);
    const client = new DynamoDBClient({
      endpoint: proxy.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
    });
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      await client.send(new ListTablesCommand({ Limit: 1 }));
      expect(proxy.stats.injected).toBe(2);
      expect(proxy.stats.forwarded).toBe(2);
      const always = await startDynamoThrottleProxy(
        inject('dynamoEndpoint'),
        { throttleRate: 1, errorType: 'ThrottlingException' },
        () => 0,
      );
      const throttled = new DynamoDBClient({
        endpoint: always.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 2,
      });
      await expect(throttled.send(new ListTablesCommand({ Limit: 1 }))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
      throttled.destroy();
      await always.close();
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it('the partner proxy forwards to the partner path, or answers 503 when the partner is down', async () => {
    const seen: string[] = [];
    const partner = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/hooks/oms?x=1`;
    const up = await startPartnerFaultProxy(url, { delayMs: 1, downRate: 0 }, () => 0.5);
    const down = await startPartnerFaultProxy(url, { downRate: 1 }, () => 0.5);
    try {
      expect((await fetch(up.url, { method: 'POST', body: '{}' })).status).toBe(204);
      expect(seen).toEqual(['POST /hooks/oms?x=1']);
      expect((await fetch(down.url, { method: 'POST', body: '{}' })).status).toBe(503);
      expect(down.stats.injected).toBe(1);
      expect(seen).toHaveLength(1);
    } finally {
      await up.close();
      await down.close();
      partner.close();
    }
  });
});
