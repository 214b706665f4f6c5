import { parseArgs } from 'node:util';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { synthesizeStack } from '../local/template/synthesize.ts';
import { readTemplateFile } from '../local/template/template.ts';
import { withoutThrottling } from '../test/support/fuzz-api.ts';
import { percentile, progress, table } from './lib/stats.ts';

/**
 * bench:load — a realistic order mix against the local runtime over HTTP (worker-thread Lambdas,
 * DynamoDB Local): 1–20 lines, 5% duplicate submissions (same Idempotency-Key and body), 10% cancels
 * after allocation, ~10% store pickups, ~8% of lines on scarce SKUs (backorders). Each order is
 * captured (POST /orders) then allocated (POST /orders/{id}/allocate, as the fulfilment workflow
 * does). Prints throughput, capture and order-to-allocated percentiles, errors by kind, and checks
 * invariants at the end (no oversell, reserved == Σ reservations, one order per accepted key, every
 * order allocated and with its events). Exits 1 when an invariant fails.
 * Usage: npm run bench:load -- [--orders 300 | --seconds 60] [--concurrency 16] [--seed 42]
 *   [--template cdk.out/Quartermaster.template.json]
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '300' },
    seconds: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    seed: { type: 'string', default: '42' },
    template: { type: 'string' },
  },
});
const target = Number(values.orders);
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
const concurrency = Number(values.concurrency);

let state = Number(values.seed);
const random = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const PLENTIFUL = Array.from({ length: 80 }, (_, i) => `LOAD-${String(i).padStart(3, '0')}`);
const SCARCE = Array.from({ length: 6 }, (_, i) => `SCARCE-${i}`);
const STORE_SKUS = PLENTIFUL.slice(0, 20);
const LOCATIONS = [
  { id: 'load-dc-east', type: 'warehouse', geo: { lat: 40.7, lon: -74.2 }, capabilities: ['ship'] },
  { id: 'load-dc-west', type: 'warehouse', geo: { lat: 34.0, lon: -118.2 }, capabilities: ['ship'] },
  {
    id: 'load-store-1',
    type: 'store',
    geo: { lat: 40.75, lon: -73.99 },
    capabilities: ['ship', 'pickup'],
  },
];

const dynamo = await startDynamoDbLocal();
const runtime = await startLocalRuntime({
  dynamoEndpoint: dynamo.endpoint,
  port: 0,
  namePrefix: `load${Date.now()}-`,
  // Usage-plan throttles off: the bench measures the stack, not the plans (bench:capture keeps them).
  stack: withoutThrottling(values.template ? readTemplateFile(values.template) : synthesizeStack()),
  maxEnvironmentsPerFunction: concurrency,
  logLevel: 'CRITICAL',
});
const keys = { web: runtime.keyFor('web'), ops: runtime.keyFor('ops'), wms: runtime.keyFor('wms') };

interface Reply {
  status: number;
  body: Record<string, unknown>;
}
async function call(
  method: string,
  path: string,
  key: string,
  body?: unknown,
  idem?: string,
): Promise<Reply> {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: {
      'x-api-key': key,
      'Content-Type': 'application/json',
      ...(idem ? { 'Idempotency-Key': idem } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// Setup: the network and its stock.
for (const l of LOCATIONS) {
  const r = await call('PUT', `/locations/${l.id}`, keys.ops, {
    name: l.id,
    type: l.type,
    geo: l.geo,
    capabilities: l.capabilities,
    dailyShipmentCapacity: 100_000,
    shipmentFixedCost: 300,
    unitHandlingCost: 50,
    status: 'active',
  });
  if (r.status >= 300) throw new Error(`location ${l.id}: ${r.status} ${JSON.stringify(r.body)}`);
}
const syncs = [
  ...PLENTIFUL.flatMap((sku) => [
    { sku, locationId: 'load-dc-east', onHand: 5000, safetyStock: 5 },
    { sku, locationId: 'load-dc-west', onHand: 5000, safetyStock: 5 },
  ]),
  ...STORE_SKUS.map((sku) => ({ sku, locationId: 'load-store-1', onHand: 200, safetyStock: 2 })),
  ...SCARCE.map((sku) => ({ sku, locationId: 'load-dc-east', onHand: 6, safetyStock: 1 })),
];
await inParallel(syncs, 8, async (s) => {
  const r = await call('PUT', `/inventory/${s.sku}/${s.locationId}`, keys.wms, {
    onHand: s.onHand,
    safetyStock: s.safetyStock,
    sequence: 1,
  });
  if (r.status >= 300) throw new Error(`sync ${s.sku}: ${r.status} ${JSON.stringify(r.body)}`);
});

// Warm the functions on the order path (cold starts are bench:coldstart's subject, not this one's).
for (const entry of ['create-order.ts', 'allocate-order.ts', 'cancel-order.ts']) {
  const fn = runtime.lambda.functions.find((f) => f.entry.endsWith(entry));
  if (fn) await runtime.lambda.warm(fn.name, concurrency);
}

function randomOrder(i: number) {
  const pickup = random() < 0.1;
  const count = pickup ? 1 + Math.floor(random() * 3) : 1 + Math.floor(random() ** 2 * 20);
  const skus = new Set<string>();
  while (skus.size < count) {
    const pool = pickup ? STORE_SKUS : random() < 0.08 ? SCARCE : PLENTIFUL;
    skus.add(pool[Math.floor(random() * pool.length)]!);
  }
  return {
    customer: { customerId: `load-${Math.floor(random() * 2000)}`, email: `c${i}@example.com` },
    currency: 'USD',
    lines: [...skus].map((sku, n) => ({
      lineId: String(n + 1),
      sku,
      quantity: 1 + Math.floor(random() ** 3 * 4),
      unitPrice: 500 + Math.floor(random() * 20_000),
    })),
    delivery: pickup
      ? { method: 'pickup', locationId: 'load-store-1' }
      : {
          method: 'ship',
          address: {
            name: 'Load Customer',
            line1: '1 Load St',
            city: 'Newark',
            postalCode: '07102',
            country: 'US',
            geo: { lat: 40.73, lon: -74.17 },
          },
        },
  };
}

const ALLOCATED = ['ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED'];
const captureMs: number[] = [];
const toAllocatedMs: number[] = [];
const errors = new Map<string, number>();
const error = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
const accepted = new Map<string, string>(); // Idempotency-Key → orderId (from the 201)
const duplicateMismatch: string[] = [];
const cancelled = new Set<string>();
const statusCounts = new Map<string, number>();
let duplicates = 0;
let started = 0;
let finished = 0;

const t0 = performance.now();
const deadline = seconds === undefined ? Number.POSITIVE_INFINITY : t0 + seconds * 1000;
const goal = seconds === undefined ? target : Number.POSITIVE_INFINITY;
const ticker = setInterval(() => {
  const done = seconds === undefined ? finished : Math.round((performance.now() - t0) / 1000);
  progress(
    'load',
    Math.min(done, seconds ?? target),
    seconds ?? target,
    `${finished} orders, ${errors.size ? [...errors.values()].reduce((a, b) => a + b) : 0} errors`,
  );
}, 1000);

await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (started < goal && performance.now() < deadline) {
      const i = started++;
      const idem = `load-${values.seed}-${i}`;
      const body = randomOrder(i);
      const dup = random() < 0.05;
      const cancel = random() < 0.1;
      try {
        const start = performance.now();
        const created = await call('POST', '/orders', keys.web, body, idem);
        if (created.status !== 201) {
          error(`capture:${created.status}`);
          continue;
        }
        captureMs.push(performance.now() - start);
        const orderId = String(created.body.orderId);
        accepted.set(idem, orderId);
        const allocated = await call('POST', `/orders/${orderId}/allocate`, keys.ops, {});
        const status = String((allocated.body.order as { status?: string } | undefined)?.status);
        if (allocated.status !== 200 || !ALLOCATED.includes(status)) {
          error(`allocate:${allocated.status}`);
          continue;
        }
        toAllocatedMs.push(performance.now() - start);
        statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
        if (dup) {
          duplicates++;
          const again = await call('POST', '/orders', keys.web, body, idem);
          if (again.status !== 200 || again.body.orderId !== orderId) duplicateMismatch.push(idem);
        }
        if (cancel) {
          const r = await call('POST', `/orders/${orderId}/cancel`, keys.web, { reason: 'customer-request' });
          if (r.status === 200) cancelled.add(orderId);
          else error(`cancel:${r.status}`);
        }
      } catch (e) {
        error(`client:${(e as Error).name}`);
      } finally {
        finished++;
      }
    }
  }),
);
clearInterval(ticker);
const elapsed = (performance.now() - t0) / 1000;
progress('load', seconds ?? target, seconds ?? target, `${finished} orders\n`);

// Invariants, from the table itself.
const client = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const tableName = runtime.tables.find((t) => t.logicalId.startsWith('DataOrdersTable'))!.tableName;
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
const items: Record<string, unknown>[] = [];
let ExclusiveStartKey: Record<string, never> | undefined;
do {
  const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
  items.push(...(page.Items ?? []).map((i) => plain(i) as Record<string, unknown>));
  ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
} while (ExclusiveStartKey);
client.destroy();

const positions = items.filter((i) => i.entity === 'POSITION' || i.entity === 'POSITION_BUCKET');
const reservations = items.filter((i) => i.entity === 'RESERVATION');
const orders = items.filter((i) => i.entity === 'ORDER');
const outboxOrders = new Set(
  items.filter((i) => String(i.SK).startsWith('OUTBOX#')).map((i) => String(i.PK)),
);
const reservedBy = new Map<string, number>();
for (const r of reservations) {
  const k = `${r.sku}|${r.locationId}`;
  reservedBy.set(k, (reservedBy.get(k) ?? 0) + Number(r.quantity));
}
const positionReserved = new Map<string, { onHand: number; reserved: number; safetyStock: number }>();
for (const p of positions) {
  const k = `${p.sku}|${p.locationId}`;
  const agg = positionReserved.get(k) ?? { onHand: 0, reserved: 0, safetyStock: 0 };
  agg.onHand += Number(p.onHand);
  agg.reserved += Number(p.reserved);
  agg.safetyStock += Number(p.safetyStock);
  positionReserved.set(k, agg);
}
const oversold = [...positionReserved].filter(([, p]) => p.reserved > p.onHand - p.safetyStock);
const unexplained = [...positionReserved].filter(([k, p]) => p.reserved !== (reservedBy.get(k) ?? 0));
const orderIds = new Set(orders.map((o) => String(o.orderId)));
const acceptedIds = [...accepted.values()];
const missing = acceptedIds.filter((id) => !orderIds.has(id));
const extra = [...orderIds].filter((id) => !acceptedIds.includes(id));
const byId = new Map(orders.map((o) => [String(o.orderId), o]));
const notAllocated = acceptedIds.filter((id) => {
  const status = String(byId.get(id)?.status);
  return !ALLOCATED.includes(status) && !(cancelled.has(id) && status === 'CANCELLED');
});
const withoutEvents = acceptedIds.filter((id) => !outboxOrders.has(`ORDER#${id}`));
const checks = [
  { invariant: 'no oversell: reserved ≤ on hand − safety stock, every position', failures: oversold.length },
  { invariant: 'reserved == Σ reservation items, every position', failures: unexplained.length },
  { invariant: 'every 201 has exactly one stored order (none missing)', failures: missing.length },
  { invariant: 'no order without a 201 (none extra)', failures: extra.length },
  { invariant: 'duplicate submission → 200, same order', failures: duplicateMismatch.length },
  { invariant: 'every accepted order allocated (or cancelled)', failures: notAllocated.length },
  { invariant: 'every accepted order has its events (outbox)', failures: withoutEvents.length },
];

console.log(
  `\nbench:load — ${finished} orders in ${elapsed.toFixed(1)} s, concurrency ${concurrency}, seed ${values.seed}, ${new Date().toISOString()}`,
);
console.log(
  'Allocation: POST /orders/{id}/allocate after capture (order-to-allocated = capture start → allocation answered).\n',
);
console.log(
  table([
    {
      'orders/s': acceptedIds.length / elapsed,
      accepted: acceptedIds.length,
      'capture p50 ms': percentile(captureMs, 50),
      'capture p95 ms': percentile(captureMs, 95),
      'capture p99 ms': percentile(captureMs, 99),
      'to-allocated p50 ms': percentile(toAllocatedMs, 50),
      'to-allocated p95 ms': percentile(toAllocatedMs, 95),
      'to-allocated p99 ms': percentile(toAllocatedMs, 99),
    },
  ]),
);
console.log(
  `\nMix: ${duplicates} duplicate submissions, ${cancelled.size} cancels, ` +
    `${[...statusCounts].map(([s, n]) => `${s} ${n}`).join(', ')}; lines per order 1–20.`,
);
console.log(`Errors by kind: ${[...errors].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}\n`);
console.log(table(checks.map((c) => ({ ...c, result: c.failures === 0 ? 'ok' : 'FAIL' }))));
console.log(
  '\nNotes: cancels do not release stock here (release runs on OrderCancelled through event fan-out, off in\n' +
    'this bench), so reserved still counts cancelled orders; the invariants hold either way.',
);
await runtime.close();
await dynamo.stop();
process.exitCode = checks.some((c) => c.failures > 0) ? 1 : 0;
