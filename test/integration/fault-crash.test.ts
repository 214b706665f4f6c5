import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import type { BusEvent } from '../../local/eventbridge/local-bus.ts';
import { synthesizeStack } from '../../local/template/template.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Crash faults (issue 7, item 4): the outbox publisher fails in the middle of its batches, before
 * its handler ran (sandbox crash: nothing published) or after it ran (everything published, the
 * response lost) — Lambda then retries and bisects the batch. Many orders captured at once must all
 * reach the partner, each event id counted once, and the failures must show (function error counts,
 * the fault banner, the publisher's DLQ when retries run out).
 */
const secretOf = (name: string) => `whsec_${Buffer.from(`local-secret-${name}`).toString('base64')}`;
const WEB_SECRET = secretOf('web-analytics');
const ORDERS = 20;

let stack: TestStack;
let web: WebhookReceiver;
let seq = 0;
/** What a timed-out wait prints to explain itself (set by the test that waits). */
let diagnose: (() => Promise<unknown>) | undefined;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 45_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) {
      if (diagnose) console.error(`[diagnose] ${what}:`, await diagnose());
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ops(method: 'GET' | 'POST', path: string) {
  const response = await fetch(`${stack.runtime.url}${path}`, { method });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface QueueSummary {
  name: string;
  logicalId: string;
  depth: number;
  deadLetterQueue: boolean;
}

const publisherName = () => {
  const poller = stack.runtime.fanout!.pollers.find((p) => p.config.functionName.includes('PublishOutbox'));
  if (!poller) throw new Error('no outbox stream mapping');
  return poller.config.functionName;
};
const lambdaFaultConfig = () => stack.runtime.faults!.config.lambda!;
const archivedOrderCreated = (): BusEvent[] =>
  stack.runtime.fanout!.buses[0]!.archives[0]!.events.filter((e) => e['detail-type'] === 'OrderCreated');
const orderIdOf = (body: unknown) => (body as { orderId?: string }).orderId;

beforeAll(async () => {
  web = await startWebhookReceiver({ secret: WEB_SECRET });
  stack = await startTestStack({
    stack: synthesizeStack({ configFile: 'test/fixtures/partners.config.json' }),
    eventFanout: {
      partners: { 'web-analytics': { url: web.url, secret: WEB_SECRET } },
      visibilityTimeoutMs: 200,
      pollIntervalMs: 50,
    },
    // The publisher only: half its invocations crash, before or after the handler ran. Seed 59 draws
    // after, before, after, before for its first invocations; a crash forces the next (the retry), so
    // both crash points are hit whatever the batching.
    faults: { lambda: { rate: 0.5, functions: ['EventsPublishOutbox'], when: 'both' }, seed: 59 },
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await web?.close();
});

describe('fault injection: the outbox publisher crashes mid-batch', () => {
  test('the fault is announced loudly', () => {
    const loud = stack.runtime.warnings.filter((w) => w.startsWith('FAULT INJECTION ON'));
    expect(loud.join('\n')).toMatch(/50% of invocations of EventsPublishOutbox fail with QmInjectedFault/);
  });

  test('orders captured concurrently while the publisher keeps crashing: every OrderCreated reaches the partner, each event id counted once, nothing in the DLQ', async () => {
    const place = apiClient(stack.api, stack.runtime.keyFor('web'));
    const created = await Promise.all(
      Array.from({ length: ORDERS }, () =>
        place('POST', '/orders', demoOrder(), { idempotencyKey: `crash-${Date.now()}-${seq++}` }),
      ),
    );
    for (const r of created) expect(r.status).toBe(201);
    const orderIds = created.map((r) => orderIdOf(r.body)!);

    await until('every order at the partner', () =>
      orderIds.every((id) => web.received.some((r) => orderIdOf(r.body) === id)) ? true : undefined,
    );
    await stack.runtime.fanout!.buses[0]!.settled();
    await new Promise((r) => setTimeout(r, 500));

    // Each order's OrderCreated counted once by the receiver (it de-duplicates on the event id).
    for (const id of orderIds) {
      const received = web.received.filter((r) => orderIdOf(r.body) === id);
      expect(received, id).toHaveLength(1);
      expect(received[0]!.body).toMatchObject({ type: 'OrderCreated', orderId: id });
      // Any second POST of the same event id was answered as a duplicate, never counted.
      const attempts = web.attempts.filter((a) => a.id === received[0]!.id);
      expect(attempts.filter((a) => a.reason !== 'duplicate')).toHaveLength(1);
    }
    // Published exactly once per order on the bus: a crash after the handler ran is absorbed by
    // the publisher's idempotency (per event id) when the batch is retried.
    for (const id of orderIds) {
      expect(
        archivedOrderCreated().filter((e) => orderIdOf(e.detail) === id),
        id,
      ).toHaveLength(1);
    }

    // The crashes happened and are visible to ops: the publisher's error count, its empty DLQ.
    const stats = stack.runtime.lambda.stats.get(publisherName())!;
    expect(stats.errors).toBeGreaterThan(0);
    // Both crash points were exercised: before the handler ran, and after it had published its batch.
    const injected = stack.runtime.faults!.lambda[publisherName()]!;
    expect(injected.before).toBeGreaterThan(0);
    expect(injected.after).toBeGreaterThan(0);
    // A fault is counted when it is decided, the error when that invocation returns: let the last settle.
    await until('every injected crash counted as a publisher error', () =>
      stats.errors === injected.before + injected.after ? true : undefined,
    );
    expect(stats.errors).toBe(injected.before + injected.after);
    const queues = (await ops('GET', '/_local/queues')).body.queues as QueueSummary[];
    const dlq = queues.find((q) => q.logicalId.startsWith('EventsPublisherDlq'))!;
    expect(dlq).toMatchObject({ deadLetterQueue: true, depth: 0 });
  });

  test('a publisher down for longer than its retries: the batch description lands in the publisher DLQ (GET /_local/queues), the order is committed but unpublished; re-processing the named stream range publishes it, once', async () => {
    const faults = lambdaFaultConfig();
    faults.rate = 1;
    faults.when = 'before';
    try {
      const place = apiClient(stack.api, stack.runtime.keyFor('web'));
      const created = await place('POST', '/orders', demoOrder(), {
        idempotencyKey: `crash-down-${Date.now()}-${seq++}`,
      });
      expect(created.status).toBe(201);
      const orderId = orderIdOf(created.body)!;
      const dlq = stack.runtime.fanout!.queue('EventsPublisherDlq');
      await until('the exhausted batch in the publisher DLQ', () =>
        dlq.messages.length > 0 ? true : undefined,
      );

      const queues = (await ops('GET', '/_local/queues')).body.queues as QueueSummary[];
      expect(queues.find((q) => q.logicalId.startsWith('EventsPublisherDlq'))).toMatchObject({
        name: dlq.name,
        depth: 1,
        deadLetterQueue: true,
      });
      const peeked = await ops('GET', `/_local/queues/${encodeURIComponent(dlq.name)}/messages`);
      const [message] = peeked.body.messages as { body: string }[];
      // Lambda's on-failure record: the condition and the stream range to re-process.
      expect(JSON.parse(message!.body)).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
        responseContext: { functionError: 'QmInjectedFault' },
        DDBStreamBatchInfo: { batchSize: 1 },
      });
      // Committed (order + outbox record), not published.
      const outbox = (await stack.scanAll()).filter(
        (i) =>
          (i.entity as { S?: string } | undefined)?.S === 'OUTBOX' && JSON.stringify(i).includes(orderId),
      );
      expect(outbox.length).toBeGreaterThanOrEqual(1);
      expect(archivedOrderCreated().filter((e) => orderIdOf(e.detail) === orderId)).toHaveLength(0);
      expect(web.received.filter((r) => orderIdOf(r.body) === orderId)).toHaveLength(0);

      // No queue to move a stream on-failure record back to: the redrive leaves it, and says so.
      const redriven = await ops('POST', `/_local/queues/${encodeURIComponent(dlq.name)}/redrive`);
      expect(redriven).toMatchObject({
        status: 200,
        body: { movedToQueue: 0, redeliveredToTarget: 0, left: [expect.any(String)] },
      });
      expect(dlq.messages).toHaveLength(1);

      // Recovery once the publisher is healthy: re-process the stream range the record names (what an
      // operator does on AWS within the stream's 24 h retention). Nothing was lost: published once.
      faults.rate = 0;
      const info = (JSON.parse(message!.body) as { DDBStreamBatchInfo: { shardId: string } })
        .DDBStreamBatchInfo;
      const poller = stack.runtime.fanout!.pollers.find((p) => p.config.functionName === publisherName())!;
      expect(await poller.reprocess(info)).toBe(1);
      const delivered = await until('the re-processed OrderCreated at the partner', () =>
        web.received.find((r) => orderIdOf(r.body) === orderId),
      );
      await stack.runtime.fanout!.buses[0]!.settled();
      expect(archivedOrderCreated().filter((e) => orderIdOf(e.detail) === orderId)).toHaveLength(1);
      expect(web.attempts.filter((a) => a.id === delivered.id)).toHaveLength(1);
      // Re-processing it again publishes nothing new (idempotent on the event id).
      expect(await poller.reprocess(info)).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(archivedOrderCreated().filter((e) => orderIdOf(e.detail) === orderId)).toHaveLength(1);
    } finally {
      faults.rate = 0.5;
      faults.when = 'both';
    }
  }, 60_000);
});

/**
 * The process is killed while a fulfilment execution waits for its partner, then started again on
 * the same tables and execution store. AWS would keep the execution running; aws-local-stepfunctions
 * cannot resume one, so the new runtime marks it ABORTED (Local.RuntimeRestarted) and says loudly which
 * orders need ops: the order stays RELEASED with its reservations until it is cancelled or re-placed.
 * The kill is simulated by starting the second runtime on a copy of the store taken while the
 * execution ran (what a SIGKILL leaves on disk); a graceful close (Local.RuntimeStopped) is shown too.
 */
describe('fault injection: the process is killed during an execution and restarted', () => {
  const EAST_SECRET = `whsec_${Buffer.from('local-secret-east-wms').toString('base64')}`;
  const prefix = `tcrash${randomUUID().slice(0, 6)}-`;
  const dirs: string[] = [];
  let first: TestStack | undefined;
  let second: TestStack | undefined;
  let eastWms: WebhookReceiver;
  let template: ReturnType<typeof synthesizeStack>;

  // Three runtimes on the same tables (prefix) and the same synthesized template (synthesized once).
  const start = (storeDirectory: string) =>
    startTestStack({
      stack: structuredClone(template),
      namePrefix: prefix,
      eventFanout: {
        partners: { 'east-wms': { url: eastWms.url, secret: EAST_SECRET } },
        visibilityTimeoutMs: 200,
        pollIntervalMs: 50,
      },
      // A 1-day heartbeat is ~86 s: the execution is still waiting when the process dies.
      stepFunctions: { timeScale: 0.001, storeDirectory },
    });

  beforeAll(async () => {
    eastWms = await startWebhookReceiver({ secret: EAST_SECRET });
    template = synthesizeStack({ configFile: 'test/fixtures/fulfilment.config.json' });
  }, 60_000);
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await eastWms?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the waiting execution is reported ABORTED (Local.RuntimeRestarted) by name, loudly; the order keeps its reservations, visibly, until ops cancel it', async () => {
    const store = mkdtempSync(join(tmpdir(), 'qm-crash-store-'));
    const killedStore = mkdtempSync(join(tmpdir(), 'qm-crash-killed-'));
    dirs.push(store, killedStore);
    first = await start(store);
    expect(first.runtime.interruptedExecutions).toEqual([]);
    await seedDemoInventory(first.api, (channel) => first!.runtime.keyFor(channel));
    const web = apiClient(first.api, first.runtime.keyFor('web'));
    const created = await web(
      'POST',
      '/orders',
      demoOrder({ lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 }] }),
      {
        idempotencyKey: `crash-kill-${Date.now()}`,
      },
    );
    expect(created.status).toBe(201);
    const orderId = orderIdOf(created.body)!;
    diagnose = async () => ({
      received: eastWms.received.map((r) => (r.body as { type?: string }).type),
      execution: first?.runtime.stepFunctions.executions
        .list({})
        .filter((e) => e.name === orderId)
        .map((e) => ({ status: e.status, error: e.error, cause: e.cause })),
      order: (await apiClient(first!.api, first!.runtime.keyFor('ops'))('GET', `/orders/${orderId}`)).body,
      queues: JSON.stringify(
        (
          (await (await fetch(`${first!.runtime.url}/_local/queues`)).json()) as { queues: QueueSummary[] }
        ).queues.map((q) => `${q.name}:${q.depth}`),
      ),
      pollers: first!.runtime.fanout?.pollers.map(
        (p) => `${p.config.functionName}: ${p.delivered.length} delivered`,
      ),
      lambda: JSON.stringify(
        Object.fromEntries(
          [...first!.runtime.lambda.stats.entries()]
            .filter(([name]) => /Publish|Start/.test(name))
            .map(([name, s]) => [name, { invocations: s.invocations, errors: s.errors }]),
        ),
      ),
      archived: first!.runtime.fanout?.buses[0]?.archives[0]?.events
        .filter((e) => (e.detail as { orderId?: string }).orderId === orderId)
        .map((e) => e['detail-type']),
    });
    const shipment = await until(`ShipmentRequested at the east WMS (${orderId})`, () =>
      eastWms.received
        .map(
          (r) =>
            r.body as { type?: string; orderId?: string; data?: { shipmentId: string; locationId: string } },
        )
        .find((b) => b.orderId === orderId && b.type === 'ShipmentRequested'),
    );
    const machine = first.runtime.stepFunctions
      .listStateMachines()
      .find((m) => m.name.endsWith('-OrderFulfilment'))!;
    const executionArn = `${machine.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
    expect(first.runtime.stepFunctions.executions.get(executionArn)?.status).toBe('RUNNING');
    const reservedBefore = await reservedAt(first, 'TSHIRT-BLK-M', shipment.data!.locationId);

    // SIGKILL: the disk keeps what was written while the execution ran.
    cpSync(store, killedStore, { recursive: true });
    await first.close();
    first = undefined;
    // A graceful close aborts it too (the runtime cannot keep it), with its own error.
    second = await start(store);
    expect(second.runtime.interruptedExecutions).toEqual([
      expect.objectContaining({ name: orderId, error: 'Local.RuntimeStopped' }),
    ]);
    await second.close();
    second = undefined;

    second = await start(killedStore);
    const runtime = second.runtime;
    // Loud: the startup warning names the order and what to do.
    expect(runtime.interruptedExecutions).toEqual([
      expect.objectContaining({ executionArn, name: orderId, error: 'Local.RuntimeRestarted' }),
    ]);
    const warning = runtime.warnings.find((w) => w.includes('AWS would have kept them running'));
    expect(warning).toContain(`${machine.name}/${orderId} (killed)`);
    expect(warning).toContain(`POST /orders/{orderId}/cancel`);
    // The execution's record says what happened (DescribeExecution / history / the ops API).
    expect(runtime.stepFunctions.executions.get(executionArn)).toMatchObject({
      status: 'ABORTED',
      error: 'Local.RuntimeRestarted',
    });
    const opsApi = apiClient(second.api, runtime.keyFor('ops'));
    const viewed = await opsApi('GET', `/ops/executions/${orderId}`);
    expect(viewed.status).toBe(200);
    expect(viewed.body).toMatchObject({ name: orderId, status: 'ABORTED' });

    // The order is where the workflow left it, its stock still reserved: visible, not lost.
    const order = await opsApi('GET', `/orders/${orderId}`);
    expect(order.body).toMatchObject({ status: 'RELEASED' });
    expect(await reservedAt(second, 'TSHIRT-BLK-M', shipment.data!.locationId)).toBe(reservedBefore);

    // The partner's callback finds no waiting execution. Today it is still answered 200 (the shipment
    // records ACCEPTED; the heartbeat's 'gone' is ignored), so only the startup report shows the order
    // needs ops. Never a 5xx.
    const partner = ['dc-reno', 'vendor-acme'].includes(shipment.data!.locationId)
      ? 'partner-west'
      : 'partner-east';
    const callback = await apiClient(second.api, runtime.keyFor(partner))(
      'POST',
      `/fulfillments/${shipment.data!.shipmentId}/events`,
      { type: 'accepted', eventId: `${shipment.data!.shipmentId}-accepted` },
    );
    expect(callback.status).toBe(200);
    expect(runtime.stepFunctions.executions.get(executionArn)?.status).toBe('ABORTED');

    // The stream is re-read from its start on the new runtime: no second execution, no second request.
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      runtime.stepFunctions.executions
        .list({ stateMachineArn: machine.stateMachineArn })
        .filter((e) => e.name === orderId),
    ).toHaveLength(1);
    const requested = eastWms.received.filter(
      (r) =>
        (r.body as { orderId?: string; type?: string }).orderId === orderId &&
        (r.body as { type?: string }).type === 'ShipmentRequested',
    );
    expect(requested).toHaveLength(1);

    // Ops re-drive: cancelling releases the reservations the dead execution held.
    const cancelled = await opsApi('POST', `/orders/${orderId}/cancel`, {
      reason: 'other',
      note: 'fulfilment execution lost in a local runtime crash',
    });
    expect(cancelled.status).toBe(200);
    expect(await reservedAt(second, 'TSHIRT-BLK-M', shipment.data!.locationId)).toBe(reservedBefore - 2);
  }, 180_000);
});

async function reservedAt(s: TestStack, sku: string, locationId: string): Promise<number> {
  const response = await apiClient(s.api, s.runtime.keyFor('ops'))('GET', `/inventory/${sku}`);
  const positions = (response.body as { positions: { locationId: string; reserved: number }[] }).positions;
  return positions.find((p) => p.locationId === locationId)!.reserved;
}
