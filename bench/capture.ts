import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import type { TransactItem } from '../shared/adapters/aws/dynamo-helpers.ts';
import { documentClient } from '../shared/adapters/aws/dynamo-order-repository.ts';
import { captureTransactionBuilder, describeTransaction } from './lib/capture-transaction.ts';
import { ownCpuMs, processCpuMs } from './lib/cpu.ts';
import { percentile, progress, table } from './lib/stats.ts';

/**
 * bench:capture — sustained POST /orders against the local runtime (real HTTP, Lambda sandboxes,
 * DynamoDB Local), against its limit: the same run also sends the very TransactWriteItems the API
 * writes per order straight to the same DynamoDB Local table at the same concurrency ("raw"), and
 * prints API/raw. Phases alternate raw/API (ABBA) so load from other processes hits both alike.
 * Per path it prints CPU per order by process/thread and, for the API, where a request's time goes.
 * A warm-up (both paths, unmeasured) first lets the JVM and every sandbox's V8 compile their hot code.
 * Usage: npm run bench:capture -- --seconds 10 --concurrency 1,8,32 --rounds 2 --warmup 5
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1,8,32' },
    rounds: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '5' },
    seed: { type: 'string', default: '42' },
  },
});
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);
const rounds = Math.max(1, Number(values.rounds));

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

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = load();
const dynamo = await startDynamoDbLocal();
const runtime = await startLocalRuntime({
  dynamoEndpoint: dynamo.endpoint,
  port: 0,
  namePrefix: `bench${Date.now()}-`,
  maxEnvironmentsPerFunction: Math.max(...levels),
  logLevel: 'WARN',
});
const key = runtime.keyFor('web');
const createOrder = runtime.lambda.functions.find((f) => f.entry.endsWith('create-order.ts'))!.name;
await runtime.lambda.warm(createOrder, Math.max(...levels));
const tableName = runtime.tables.find((t) => t.logicalId.startsWith('DataOrdersTable'))!.tableName;

// The raw path: the SDK client the handler uses (document client over DynamoDBClient, same retries),
// in this process, on the same DynamoDB Local and table.
const raw = documentClient(
  new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  }),
);
const buildTransaction = captureTransactionBuilder(tableName, 'web');

let counter = 0;
type Outcome = 'ok' | string;

interface PhaseResult {
  orders: number;
  elapsedS: number;
  latencies: number[];
  errors: Map<string, number>;
  cpu: { mainThread: number; otherThreads: number; sandboxes: number; dynamoDbLocal: number | undefined };
  /** API only: summed ms of the gateway's handling, the Lambda invocation, and the handler itself. */
  spans?: { gateway: number; invoke: number; handler: number; invocations: number };
}

async function snapshot() {
  const stats = runtime.lambda.stats.get(createOrder)!;
  return {
    own: ownCpuMs(),
    sandboxes: await runtime.lambda.cpuTimeMs(createOrder),
    jvm: processCpuMs(dynamo.pid),
    invocations: stats.invocations,
    invoke: stats.totalDurationMs,
    handler: stats.handlerDurationMs,
  };
}

async function phase(
  label: string,
  concurrency: number,
  durationS: number,
  send: (i: number) => Promise<Outcome>,
): Promise<PhaseResult> {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  runtime.api.requestLog.length = 0;
  const before = await snapshot();
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const ticker = setInterval(() => {
    const done = Math.min(durationS, Math.round((performance.now() - started) / 1000));
    progress(label, done, durationS, `${latencies.length} orders`);
  }, 1000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = counter++;
        const t0 = performance.now();
        let outcome: Outcome;
        try {
          outcome = await send(i);
        } catch (error) {
          outcome = (error as Error).name;
        }
        if (outcome === 'ok') latencies.push(performance.now() - t0);
        else errors.set(outcome, (errors.get(outcome) ?? 0) + 1);
      }
    }),
  );
  clearInterval(ticker);
  const elapsedS = (performance.now() - started) / 1000;
  const after = await snapshot();
  const mainThread = after.own.mainThread - before.own.mainThread;
  const sandboxes = after.sandboxes - before.sandboxes;
  return {
    orders: latencies.length,
    elapsedS,
    latencies,
    errors,
    cpu: {
      mainThread,
      sandboxes,
      otherThreads: after.own.process - before.own.process - mainThread - sandboxes,
      dynamoDbLocal: after.jvm === undefined || before.jvm === undefined ? undefined : after.jvm - before.jvm,
    },
    ...(after.invocations > before.invocations && {
      spans: {
        gateway: runtime.api.requestLog.reduce((sum, r) => sum + r.durationMs, 0),
        invoke: after.invoke - before.invoke,
        handler: after.handler - before.handler,
        invocations: after.invocations - before.invocations,
      },
    }),
  };
}

async function sendApi(i: number): Promise<Outcome> {
  const response = await fetch(`${runtime.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'Content-Type': 'application/json', 'Idempotency-Key': `bench-${i}` },
    body: JSON.stringify(randomOrder(i)),
  });
  await response.arrayBuffer();
  return response.status === 201 ? 'ok' : String(response.status);
}

// Raw transactions are built before their phase (by the real use case, see capture-transaction.ts),
// so the raw phase times the DynamoDB call alone; a phase that outruns the pool builds inline.
let pool: TransactItem[][] = [];
let sample: TransactItem[] | undefined;
const itemBytes: number[] = [];
async function nextTransaction(i: number): Promise<TransactItem[]> {
  const items = pool.pop() ?? (await buildTransaction(randomOrder(i), `bench-raw-${i}`));
  sample ??= items;
  if (itemBytes.length < 2000) itemBytes.push(Buffer.byteLength(JSON.stringify(items)));
  return items;
}
async function fillPool(size: number): Promise<void> {
  pool = [];
  for (let n = 0; n < size; n++)
    pool.push(await buildTransaction(randomOrder(counter), `bench-raw-${counter++}`));
}
async function sendRaw(i: number): Promise<Outcome> {
  await raw.send(new TransactWriteCommand({ TransactItems: await nextTransaction(i) }));
  return 'ok';
}

type Totals = Omit<PhaseResult, 'elapsedS'> & { elapsedS: number };
function merge(into: Totals | undefined, r: PhaseResult): Totals {
  if (!into)
    return { ...r, errors: new Map(r.errors), cpu: { ...r.cpu }, ...(r.spans && { spans: { ...r.spans } }) };
  into.orders += r.orders;
  into.elapsedS += r.elapsedS;
  into.latencies.push(...r.latencies);
  for (const [k, v] of r.errors) into.errors.set(k, (into.errors.get(k) ?? 0) + v);
  into.cpu.mainThread += r.cpu.mainThread;
  into.cpu.otherThreads += r.cpu.otherThreads;
  into.cpu.sandboxes += r.cpu.sandboxes;
  into.cpu.dynamoDbLocal =
    into.cpu.dynamoDbLocal === undefined || r.cpu.dynamoDbLocal === undefined
      ? undefined
      : into.cpu.dynamoDbLocal + r.cpu.dynamoDbLocal;
  if (r.spans) {
    into.spans ??= { gateway: 0, invoke: 0, handler: 0, invocations: 0 };
    into.spans.gateway += r.spans.gateway;
    into.spans.invoke += r.spans.invoke;
    into.spans.handler += r.spans.handler;
    into.spans.invocations += r.spans.invocations;
  }
  return into;
}

const warmupS = Number(values.warmup);
if (warmupS > 0) {
  const concurrency = Math.max(...levels);
  await fillPool(Math.ceil(warmupS * 400));
  await phase(`warm-up raw c=${concurrency}`, concurrency, warmupS, sendRaw);
  await phase(`warm-up API c=${concurrency}`, concurrency, warmupS, sendApi);
}

const throughput: Record<string, string | number>[] = [];
const cpuRows: Record<string, string | number>[] = [];
const spanRows: Record<string, string | number>[] = [];
const ratios: string[] = [];
for (const concurrency of levels) {
  let apiTotals: Totals | undefined;
  let rawTotals: Totals | undefined;
  const slice = seconds / rounds;
  for (let round = 0; round < rounds; round++) {
    // ABBA: raw, API, API, raw, … so drift in the machine's load falls on both paths alike.
    for (const path of round % 2 === 0 ? (['raw', 'api'] as const) : (['api', 'raw'] as const)) {
      const label = `c=${String(concurrency).padStart(3)} ${path.padEnd(3)} ${round + 1}/${rounds}`;
      if (path === 'raw') {
        await fillPool(Math.ceil(slice * 400));
        rawTotals = merge(rawTotals, await phase(label, concurrency, slice, sendRaw));
      } else {
        apiTotals = merge(apiTotals, await phase(label, concurrency, slice, sendApi));
      }
    }
  }
  for (const [path, t] of [
    ['raw', rawTotals!],
    ['API', apiTotals!],
  ] as const) {
    throughput.push({
      concurrency,
      path,
      orders: t.orders,
      'orders/s': t.orders / t.elapsedS,
      'p50 ms': percentile(t.latencies, 50),
      'p95 ms': percentile(t.latencies, 95),
      'p99 ms': percentile(t.latencies, 99),
      errors: [...t.errors].map(([k, v]) => `${k}:${v}`).join(' ') || '0',
    });
    const per = (ms: number | undefined) => (ms === undefined ? 'n/a' : ms / Math.max(1, t.orders));
    const total = t.cpu.mainThread + t.cpu.otherThreads + t.cpu.sandboxes + (t.cpu.dynamoDbLocal ?? 0);
    cpuRows.push({
      concurrency,
      path,
      'main thread': per(t.cpu.mainThread),
      'Lambda sandboxes': per(t.cpu.sandboxes),
      'other node threads': per(t.cpu.otherThreads),
      'DynamoDB Local': per(t.cpu.dynamoDbLocal),
      total: per(total),
    });
    if (t.spans) {
      const n = Math.max(1, t.spans.invocations);
      const client = t.latencies.reduce((a, b) => a + b, 0) / Math.max(1, t.latencies.length);
      const rawMean =
        rawTotals!.latencies.reduce((a, b) => a + b, 0) / Math.max(1, rawTotals!.latencies.length);
      spanRows.push({
        concurrency,
        'client round trip': client,
        'HTTP + gateway': client - t.spans.invoke / n,
        'hand-off to/from sandbox': (t.spans.invoke - t.spans.handler) / n,
        'handler (Duration)': t.spans.handler / n,
        'raw transaction (same c)': rawMean,
      });
    }
  }
  const apiRate = apiTotals!.orders / apiTotals!.elapsedS;
  const rawRate = rawTotals!.orders / rawTotals!.elapsedS;
  ratios.push(
    `c=${concurrency}: API ${apiRate.toFixed(1)} orders/s / raw ${rawRate.toFixed(1)} orders/s = ${(apiRate / rawRate).toFixed(2)}`,
  );
}

const meanBytes = itemBytes.reduce((a, b) => a + b, 0) / Math.max(1, itemBytes.length);
console.log(
  `\nPOST /orders vs raw TransactWriteItems, ${seconds}s per path per level in ${rounds} alternating rounds, local runtime (worker-thread Lambdas + DynamoDB Local), ${new Date().toISOString()}`,
);
console.log(
  `raw = per order one TransactWriteItems of ${sample ? describeTransaction(sample) : '?'} (the order item embeds its lines; mean request ${(meanBytes / 1024).toFixed(1)} KB as JSON), built by the place-order use case and the adapter's createOrderTransaction, sent by the same SDK document client to the same table; the API writes exactly this, once per order, and reads nothing.`,
);
console.log(`load average (1/5/15 min): ${loadAtStart} at start, ${load()} at end\n`);
console.log(table(throughput));
console.log(`\nAPI/raw: ${ratios.join('; ')}`);
console.log(
  '\nCPU ms per order (main thread = bench client + gateway emulation + hand-off; other = GC/libuv):',
);
console.log(table(cpuRows));
console.log(
  '\nAPI request, mean ms (HTTP + gateway = round trip − Lambda invoke; Duration measured in the sandbox):',
);
console.log(table(spanRows));
console.log(
  '\nNote: usage-plan throttles (web: 200 rps, burst 400) apply as on AWS; 429s above them are expected and counted as errors.',
);
raw.destroy();
await runtime.close();
await dynamo.stop();
