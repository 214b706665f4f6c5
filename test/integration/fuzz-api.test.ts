import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  contractViolation,
  type FuzzTarget,
  fuzzAdjustInventory,
  fuzzCancelOrder,
  fuzzCreateOrder,
  fuzzListOrders,
  fuzzSyncInventory,
  type PropertyResult,
  printable,
  send,
  withoutThrottling,
} from '../support/fuzz-api.ts';
import { apiClient, demoOrder, sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Property-based fuzzing through the real local HTTP path (gateway → Lambda sandboxes → DynamoDB
 * Local): malformed input is always a 4xx problem, never a 5xx, and never a partial write.
 * QM_FUZZ_RUNS scales the run (total requests over all properties); QM_FUZZ_SEED replays one.
 * The larger run is `npm run bench:fuzz`.
 */
const TOTAL_RUNS = Number(process.env.QM_FUZZ_RUNS ?? 500);
const SEED = Number(process.env.QM_FUZZ_SEED ?? Date.now() % 2 ** 31);
const share = (weight: number) => Math.max(10, Math.round(TOTAL_RUNS * weight));

let stack: TestStack;
let target: FuzzTarget;

beforeAll(async () => {
  stack = await startTestStack({ stack: withoutThrottling(sharedStack()) });
  target = {
    api: stack.api,
    keys: {
      web: stack.runtime.keyFor('web'),
      ops: stack.runtime.keyFor('ops'),
      wms: stack.runtime.keyFor('wms'),
    },
    scanAll: () => stack.scanAll(),
  };
});
afterAll(async () => {
  await stack?.close();
});

/** Fails with every violation (input, status, response) and the seed that reproduces them. */
function expectNoViolations(result: PropertyResult) {
  const report = result.violations.slice(0, 5).map((v) => ({ ...v, request: printable(v.request) }));
  expect(report, `seed ${SEED} (QM_FUZZ_SEED=${SEED} to replay): ${JSON.stringify(result.byStatus)}`).toEqual(
    [],
  );
  expect(result.requests).toBeGreaterThan(0);
}

describe(`API fuzzing (seed ${SEED}, ~${TOTAL_RUNS} requests)`, () => {
  test('POST /orders: malformed orders are 4xx problems naming a field and write nothing', async () => {
    expectNoViolations(await fuzzCreateOrder(target, { runs: share(0.4), seed: SEED }));
  }, 120_000);

  test('GET /orders: any query string is a page or a 4xx problem, and writes nothing', async () => {
    expectNoViolations(await fuzzListOrders(target, { runs: share(0.15), seed: SEED }));
  }, 120_000);

  test('POST /orders/{id}/cancel: malformed bodies are 4xx problems and leave the order as it was', async () => {
    const web = apiClient(stack.api, target.keys.web);
    const orderIds: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await web('POST', '/orders', demoOrder(), {
        idempotencyKey: `fuzz-cancel-${SEED}-${i}`,
      });
      expect(created.status).toBe(201);
      orderIds.push((created.body as { orderId: string }).orderId);
    }
    expectNoViolations(await fuzzCancelOrder(target, { runs: share(0.15), seed: SEED, orderIds }));
  }, 120_000);

  describe('inventory feeds (wms key)', () => {
    const locationId = 'fuzz-wh';
    beforeAll(async () => {
      const ops = apiClient(stack.api, target.keys.ops);
      const created = await ops('PUT', `/locations/${locationId}`, {
        name: 'Fuzz DC',
        type: 'warehouse',
        geo: { lat: 40.7, lon: -74.2 },
        capabilities: ['ship'],
        dailyShipmentCapacity: 1000,
        shipmentFixedCost: 300,
        unitHandlingCost: 50,
        status: 'active',
      });
      expect(created.status, created.text).toBe(201);
    });

    test('PUT /inventory/{sku}/{locationId}: only accepted syncs change a position', async () => {
      expectNoViolations(await fuzzSyncInventory(target, { runs: share(0.15), seed: SEED, locationId }));
    }, 120_000);

    test('POST /inventory/adjustments: only accepted batches move stock or leave a batch record', async () => {
      expectNoViolations(await fuzzAdjustInventory(target, { runs: share(0.15), seed: SEED, locationId }));
    }, 120_000);
  });
});

/** Bugs the fuzzing found (both in the local gateway), pinned with the inputs that found them. */
describe('regressions found by fuzzing', () => {
  // Was: proxyEvent collected query parameters in a plain object, so `multiQuery['__proto__']` was
  // Object.prototype: a 500 "(multiQuery[k] ?? []) is not iterable".
  test('a query key named like an Object.prototype member is a 4xx, not a 500', async () => {
    for (const query of ['__proto__=x', 'constructor=x', 'toString=1']) {
      const response = await send(target.api, {
        method: 'GET',
        path: `/orders?${query}`,
        key: target.keys.web,
      });
      expect(contractViolation(response), `${query}: ${response.text}`).toBeUndefined();
    }
  });

  // Was: route matching decoded path parameters with an unguarded decodeURIComponent: a 500 "URI malformed".
  test('a malformed percent-escape in a path parameter is a 4xx, not a 500', async () => {
    for (const [method, path, key] of [
      ['GET', '/orders/%zz', target.keys.web],
      ['POST', '/orders/%/cancel', target.keys.web],
      ['PUT', '/inventory/%E0%A4%A/fuzz-wh', target.keys.wms],
    ] as const) {
      const response = await send(target.api, {
        method,
        path,
        key,
        ...(method === 'GET' ? {} : { contentType: 'application/json', body: '{"onHand":1,"sequence":1}' }),
      });
      expect(contractViolation(response), `${method} ${path}: ${response.text}`).toBeUndefined();
    }
  });
});
