import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { percentile, progress, table } from './lib/stats.ts';

/**
 * bench:capture — sustained POST /orders against the local runtime (real HTTP, Lambda sandboxes,
 * DynamoDB Local). Prints orders/s and latency percentiles per concurrency level.
 * Usage: npm run bench:capture -- --seconds 15 --concurrency 1,8,32
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1,8,32' },
    seed: { type: 'string', default: '42' },
  },
});
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);

let state = Number(values.seed);
const random = () => {
  // mulberry32: reproducible order mix
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

function randomOrder(i: number) {
  const lines = 1 + Math.floor(random() ** 2 * 20);
  return {
    customer: { customerId: `bench-${Math.floor(random() * 5000)}`, email: `c${i}@example.com` },
    currency: 'USD',
    lines: Array.from({ length: lines }, (_, n) => ({
      lineId: String(n + 1),
      sku: `SKU-${Math.floor(random() * 2000)}`,
      quantity: 1 + Math.floor(random() * 3),
      unitPrice: 500 + Math.floor(random() * 20_000),
    })),
    delivery:
      random() < 0.15
        ? { method: 'pickup', locationId: `store-${Math.floor(random() * 30)}` }
        : {
            method: 'ship',
            address: {
              name: 'Bench Customer',
              line1: '1 Load St',
              city: 'Testville',
              postalCode: '10001',
              country: 'US',
            },
          },
  };
}

const dynamo = await startDynamoDbLocal();
const runtime = await startLocalRuntime({
  dynamoEndpoint: dynamo.endpoint,
  port: 0,
  namePrefix: `bench${Date.now()}-`,
  maxEnvironmentsPerFunction: Math.max(...levels),
  logLevel: 'WARN',
});
const key = runtime.keyFor('web');
await runtime.lambda.warm(
  runtime.lambda.functions.find((f) => f.entry.endsWith('create-order.ts'))!.name,
  Math.max(...levels),
);

const rows: Record<string, string | number>[] = [];
let counter = 0;
for (const concurrency of levels) {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const ticker = setInterval(() => {
    progress(
      `c=${String(concurrency).padStart(3)}`,
      Math.min(seconds, Math.round((performance.now() - started) / 1000)),
      seconds,
      `${latencies.length} orders`,
    );
  }, 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = counter++;
        const body = JSON.stringify(randomOrder(i));
        const t0 = performance.now();
        try {
          const response = await fetch(`${runtime.apiUrl}/orders`, {
            method: 'POST',
            headers: {
              'x-api-key': key,
              'Content-Type': 'application/json',
              'Idempotency-Key': `bench-${i}`,
            },
            body,
          });
          await response.arrayBuffer();
          if (response.status === 201) latencies.push(performance.now() - t0);
          else errors.set(String(response.status), (errors.get(String(response.status)) ?? 0) + 1);
        } catch (error) {
          const kind = (error as Error).name;
          errors.set(kind, (errors.get(kind) ?? 0) + 1);
        }
      }
    }),
  );
  clearInterval(ticker);
  const elapsed = (performance.now() - started) / 1000;
  progress(`c=${String(concurrency).padStart(3)}`, seconds, seconds, `${latencies.length} orders\n`);
  rows.push({
    concurrency,
    orders: latencies.length,
    'orders/s': latencies.length / elapsed,
    'p50 ms': percentile(latencies, 50),
    'p95 ms': percentile(latencies, 95),
    'p99 ms': percentile(latencies, 99),
    errors: [...errors].map(([k, v]) => `${k}:${v}`).join(' ') || '0',
  });
}

console.log(
  `\nPOST /orders, ${seconds}s per level, local runtime (worker-thread Lambdas + DynamoDB Local), ${new Date().toISOString()}`,
);
console.log(table(rows));
console.log(
  '\nNote: usage-plan throttles (web: 200 rps, burst 400) apply as on AWS; 429s above them are expected and counted as errors.',
);
await runtime.close();
await dynamo.stop();
