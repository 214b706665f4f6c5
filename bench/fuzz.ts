import { parseArgs } from 'node:util';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { synthesizeStack } from '../local/template/synthesize.ts';
import { readTemplateFile } from '../local/template/template.ts';
import {
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
} from '../test/support/fuzz-api.ts';
import { demoOrder } from '../test/support/local-stack.ts';
import { table } from './lib/stats.ts';

/**
 * bench:fuzz — the properties of test/integration/fuzz-api.test.ts at scale, against the local
 * runtime (real HTTP, Lambda sandboxes, DynamoDB Local). Prints counts by status, requests/s and
 * every violation (a 5xx, a contract breach, a partial write). Exits 1 on any violation.
 * Usage: npm run bench:fuzz -- --runs 20000 [--seed 42] [--concurrency 16] [--template cdk.out/Quartermaster.template.json]
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20000' },
    seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
    concurrency: { type: 'string', default: '16' },
    template: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);

const dynamo = await startDynamoDbLocal();
const runtime = await startLocalRuntime({
  dynamoEndpoint: dynamo.endpoint,
  port: 0,
  namePrefix: `fuzz${Date.now()}-`,
  stack: withoutThrottling(values.template ? readTemplateFile(values.template) : synthesizeStack()),
  maxEnvironmentsPerFunction: concurrency,
  logLevel: 'CRITICAL',
});
const client = new DynamoDBClient({
  endpoint: dynamo.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const tableName = runtime.tables.find((t) => t.logicalId.startsWith('DataOrdersTable'))?.tableName;
if (!tableName) throw new Error('order table not found in template');

const target: FuzzTarget = {
  api: runtime.apiUrl,
  keys: { web: runtime.keyFor('web'), ops: runtime.keyFor('ops'), wms: runtime.keyFor('wms') },
  async scanAll() {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
      items.push(...((page.Items ?? []) as Record<string, unknown>[]));
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
    return items;
  },
};

const orderIds: string[] = [];
for (let i = 0; i < 16; i++) {
  const r = await send(target.api, {
    method: 'POST',
    path: '/orders',
    key: target.keys.web,
    contentType: 'application/json',
    body: JSON.stringify(demoOrder()),
    idempotencyKey: `bench-fuzz-cancel-${seed}-${i}`,
  });
  orderIds.push((r.body as { orderId: string }).orderId);
}
const locationId = 'fuzz-wh';
const location = await send(target.api, {
  method: 'PUT',
  path: `/locations/${locationId}`,
  key: target.keys.ops,
  contentType: 'application/json',
  body: JSON.stringify({
    name: 'Fuzz DC',
    type: 'warehouse',
    geo: { lat: 40.7, lon: -74.2 },
    capabilities: ['ship'],
    dailyShipmentCapacity: 1000,
    shipmentFixedCost: 300,
    unitHandlingCost: 50,
    status: 'active',
  }),
});
if (location.status !== 201) throw new Error(`location setup failed: ${location.text}`);

console.log(`bench:fuzz — ${runs} requests, seed ${seed}, concurrency ${concurrency}\n`);
const share = (weight: number) => Math.max(10, Math.round(runs * weight));
const common = { seed, concurrency };
const properties: [string, () => Promise<PropertyResult>][] = [
  ['create', () => fuzzCreateOrder(target, { ...common, runs: share(0.4) })],
  ['list', () => fuzzListOrders(target, { ...common, runs: share(0.15) })],
  ['cancel', () => fuzzCancelOrder(target, { ...common, runs: share(0.15), orderIds })],
  ['sync', () => fuzzSyncInventory(target, { ...common, runs: share(0.15), locationId })],
  ['adjust', () => fuzzAdjustInventory(target, { ...common, runs: share(0.15), locationId })],
];

const results: PropertyResult[] = [];
for (const [label, run] of properties) {
  process.stdout.write(`${label}… `);
  const result = await run();
  console.log(`${result.requests} requests in ${(result.ms / 1000).toFixed(1)} s`);
  results.push(result);
}

const statuses = [...new Set(results.flatMap((r) => Object.keys(r.byStatus).map(Number)))].sort(
  (a, b) => a - b,
);
console.log(
  `\n${table(
    results.map((r) => ({
      property: r.property,
      requests: r.requests,
      'req/s': Math.round(r.requests / (r.ms / 1000)),
      // Not bare numbers: integer-like keys would sort before the other columns.
      ...Object.fromEntries(statuses.map((s) => [`HTTP ${s}`, r.byStatus[s] ?? 0])),
      violations: r.violations.length,
    })),
  )}`,
);

const violations = results.flatMap((r) => r.violations);
if (violations.length > 0) {
  console.log(`\n${violations.length} violations (first 20):`);
  for (const v of violations.slice(0, 20)) {
    console.log(JSON.stringify({ ...v, request: printable(v.request) }, null, 2));
  }
} else console.log('\nno violations');

client.destroy();
await runtime.close();
await dynamo.stop();
process.exitCode = violations.length > 0 ? 1 : 0;
