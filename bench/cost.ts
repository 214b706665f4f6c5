import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startWebhookReceiver } from '../examples/partner-webhook-receiver/receiver.ts';
import { seedDemoInventory } from '../local/demo/demo-inventory.ts';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import type { BusEvent } from '../local/eventbridge/local-bus.ts';
import { LocalEventBus } from '../local/eventbridge/local-bus.ts';
import { startLocalRuntime } from '../local/runtime.ts';
import { LocalQueue } from '../local/sqs/local-queue.ts';
import type { HistoryEvent } from '../local/stepfunctions/execution-store.ts';
import { synthesizeStack } from '../local/template/synthesize.ts';
import { readTemplateFile } from '../local/template/template.ts';
import { withoutThrottling } from '../test/support/fuzz-api.ts';
import { PRICES, PRICES_AS_OF, PRICES_REGION } from './lib/prices.ts';

/**
 * bench:cost — cost per 1,000 orders, from real local executions of each order path (happy path,
 * split, backorder, drop-ship, return by mail with refund) through the runtime built from the
 * synthesized template. Counted per order: API Gateway requests, Lambda invocations and GB-seconds
 * (template memory × billed duration — LOCAL durations, worker threads on this machine, not Lambda's),
 * Step Functions Standard state transitions (StateEntered events + task retries, as AWS bills),
 * DynamoDB read/write request units (a counting proxy adds ReturnConsumedCapacity: TOTAL to every
 * request and sums ConsumedCapacity; failed conditional writes are counted at 1 WRU each since
 * DynamoDB bills them but returns no ConsumedCapacity), EventBridge events published and API
 * destination invocations, SQS requests (send/receive/delete), CloudWatch Logs bytes (function log
 * lines + ~260 B of START/END/REPORT per invocation). Prices: bench/lib/prices.ts (check them).
 * Config: test/fixtures/fulfilment.config.json (a partner webhook and a 60 s backorder deadline).
 * Usage: npm run bench:cost -- [--orders 20] [--concurrency 4] [--scenarios happy,split,...]
 *   [--template cdk.out/Quartermaster.template.json]
 */
const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    scenarios: { type: 'string', default: 'happy,split,backorder,dropship,return' },
    template: { type: 'string' },
    /** Also prints DynamoDB units by operation and table. */
    verbose: { type: 'boolean', default: false },
  },
});
const N = Number(values.orders);
const CONCURRENCY = Number(values.concurrency);
const TIME_SCALE = 0.0002; // a 1-day heartbeat is ~17 s, the 60 s backorder deadline 12 ms
const PLATFORM_LOG_BYTES = 260;

// ---------- counters ----------
const counters = {
  rru: 0,
  wru: 0,
  dynamoRequests: 0,
  conditionalFailures: 0,
  noCapacity: 0,
  events: 0,
  apiDestinations: 0,
  sqs: 0,
  logBytes: 0,
};

// SQS requests: every send, every non-empty receive, every delete (an ESM's empty long polls are a
// fixed cost per queue, not per order).
const origSend = LocalQueue.prototype.send;
LocalQueue.prototype.send = function (this: LocalQueue, ...args: Parameters<LocalQueue['send']>) {
  counters.sqs++;
  return origSend.apply(this, args);
};
const origReceive = LocalQueue.prototype.receive;
LocalQueue.prototype.receive = function (this: LocalQueue, max: number) {
  const out = origReceive.call(this, max);
  if (out.length) counters.sqs++;
  return out;
};
const origDelete = LocalQueue.prototype.delete;
LocalQueue.prototype.delete = function (this: LocalQueue, id: string) {
  counters.sqs++;
  return origDelete.call(this, id);
};
const origPut = LocalEventBus.prototype.putEvents;
LocalEventBus.prototype.putEvents = function (this: LocalEventBus, entries) {
  const out = origPut.call(this, entries);
  counters.events += out.filter((r) => r.EventId).length;
  return out;
};

// ---------- DynamoDB counting proxy ----------
const CAPACITY_OPS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const READ_OPS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
let counting = false;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}
/** Units by `operation table` (--verbose), over every counted scenario. */
const byOperation = new Map<string, { requests: number; rru: number; wru: number }>();
function addCapacity(
  op: string,
  consumed: (Capacity & { TableName?: string }) | Capacity[] | undefined,
): boolean {
  if (!consumed) return false;
  for (const c of (Array.isArray(consumed) ? consumed : [consumed]) as (Capacity & {
    TableName?: string;
  })[]) {
    let rru = 0;
    let wru = 0;
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      rru = c.ReadCapacityUnits ?? 0;
      wru = c.WriteCapacityUnits ?? 0;
    } else if (READ_OPS.has(op)) rru = c.CapacityUnits ?? 0;
    else wru = c.CapacityUnits ?? 0;
    counters.rru += rru;
    counters.wru += wru;
    const key = `${op} ${String(c.TableName ?? '?').replace(/^cost\d+-/, '')}`;
    const entry = byOperation.get(key) ?? { requests: 0, rru: 0, wru: 0 };
    entry.requests++;
    entry.rru += rru;
    entry.wru += wru;
    byOperation.set(key, entry);
  }
  return true;
}

async function startCountingProxy(endpoint: string) {
  const target = new URL(endpoint);
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      const op = amzTarget.startsWith('DynamoDB_20120810.') ? amzTarget.slice(18) : '';
      let body = raw;
      const count = counting && CAPACITY_OPS.has(op);
      if (count) {
        try {
          const parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
          if (parsed.ReturnConsumedCapacity === undefined || parsed.ReturnConsumedCapacity === 'NONE')
            parsed.ReturnConsumedCapacity = 'TOTAL';
          body = Buffer.from(JSON.stringify(parsed));
        } catch {
          // leave it
        }
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url ?? '/', headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            const out = Buffer.concat(chunks);
            if (count) {
              counters.dynamoRequests++;
              try {
                const parsed = JSON.parse(out.toString('utf8')) as {
                  ConsumedCapacity?: Capacity | Capacity[];
                  __type?: string;
                };
                if (parsed.__type?.includes('ConditionalCheckFailed')) {
                  counters.conditionalFailures++;
                  counters.wru += 1;
                } else if (parsed.__type?.includes('TransactionCanceled')) {
                  counters.conditionalFailures++;
                  counters.wru += 2;
                } else if (!addCapacity(op, parsed.ConsumedCapacity)) counters.noCapacity++;
              } catch {
                counters.noCapacity++;
              }
            }
            res.writeHead(response.statusCode ?? 502, response.headers);
            res.end(out);
          });
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(`counting proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------- runtime ----------
const t0 = performance.now();
const dynamo = await startDynamoDbLocal();
const proxy = await startCountingProxy(dynamo.endpoint);
const EAST_SECRET = `whsec_${Buffer.from('local-secret-east-wms').toString('base64')}`;
const eastWms = await startWebhookReceiver({ secret: EAST_SECRET });
const stack = withoutThrottling(
  values.template
    ? readTemplateFile(values.template)
    : synthesizeStack({ configFile: 'test/fixtures/fulfilment.config.json' }),
);
const runtime = await startLocalRuntime({
  dynamoEndpoint: proxy.url,
  port: 0,
  namePrefix: `cost${Date.now()}-`,
  stack,
  maxEnvironmentsPerFunction: CONCURRENCY,
  logSink: (_fn, _stream, line) => {
    if (counting) counters.logBytes += Buffer.byteLength(line) + 1;
  },
  eventFanout: {
    partners: { 'east-wms': { url: eastWms.url, secret: EAST_SECRET } },
    visibilityTimeoutMs: 200,
    pollIntervalMs: 50,
  },
  stepFunctions: { timeScale: TIME_SCALE },
});
const fanout = runtime.fanout!;
for (const bus of fanout.buses)
  for (const rule of bus.rules)
    for (const t of rule.targets) {
      if (!t.arn.includes(':api-destination/')) continue;
      const deliver = t.delivery.deliver.bind(t.delivery);
      t.delivery.deliver = (input, event) => {
        if (counting) counters.apiDestinations++;
        return deliver(input, event);
      };
    }

const api = runtime.apiUrl;
const keyFor = (c: string) => runtime.keyFor(c);
async function call(channel: string, method: string, path: string, body?: unknown, idem?: string) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      'x-api-key': keyFor(channel),
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
async function must(channel: string, method: string, path: string, body?: unknown, idem?: string) {
  const r = await call(channel, method, path, body, idem);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

await seedDemoInventory(api, keyFor);
for (const [sku, loc] of [
  ['TSHIRT-BLK-M', 'dc-newark'],
  ['MUG-WHT', 'dc-newark'],
  ['HOODIE-GRY-L', 'dc-reno'],
  ['DESK-OAK', 'vendor-acme'],
] as const)
  await must('wms', 'PUT', `/inventory/${sku}/${loc}`, { onHand: 100_000, sequence: 1000 });

const machines = runtime.stepFunctions.listStateMachines();
const machineArn = (suffix: string) => {
  const m = machines.find((x) => x.name.endsWith(suffix));
  if (!m) throw new Error(`no ${suffix} state machine`);
  return m.stateMachineArn;
};
const FULFILMENT = machineArn('-OrderFulfilment');
const RETURNS = machineArn('-Returns');
const execArn = (machine: string, name: string) =>
  `${machine.replace(':stateMachine:', ':execution:')}:${name}`;

const PARTNER_BY_LOCATION: Record<string, string> = {
  'dc-newark': 'partner-east',
  'store-nyc-soho': 'partner-east',
  'dc-reno': 'partner-west',
  'vendor-acme': 'partner-west',
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}
// Index of bus events by order id (the archives keep every event).
const seenEvents = new Map<string, { type: string; data: Record<string, unknown> }[]>();
let archiveCursor = 0;
function eventsOf(orderId: string, type: string) {
  const all: BusEvent[] = fanout.buses.flatMap((b) => b.archives.flatMap((a) => a.events));
  for (; archiveCursor < all.length; archiveCursor++) {
    const d = all[archiveCursor]!.detail as { type: string; orderId?: string; data: Record<string, unknown> };
    if (!d.orderId) continue;
    const list = seenEvents.get(d.orderId) ?? [];
    list.push(d);
    seenEvents.set(d.orderId, list);
  }
  // archives may hold the same events in several archives; callers take the first
  return (seenEvents.get(orderId) ?? []).filter((d) => d.type === type);
}

interface Requested {
  shipmentId: string;
  locationId: string;
}
let seq = 0;
const address = {
  name: 'Cost Customer',
  line1: '12 Analytical St',
  city: 'Brooklyn',
  region: 'NY',
  postalCode: '11201',
  country: 'US',
  geo: { lat: 40.69, lon: -73.99 },
};
async function placeOrder(lines: { sku: string; quantity: number; unitPrice: number }[]) {
  const body = await must(
    'web',
    'POST',
    '/orders',
    {
      customer: { customerId: `cost-${seq}`, email: `c${seq}@example.com` },
      currency: 'USD',
      lines,
      delivery: { method: 'ship', address },
    },
    `cost-${Date.now()}-${seq++}`,
  );
  return String(body.orderId);
}
const report = (s: Requested, body: Record<string, unknown>) =>
  must(PARTNER_BY_LOCATION[s.locationId] ?? 'ops', 'POST', `/fulfillments/${s.shipmentId}/events`, {
    eventId: `${s.shipmentId}-${String(body.type)}`,
    ...body,
  });
const ship = (s: Requested) =>
  report(s, { type: 'shipped', tracking: { carrier: 'ups', trackingNumber: `1Z${seq++}` } });
const shipmentsOf = (orderId: string, count: number) =>
  until(`${count} ShipmentRequested for ${orderId}`, () => {
    const r = eventsOf(orderId, 'ShipmentRequested').map((d) => d.data as unknown as Requested);
    const unique = [...new Map(r.map((s) => [s.shipmentId, s])).values()];
    return unique.length >= count ? unique : undefined;
  });
async function finished(machine: string, name: string) {
  const arn = execArn(machine, name);
  await until(`execution ${name}`, async () =>
    (await runtime.stepFunctions.listExecutions({ stateMachineArn: machine })).executions.find(
      (e) => e.executionArn === arn,
    ),
  );
  const record = await runtime.stepFunctions.waitForExecution(arn);
  if (record.status !== 'SUCCEEDED') throw new Error(`${name}: ${record.status} ${record.error ?? ''}`);
  return arn;
}

/** Each scenario returns the executions it caused. */
type Scenario = () => Promise<string[]>;
const scenarios: Record<string, { label: string; run: Scenario }> = {
  happy: {
    label: 'Happy path (1 shipment)',
    run: async () => {
      const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }]);
      const [s] = await shipmentsOf(orderId, 1);
      await report(s!, { type: 'accepted' });
      await ship(s!);
      return [await finished(FULFILMENT, orderId)];
    },
  },
  split: {
    label: 'Split (2 locations)',
    run: async () => {
      const orderId = await placeOrder([
        { sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 },
        { sku: 'HOODIE-GRY-L', quantity: 3, unitPrice: 4999 },
      ]);
      for (const s of await shipmentsOf(orderId, 2)) {
        await report(s, { type: 'accepted' });
        await ship(s);
      }
      return [await finished(FULFILMENT, orderId)];
    },
  },
  backorder: {
    label: 'Partial backorder (deadline)',
    run: async () => {
      const orderId = await placeOrder([
        { sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 },
        { sku: 'POSTER-XL', quantity: 2, unitPrice: 1500 },
      ]);
      const [s] = await shipmentsOf(orderId, 1);
      await report(s!, { type: 'accepted' });
      await ship(s!);
      return [await finished(FULFILMENT, orderId)];
    },
  },
  dropship: {
    label: 'Drop-ship (vendor PO)',
    run: async () => {
      const orderId = await placeOrder([{ sku: 'DESK-OAK', quantity: 1, unitPrice: 29900 }]);
      const po = await until('DropShipRequested', () => {
        const d = eventsOf(orderId, 'DropShipRequested')[0]?.data as
          | { purchaseOrderId: string; vendorId: string }
          | undefined;
        return d ? { shipmentId: d.purchaseOrderId, locationId: d.vendorId } : undefined;
      });
      await report(po, { type: 'accepted' });
      await ship(po);
      return [await finished(FULFILMENT, orderId)];
    },
  },
  return: {
    label: 'Return by mail + refund',
    run: async () => {
      const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 }]);
      const [s] = await shipmentsOf(orderId, 1);
      await report(s!, { type: 'accepted' });
      await ship(s!);
      const fulfilment = await finished(FULFILMENT, orderId);
      const created = await must(
        'web',
        'POST',
        `/orders/${orderId}/returns`,
        {
          method: 'mail',
          returnLocationId: 'dc-newark',
          lines: [{ lineId: '1', quantity: 2, reason: 'wrong-size' }],
        },
        `cost-rma-${seq++}`,
      );
      const rmaId = String(created.rmaId);
      const arn = execArn(RETURNS, rmaId);
      await until('the returns execution waiting for receipt', async () => {
        try {
          const { events } = await runtime.stepFunctions.getExecutionHistory({ executionArn: arn });
          return events.some((e) => e.type === 'TaskSubmitted') ? true : undefined;
        } catch {
          return undefined;
        }
      });
      await must('partner-east', 'POST', `/returns/${rmaId}/events`, {
        type: 'received',
        eventId: `${rmaId}-received`,
        lines: [{ lineId: '1', quantity: 2, disposition: 'restock' }],
      });
      // Waits on the bus, not by polling the API (polls would count as API requests).
      await until('RefundRequested', () => eventsOf(orderId, 'RefundRequested')[0]);
      await must('ops', 'POST', `/returns/${rmaId}/events`, {
        type: 'refund-issued',
        eventId: `${rmaId}-refund`,
        providerReference: `re_${seq++}`,
      });
      return [fulfilment, await finished(RETURNS, rmaId)];
    },
  },
};

// ---------- Step Functions: transitions and the synchronous prefix ----------
interface SfnCount {
  transitions: number;
  /** Transitions before the first wait (callback task or Wait state): the synchronous part. */
  syncTransitions: number;
  syncMs: number;
}
function countHistory(events: HistoryEvent[]): SfnCount {
  let transitions = 0;
  let taskEntries = 0;
  let scheduled = 0;
  let syncTransitions = 0;
  let syncMs: number | undefined;
  const start = events[0]?.timestamp.getTime() ?? 0;
  for (const e of events) {
    if (e.type.endsWith('StateEntered')) {
      transitions++;
      if (e.type === 'TaskStateEntered') taskEntries++;
      if (syncMs === undefined && e.type === 'WaitStateEntered') syncMs = e.timestamp.getTime() - start;
      if (syncMs === undefined) syncTransitions++;
    }
    if (e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled') {
      scheduled++;
      const d = (e.taskScheduledEventDetails ?? {}) as { resource?: string };
      if (syncMs === undefined && String(d.resource ?? '').includes('waitForTaskToken'))
        syncMs = e.timestamp.getTime() - start;
    }
  }
  // A retry re-schedules the task without entering the state again; AWS bills it as a transition.
  transitions += Math.max(0, scheduled - taskEntries);
  return { transitions, syncTransitions, syncMs: syncMs ?? events.at(-1)!.timestamp.getTime() - start };
}

// ---------- measuring ----------
function lambdaTotals() {
  let invocations = 0;
  let gbSeconds = 0;
  for (const fn of runtime.lambda.functions) {
    const s = runtime.lambda.stats.get(fn.name);
    if (!s) continue;
    invocations += s.invocations;
    gbSeconds += (fn.memorySize / 1024) * (s.billedDurationMs / 1000);
  }
  return { invocations, gbSeconds };
}
function snapshot() {
  return {
    ...counters,
    ...lambdaTotals(),
    api: runtime.api.requestLog.length,
    webhooks: eastWms.attempts.length,
  };
}
type Snapshot = ReturnType<typeof snapshot>;
const diff = (a: Snapshot, b: Snapshot) =>
  Object.fromEntries(
    Object.keys(b).map((k) => [k, b[k as keyof Snapshot] - a[k as keyof Snapshot]]),
  ) as Snapshot;

/** Waits until no function runs and no counter moves for `quietMs` (trailing outbox/fan-out work). */
async function settle(quietMs = 600) {
  let last = JSON.stringify(snapshot());
  let since = Date.now();
  const started = Date.now();
  while (Date.now() - since < quietMs && Date.now() - started < 15_000) {
    await new Promise((r) => setTimeout(r, 100));
    const now = JSON.stringify(snapshot());
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

// Warm up (one order of each kind, not counted), so cold starts do not skew durations.
const chosen = values.scenarios.split(',').map((s) => s.trim());
for (const name of chosen) if (!scenarios[name]) throw new Error(`unknown scenario ${name}`);
process.stderr.write(`bench:cost: warming up (${chosen.join(', ')})…\n`);
for (const name of chosen) await scenarios[name]!.run();
await settle();

interface Row {
  name: string;
  label: string;
  perOrder: Snapshot;
  sfn: SfnCount;
  costs: Record<string, number>;
  total: number;
  seconds: number;
}
const rows: Row[] = [];
// The API-request log is capped (it splices when it passes 10,000): keep a running count instead.
for (const name of chosen) {
  const scenario = scenarios[name]!;
  const s0 = performance.now();
  counting = true;
  const before = snapshot();
  const arns: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        next++;
        arns.push(...(await scenario.run()));
      }
    }),
  );
  await settle();
  const after = snapshot();
  counting = false;
  const d = diff(before, after);
  const perOrder = Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v / N])) as Snapshot;
  const sfn: SfnCount = { transitions: 0, syncTransitions: 0, syncMs: 0 };
  for (const arn of arns) {
    const { events } = await runtime.stepFunctions.getExecutionHistory({
      executionArn: arn,
      maxResults: 10_000,
    });
    const c = countHistory(events);
    sfn.transitions += c.transitions / N;
    // The synchronous prefix is the fulfilment's allocation part.
    if (arn.startsWith(FULFILMENT.replace(':stateMachine:', ':execution:'))) {
      sfn.syncTransitions += c.syncTransitions / N;
      sfn.syncMs += c.syncMs / N;
    }
  }
  const P = PRICES;
  const costs = {
    'API Gateway': perOrder.api * P.apiGatewayRestPerRequest,
    Lambda: perOrder.invocations * P.lambdaPerRequest + perOrder.gbSeconds * P.lambdaPerGbSecond,
    'Step Functions': sfn.transitions * P.sfnStandardPerTransition,
    DynamoDB: perOrder.wru * P.dynamoPerWriteRequestUnit + perOrder.rru * P.dynamoPerReadRequestUnit,
    EventBridge:
      perOrder.events * P.eventBridgePerEvent +
      perOrder.apiDestinations * P.eventBridgeApiDestinationPerInvocation,
    SQS: perOrder.sqs * P.sqsPerRequest,
    'CW Logs':
      ((perOrder.logBytes + perOrder.invocations * PLATFORM_LOG_BYTES) / 1024 ** 3) * P.cloudWatchLogsPerGb,
  };
  const total = Object.values(costs).reduce((a, b) => a + b, 0);
  rows.push({
    name,
    label: scenario.label,
    perOrder,
    sfn,
    costs,
    total,
    seconds: (performance.now() - s0) / 1000,
  });
  process.stderr.write(
    `  ${scenario.label}: ${N} orders in ${((performance.now() - s0) / 1000).toFixed(1)} s\n`,
  );
}

// ---------- report ----------
/** A Markdown table (pasted as is into docs/operations.md). */
function table(headers: string[], body: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (vals: string[]) =>
    `| ${vals.map((v, i) => (i ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  return [
    fmt(headers),
    `| ${widths.map((w, i) => (i ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`,
    ...body.map(fmt),
  ].join('\n');
}
const f1 = (n: number) => (Math.round(n * 10) / 10).toString();
const usd = (n: number) => `$${n.toFixed(n >= 1 ? 2 : 3)}`;
const lines: string[] = [];
const out = (s = '') => lines.push(s);
out(`Prices: ${PRICES_REGION} list prices as of ${PRICES_AS_OF} (bench/lib/prices.ts).`);
out(
  `${N} orders per scenario, concurrency ${CONCURRENCY}, template config ${values.template ?? 'test/fixtures/fulfilment.config.json'}.`,
);
out();
out('Counted per order:');
out(
  table(
    [
      'Scenario',
      'API req',
      'Lambda inv',
      'GB-s (local)',
      'SFN transitions',
      'RRU',
      'WRU',
      'Events',
      'API dest',
      'SQS req',
      'Webhooks',
      'Log KB',
    ],
    rows.map((r) => [
      r.label,
      f1(r.perOrder.api),
      f1(r.perOrder.invocations),
      r.perOrder.gbSeconds.toFixed(3),
      f1(r.sfn.transitions),
      f1(r.perOrder.rru),
      f1(r.perOrder.wru),
      f1(r.perOrder.events),
      f1(r.perOrder.apiDestinations),
      f1(r.perOrder.sqs),
      f1(r.perOrder.webhooks),
      f1((r.perOrder.logBytes + r.perOrder.invocations * PLATFORM_LOG_BYTES) / 1024),
    ]),
  ),
);
out();
out('Cost per 1,000 orders (USD), Step Functions Standard throughout:');
const services = Object.keys(rows[0]?.costs ?? {});
out(
  table(
    ['Scenario', 'SFN transitions', ...services, 'Total'],
    rows.map((r) => [
      r.label,
      f1(r.sfn.transitions),
      ...services.map((s) => usd(r.costs[s]! * 1000)),
      usd(r.total * 1000),
    ]),
  ),
);
out();
// Standard vs Express for the synchronous part (allocation up to the first wait).
out(
  'Standard vs Express for the synchronous allocation part (start → first callback/Wait), per 1,000 orders:',
);
const expressRows = rows.map((r) => {
  const standard = r.sfn.syncTransitions * PRICES.sfnStandardPerTransition;
  const ms = Math.max(PRICES.sfnExpressMinDurationMs, Math.ceil(r.sfn.syncMs / 100) * 100);
  // Express nested from the Standard parent (startExecution.sync) adds ~2 parent transitions
  // (the nested task state and its exit into the next state is already counted) — count 1.
  const express =
    PRICES.sfnExpressPerRequest +
    PRICES.sfnExpressMinMemoryGb * (ms / 1000) * PRICES.sfnExpressPerGbSecond +
    1 * PRICES.sfnStandardPerTransition;
  return { r, standard, express, ms };
});
out(
  table(
    [
      'Scenario',
      'Sync transitions',
      'Local sync ms',
      'Standard',
      'Express (+1 parent transition)',
      'Saving',
      'Order total with Express allocation',
    ],
    expressRows.map(({ r, standard, express, ms }) => [
      r.label,
      f1(r.sfn.syncTransitions),
      String(ms),
      usd(standard * 1000),
      usd(express * 1000),
      `${Math.round((1 - express / standard) * 100)}%`,
      usd((r.total - standard + express) * 1000),
    ]),
  ),
);
const avgSaving =
  expressRows.reduce((a, x) => a + (x.standard - x.express), 0) / Math.max(1, expressRows.length);
const avgTotal = rows.reduce((a, r) => a + r.total, 0) / Math.max(1, rows.length);
out(
  `Recommendation: run the synchronous allocation part as an EXPRESS child workflow (saves ~${usd(avgSaving * 1000)} per 1,000 orders, ${Math.round((avgSaving / avgTotal) * 100)}% of the total); keep STANDARD for the parts that wait (partner callbacks, backorder deadline, returns): Express cannot wait for a task token and ends after 5 minutes.`,
);
const unpriced = rows.reduce((a, r) => a + r.perOrder.noCapacity, 0);
out(
  `Caveats: Lambda GB-s use LOCAL durations (worker threads on this machine; AWS durations differ, init not billed here); DynamoDB units from DynamoDB Local's ConsumedCapacity (${f1(unpriced)} responses/order carried none), failed conditional writes counted at 1 WRU; SQS empty polls, storage, data transfer, X-Ray, CloudWatch metrics/alarms and KMS are not included.`,
);
if (values.verbose) {
  out();
  out('DynamoDB by operation and table (all counted orders):');
  out(
    table(
      ['Operation table', 'Requests', 'RRU', 'WRU'],
      [...byOperation.entries()]
        .sort((a, b) => b[1].wru + b[1].rru - a[1].wru - a[1].rru)
        .map(([k, v]) => [k, String(v.requests), f1(v.rru), f1(v.wru)]),
    ),
  );
}
const text = lines.join('\n');
console.log(text);
process.stderr.write(`bench:cost: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

await runtime.close();
await eastWms.close();
await proxy.close();
await dynamo.stop();
