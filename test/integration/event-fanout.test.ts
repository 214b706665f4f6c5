import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { apiClient, demoOrder, sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

const secretOf = (name: string) => `whsec_${Buffer.from(`local-secret-${name}`).toString('base64')}`;
const SECRETS = { web: secretOf('web-analytics'), marketplace: secretOf('marketplace-erp') };

let stack: TestStack;
let web: WebhookReceiver;
let marketplace: WebhookReceiver;
let failMarketplace = false;
let failWebTimes = 0;

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  web = await startWebhookReceiver({
    secret: SECRETS.web,
    respondWith: () => {
      if (failWebTimes <= 0) return undefined;
      failWebTimes -= 1;
      return 500;
    },
  });
  marketplace = await startWebhookReceiver({
    secret: SECRETS.marketplace,
    respondWith: () => (failMarketplace ? 500 : undefined),
  });
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/partners.config.json'),
    eventFanout: {
      partners: {
        'web-analytics': { url: web.url, secret: SECRETS.web },
        'marketplace-erp': { url: marketplace.url, secret: SECRETS.marketplace },
      },
      visibilityTimeoutMs: 200,
      pollIntervalMs: 50,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await web?.close();
  await marketplace?.close();
});

interface QueueSummary {
  name: string;
  logicalId: string;
  depth: number;
  deadLetterQueue: boolean;
}

/** A call to the runtime's local ops endpoints (/_local/...). */
async function ops(method: 'GET' | 'POST', path: string, body?: unknown) {
  const headers: Record<string, string> = { 'x-api-key': stack.runtime.keyFor('ops') };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.runtime.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

let seq = 0;
const placeOrder = (channel: 'web' | 'marketplace') =>
  apiClient(stack.api, stack.runtime.keyFor(channel))('POST', '/orders', demoOrder(), {
    idempotencyKey: `fanout-${Date.now()}-${seq++}`,
  });

describe('event fan-out to partners', () => {
  test('a web order reaches the matching partner once, signed, and nothing reaches the other', async () => {
    const created = await placeOrder('web');
    expect(created.status).toBe(201);
    const orderId = (created.body as { orderId: string }).orderId;
    const delivery = await until('the signed OrderCreated at web-analytics', () =>
      web.received.find((r) => (r.body as { orderId?: string }).orderId === orderId),
    );
    expect(delivery.body).toMatchObject({ type: 'OrderCreated', channel: 'web', orderId, version: 1 });
    expect(delivery.id).toBe((delivery.body as { eventId: string }).eventId);
    // Give a wrong delivery time to show up before asserting there is none.
    await new Promise((r) => setTimeout(r, 500));
    expect(web.received.filter((r) => (r.body as { orderId?: string }).orderId === orderId)).toHaveLength(1);
    expect(web.attempts.every((a) => a.status < 300)).toBe(true);
    expect(marketplace.attempts).toHaveLength(0);
    expect(stack.runtime.warnings.join('\n')).toContain('carrier-3pl');
  });

  test('a receiver answering 500 then 200 gets the event once, after a retry', async () => {
    failWebTimes = 1;
    const attempts = web.attempts.length;
    const created = await placeOrder('web');
    const orderId = (created.body as { orderId: string }).orderId;
    await until('the retried delivery', () =>
      web.received.find((r) => (r.body as { orderId?: string }).orderId === orderId),
    );
    expect(web.attempts.slice(attempts).map((a) => a.status)).toEqual([500, 204]);
    expect(web.received.filter((r) => (r.body as { orderId?: string }).orderId === orderId)).toHaveLength(1);
  });

  test('the archive keeps every published event, and a replay is de-duplicated by the receiver', async () => {
    const fanout = stack.runtime.fanout!;
    const bus = fanout.buses[0]!;
    const archived = bus.archives[0]!.events.filter((e) => e['detail-type'] === 'OrderCreated');
    expect(archived.length).toBeGreaterThanOrEqual(1);
    const before = web.received.length;
    const attempts = web.attempts.length;
    bus.replay(bus.archives[0]!.name);
    await until('replayed deliveries', () =>
      web.attempts.length >= attempts + archived.length ? true : undefined,
    );
    expect(web.received).toHaveLength(before);
    expect(web.attempts.slice(attempts).every((a) => a.reason === 'duplicate')).toBe(true);
  });

  test('a partner that keeps failing: the message lands in its DLQ after the receive limit; a redrive (GET/POST /_local/queues) delivers it', async () => {
    failMarketplace = true;
    const created = await placeOrder('marketplace');
    const orderId = (created.body as { orderId: string }).orderId;
    const fanout = stack.runtime.fanout!;
    const dlq = fanout.queue('EventsPartnermarketplaceerpDlq');
    await until('the dead-lettered message', () => (dlq.messages.length > 0 ? true : undefined));
    const failures = marketplace.attempts.filter((a) => a.status === 500).length;
    // maxReceives defaults to 10 in the fixture for this partner
    expect(failures).toBe(10);

    const listed = (await ops('GET', '/_local/queues')).body as { queues: QueueSummary[] };
    const byLogicalId = (prefix: string) => listed.queues.find((q) => q.logicalId.startsWith(prefix))!;
    expect(byLogicalId('EventsPartnermarketplaceerpDlq')).toMatchObject({
      name: dlq.name,
      depth: 1,
      deadLetterQueue: true,
    });
    expect(byLogicalId('EventsPartnermarketplaceerpQueue')).toMatchObject({
      deadLetterQueue: false,
      redrivePolicy: { deadLetterQueue: dlq.name, maxReceiveCount: 10 },
    });
    expect(byLogicalId('EventsPublisherDlq')).toMatchObject({ deadLetterQueue: true });
    const peeked = await ops('GET', `/_local/queues/${encodeURIComponent(dlq.name)}/messages`);
    expect(peeked.status).toBe(200);
    const messages = (peeked.body as { messages: { body: string; receiveCount: number }[] }).messages;
    expect(messages).toHaveLength(1);
    expect(JSON.parse(messages[0]!.body)).toMatchObject({ orderId, type: 'OrderCreated' });
    expect(dlq.messages).toHaveLength(1); // peeking does not receive

    failMarketplace = false;
    const redriven = await ops('POST', `/_local/queues/${encodeURIComponent(dlq.name)}/redrive`);
    expect(redriven).toMatchObject({
      status: 200,
      body: { movedToQueue: 1, redeliveredToTarget: 0, left: [] },
    });
    const delivered = await until('the redriven delivery', () =>
      marketplace.received.find((r) => (r.body as { orderId?: string }).orderId === orderId),
    );
    expect(delivered.body).toMatchObject({ channel: 'marketplace' });
    expect(dlq.messages).toHaveLength(0);
  });

  test('ops endpoints answer problems for unknown queues, non-DLQ redrives and bad replays', async () => {
    expect(await ops('GET', '/_local/queues/nope/messages')).toMatchObject({ status: 404 });
    const queue = stack.runtime.fanout!.queue('EventsPartnermarketplaceerpQueue');
    expect(await ops('POST', `/_local/queues/${queue.name}/redrive`)).toMatchObject({ status: 409 });
    const archive = stack.runtime.fanout!.buses[0]!.archives[0]!.name;
    const now = new Date().toISOString();
    expect(
      await ops('POST', `/_local/archives/${archive}/replay`, { startTime: now, endTime: now }),
    ).toMatchObject({ status: 400 });
    expect(
      await ops('POST', `/_local/archives/${archive}/replay`, {
        startTime: '2020-01-01T00:00:00Z',
        endTime: now,
        partners: ['nobody'],
      }),
    ).toMatchObject({ status: 400 });
    expect(await ops('POST', '/_local/archives/nope/replay', {})).toMatchObject({ status: 404 });
  });

  test('replay of an archive window to one partner (POST /_local/archives/{name}/replay) re-delivers the same event ids to that partner only', async () => {
    // Archived event times have second precision: start the window at the current second.
    const startTime = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const webOrder = await placeOrder('web');
    const marketOrder = await placeOrder('marketplace');
    const webId = (webOrder.body as { orderId: string }).orderId;
    const marketId = (marketOrder.body as { orderId: string }).orderId;
    const first = await until('the web delivery', () =>
      web.received.find((r) => (r.body as { orderId?: string }).orderId === webId),
    );
    await until('the marketplace delivery', () =>
      marketplace.received.find((r) => (r.body as { orderId?: string }).orderId === marketId),
    );
    const endTime = new Date(Date.now() + 1000).toISOString(); // event times have second precision
    const webAttempts = web.attempts.length;
    const marketAttempts = marketplace.attempts.length;

    const archives = (await ops('GET', '/_local/archives')).body as {
      archives: { name: string; rules: { name: string; partner?: string }[] }[];
    };
    const archive = archives.archives[0]!;
    expect(archive.rules.map((r) => r.partner).filter(Boolean)).toEqual(
      expect.arrayContaining(['web-analytics', 'marketplace-erp']),
    );
    const replayed = await ops('POST', `/_local/archives/${archive.name}/replay`, {
      startTime,
      endTime,
      partners: ['web-analytics'],
    });
    expect(replayed.status).toBe(202);
    const webRule = archive.rules.find((r) => r.partner === 'web-analytics')!.name;
    expect(replayed.body).toMatchObject({ rules: [webRule], state: 'RUNNING' });
    expect((replayed.body as { events: number }).events).toBeGreaterThanOrEqual(2);
    await until('the replayed web delivery', () =>
      web.attempts.slice(webAttempts).some((a) => a.id === first.id) ? true : undefined,
    );
    await stack.runtime.fanout!.buses[0]!.settled();
    await new Promise((r) => setTimeout(r, 400));
    expect(web.attempts.slice(webAttempts)).toEqual([{ id: first.id, status: 200, reason: 'duplicate' }]);
    expect(marketplace.attempts).toHaveLength(marketAttempts);

    // The same window by rule name (FilterArns) reaches that rule only, too.
    const byRule = await ops('POST', `/_local/archives/${archive.name}/replay`, {
      startTime,
      endTime,
      rules: [webRule],
    });
    expect(byRule.body).toMatchObject({ rules: [webRule] });
    await until('the second replayed web delivery', () =>
      web.attempts.slice(webAttempts).filter((a) => a.id === first.id).length >= 2 ? true : undefined,
    );
    expect(marketplace.attempts).toHaveLength(marketAttempts);
  });
});

describe('crash simulation: the outbox publisher', () => {
  const publisher = () => {
    const poller = stack.runtime.fanout!.pollers.find((p) => p.config.functionName.includes('PublishOutbox'));
    if (!poller) throw new Error('no outbox stream mapping');
    return poller;
  };
  const outboxOrderId = (record: { dynamodb: { NewImage?: Record<string, unknown> } }) =>
    (record.dynamodb.NewImage?.event as { M?: { orderId?: { S?: string } } } | undefined)?.M?.orderId?.S;
  const archivedFor = (orderId: string) =>
    stack.runtime.fanout!.buses[0]!.archives[0]!.events.filter(
      (e) => (e.detail as { orderId?: string }).orderId === orderId && e['detail-type'] === 'OrderCreated',
    );

  test('an order committed while the publisher is down is published once it is back, exactly once', async () => {
    const poller = publisher();
    await poller.stop();
    const attempts = web.attempts.length;
    const created = await placeOrder('web');
    expect(created.status).toBe(201);
    const orderId = (created.body as { orderId: string }).orderId;
    // The order and its outbox record are committed; nothing is published while the publisher is down.
    const items = await stack.scanAll();
    const outbox = items.filter(
      (i) => (i.entity as { S?: string } | undefined)?.S === 'OUTBOX' && JSON.stringify(i).includes(orderId),
    );
    expect(outbox.length).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(archivedFor(orderId)).toHaveLength(0);
    expect(web.attempts).toHaveLength(attempts);

    // The mapping resumes from its stream position (its checkpoint), so the record is not lost.
    poller.start();
    const delivered = await until('the OrderCreated published after the restart', () =>
      web.received.find((r) => (r.body as { orderId?: string }).orderId === orderId),
    );
    await stack.runtime.fanout!.buses[0]!.settled();
    await new Promise((r) => setTimeout(r, 300));
    expect(archivedFor(orderId)).toHaveLength(1);
    expect(web.attempts.slice(attempts).filter((a) => a.id === delivered.id)).toEqual([
      { id: delivered.id, status: 204 },
    ]);
  });

  test('a stream record delivered again is not published again (idempotency on event id)', async () => {
    const created = await placeOrder('web');
    const orderId = (created.body as { orderId: string }).orderId;
    const first = await until('the first delivery', () =>
      web.received.find((r) => (r.body as { orderId?: string }).orderId === orderId),
    );
    const poller = publisher();
    // The partner can be reached before the invocation that published returns and the batch is
    // counted as delivered, so wait for the mapping's checkpoint too.
    const record = await until('the record checkpointed by the mapping', () =>
      poller.delivered.find((r) => outboxOrderId(r) === orderId),
    );
    // What Lambda does when a batch is retried after a partial failure or a timeout: the same records again.
    const again = await stack.runtime.lambda.invoke(poller.config.functionName, { Records: [record] });
    expect(again).toMatchObject({ ok: true, payload: { batchItemFailures: [] } });
    await new Promise((r) => setTimeout(r, 500));
    expect(archivedFor(orderId)).toHaveLength(1);
    expect(web.attempts.filter((a) => a.id === first.id)).toHaveLength(1);
  });

  test('a duplicate that does get through (published twice) reaches the partner with one event id, counted once', async () => {
    const created = await placeOrder('web');
    const orderId = (created.body as { orderId: string }).orderId;
    const first = await until('the first delivery', () =>
      web.received.find((r) => (r.body as { orderId?: string }).orderId === orderId),
    );
    // The window idempotency cannot close: PutEvents succeeded, then the invocation died before its
    // record was marked complete, and the retry publishes the same envelope again.
    const bus = stack.runtime.fanout!.buses[0]!;
    const [original] = archivedFor(orderId);
    const [result] = bus.putEvents([
      {
        Source: original!.source,
        DetailType: original!['detail-type'],
        Detail: JSON.stringify(original!.detail),
        EventBusName: bus.name,
      },
    ]);
    expect(result?.ErrorCode).toBeUndefined();
    await until('the second POST of the same event id', () =>
      web.attempts.filter((a) => a.id === first.id).length >= 2 ? true : undefined,
    );
    // Two EventBridge events (distinct bus ids) carrying the same envelope eventId.
    const archived = archivedFor(orderId);
    expect(archived).toHaveLength(2);
    expect(new Set(archived.map((e) => e.id)).size).toBe(2);
    expect(archived.map((e) => (e.detail as { eventId: string }).eventId)).toEqual([first.id, first.id]);
    expect(web.attempts.filter((a) => a.id === first.id)).toEqual([
      { id: first.id, status: 204 },
      { id: first.id, status: 200, reason: 'duplicate' },
    ]);
    expect(web.received.filter((r) => (r.body as { orderId?: string }).orderId === orderId)).toHaveLength(1);
  });
});
