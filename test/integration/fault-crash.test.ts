import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import type { BusEvent } from '../../local/eventbridge/local-bus.ts';
import { apiClient, demoOrder, sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

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
  const response = await fetch(`${stack.runtime.url}${path}`, {
    method,
    headers: { 'x-api-key': stack.runtime.keyFor('ops') },
  });
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
    stack: sharedStack('test/fixtures/partners.config.json'),
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
