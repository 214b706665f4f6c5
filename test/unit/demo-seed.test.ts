import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { allocateDemoOrders, DEMO_ORDERS, seedDemoOrders } from '../../local/demo/demo-orders.ts';

interface Seen {
  method: string;
  url: string;
  idempotencyKey?: string;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/**
 * A stand-in API that fails like a runtime started with QM_FAULTS: `fail(n, req)` picks the status
 * for the n-th request to a path (a 502 injected Lambda fault, a 429 throttle); otherwise it answers
 * as the real API does.
 */
async function flakyApi(fail: (attempt: number, req: IncomingMessage) => number | undefined) {
  const seen: Seen[] = [];
  const attempts = new Map<string, number>();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = `${req.method} ${req.url}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      seen.push({ method: req.method!, url: req.url!, ...(idempotencyKey ? { idempotencyKey } : {}) });
      const status = fail(attempt, req);
      if (status) {
        res
          .writeHead(status, { 'Content-Type': 'application/problem+json' })
          .end('{"title":"Gateway error"}');
        return;
      }
      const created = req.url === '/orders';
      res
        .writeHead(created ? 201 : 200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify(created ? { orderId: `ord_${idempotencyKey}` } : {}));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const keyFor = (channel: string) => `${channel}-key`;
const fast = { backoffMs: () => 1 };

describe('demo data seeding under injected faults (QM_FAULTS)', () => {
  test('orders: a 502 or 429 is retried with the same Idempotency-Key until the order is captured', async () => {
    const api = await flakyApi((attempt) => (attempt === 1 ? 502 : attempt === 2 ? 429 : undefined));
    const ids = await seedDemoOrders(api.url, keyFor, fast);
    expect(ids).toEqual(DEMO_ORDERS.map((d) => `ord_${d.idempotencyKey}`));
    const first = DEMO_ORDERS[0]!.idempotencyKey;
    expect(api.seen.filter((s) => s.idempotencyKey === first)).toHaveLength(3);
  });

  test('inventory: locations and stock are retried after a 502', async () => {
    const api = await flakyApi((attempt) => (attempt === 1 ? 502 : undefined));
    await seedDemoInventory(api.url, keyFor, fast);
    const puts = api.seen.filter((s) => s.method === 'PUT');
    expect(new Set(puts.map((s) => s.url)).size * 2).toBe(puts.length);
  });

  test('allocation: a failed allocate is retried', async () => {
    const api = await flakyApi((attempt, req) =>
      req.url?.endsWith('/allocate') && attempt === 1 ? 502 : undefined,
    );
    await allocateDemoOrders(api.url, keyFor, ['ord_1', 'ord_2'], fast);
    expect(api.seen.map((s) => s.url)).toEqual([
      '/orders/ord_1/allocate',
      '/orders/ord_1/allocate',
      '/orders/ord_2/allocate',
      '/orders/ord_2/allocate',
    ]);
  });

  test('a client error is not retried, and a fault that never clears fails naming the request', async () => {
    const refused = await flakyApi(() => 400);
    await expect(seedDemoOrders(refused.url, keyFor, fast)).rejects.toThrow(/demo-order-1.*400/);
    expect(refused.seen).toHaveLength(1);
    await new Promise((resolve) => server?.close(resolve));

    const down = await flakyApi(() => 502);
    await expect(seedDemoOrders(down.url, keyFor, { ...fast, attempts: 3 })).rejects.toThrow(
      /demo-order-1 failed after 3 attempts, the last with 502/,
    );
    expect(down.seen).toHaveLength(3);
  });
});
