import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
};

let stack: TestStack;
let call: ReturnType<typeof apiClient>;
let keys: { web: string; marketplace: string; ops: string };

beforeAll(async () => {
  stack = await startTestStack();
  keys = {
    web: stack.runtime.keyFor('web'),
    marketplace: stack.runtime.keyFor('marketplace'),
    ops: stack.runtime.keyFor('ops'),
  };
  call = apiClient(stack.api, keys.web);
});
afterAll(async () => {
  await stack?.close();
});

/**
 * Reads HTTP/1.1 responses off a raw socket one at a time (Content-Length bodies), so a test can
 * send several requests on one keep-alive connection. A response that never comes fails the test
 * by its timeout; a connection closed before it fails at once.
 */
function httpResponses(socket: Socket) {
  let buffered = Buffer.alloc(0);
  let closed = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on('close', () => {
    closed = true;
    wake?.();
  });
  socket.on('error', () => {
    // A reset shows as 'close' next, and the pending next() then fails.
  });
  return {
    async next(): Promise<{ status: number; headers: Record<string, string>; body: string }> {
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end >= 0) {
          const [statusLine = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
          const headers = Object.fromEntries(
            lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
          );
          const body =
            headers['transfer-encoding'] === 'chunked' ? chunkedBody(buffered.subarray(end + 4)) : undefined;
          const length = body ? body.consumed : Number(headers['content-length'] ?? 0);
          if (buffered.byteLength >= end + 4 + length && (body || !headers['transfer-encoding'])) {
            const text = body ? body.text : buffered.subarray(end + 4, end + 4 + length).toString('utf8');
            buffered = buffered.subarray(end + 4 + length);
            return { status: Number(statusLine.split(' ')[1]), headers, body: text };
          }
        }
        if (closed) throw new Error('the server closed the connection before answering');
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}

/** A complete chunked body at the start of `data` (its text and bytes used), or undefined if not all here yet. */
function chunkedBody(data: Buffer): { text: string; consumed: number } | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (data.byteLength < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) return { text: Buffer.concat(parts).toString('utf8'), consumed: lineEnd + 4 };
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

let keySeq = 0;
const newKey = () => `test-key-${Date.now()}-${keySeq++}`;

describe('capture and read', () => {
  test('POST /orders captures an order (201) that GET /orders/{id} returns with its history', async () => {
    const created = await call('POST', '/orders', demoOrder(), { idempotencyKey: newKey() });
    expect(created.status).toBe(201);
    const order = created.body as {
      orderId: string;
      status: string;
      channel: string;
      totals: { subtotal: number };
    };
    expect(order.orderId).toMatch(/^ord_[0-9A-Z]{26}$/);
    expect(order.status).toBe('CREATED');
    expect(order.channel).toBe('web');
    expect(order.totals.subtotal).toBe(2 * 1999 + 1250);
    expect(created.headers.get('location')).toBe(`/orders/${order.orderId}`);

    const read = await call('GET', `/orders/${order.orderId}`);
    expect(read.status).toBe(200);
    const view = read.body as {
      orderId: string;
      history: { to: string; by: { type: string; id: string } }[];
    };
    expect(view.orderId).toBe(order.orderId);
    expect(view.history).toEqual([
      expect.objectContaining({ from: null, to: 'CREATED', by: { type: 'channel', id: 'web' } }),
    ]);
  });

  test('the channel comes from the API key, not from the body', async () => {
    const response = await call('POST', '/orders', demoOrder({ channel: 'marketplace' }), {
      idempotencyKey: newKey(),
    });
    expect(response.status).toBe(400);
    expect((response.body as Problem).errors?.map((e) => e.field)).toContain('channel');
    const ok = await call('POST', '/orders', demoOrder(), {
      idempotencyKey: newKey(),
      key: keys.marketplace,
    });
    expect((ok.body as { channel: string }).channel).toBe('marketplace');
  });

  test('capture writes the order, its history and an OrderCreated outbox record atomically', async () => {
    const created = await call('POST', '/orders', demoOrder(), { idempotencyKey: newKey() });
    const { orderId } = created.body as { orderId: string };
    const items = (await stack.scanAll()).filter((i) => (i.PK as { S: string }).S === `ORDER#${orderId}`);
    const kinds = items.map((i) => (i.entity as { S: string }).S).sort();
    expect(kinds).toEqual(['HISTORY', 'ORDER', 'OUTBOX']);
    const outbox = items.find((i) => (i.entity as { S: string }).S === 'OUTBOX')!;
    const event = (outbox.event as { M: Record<string, { S?: string }> }).M;
    expect(event.type?.S).toBe('OrderCreated');
    expect(event.orderId?.S).toBe(orderId);
  });

  test('the local Lambda service reports the handler’s own Duration and its sandboxes’ CPU time', async () => {
    const lambda = stack.runtime.lambda;
    const fn = lambda.functions.find((f) => f.entry.endsWith('create-order.ts'))!.name;
    const before = { ...lambda.stats.get(fn)! };
    const created = await call('POST', '/orders', demoOrder(), { idempotencyKey: newKey() });
    expect(created.status).toBe(201);
    const after = lambda.stats.get(fn)!;
    expect(after.invocations).toBe(before.invocations + 1);
    const handler = after.handlerDurationMs - before.handlerDurationMs;
    expect(handler).toBeGreaterThan(0);
    // The handler runs inside the invocation: the rest is the hand-off to and from the sandbox.
    expect(handler).toBeLessThanOrEqual(after.totalDurationMs - before.totalDurationMs);
    expect(await lambda.cpuTimeMs(fn)).toBeGreaterThan(0);
  });

  test('unknown order → 404 problem; malformed id → 404', async () => {
    for (const id of ['ord_01J00000000000000000000000', 'not-an-id']) {
      const response = await call('GET', `/orders/${id}`);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('idempotency', () => {
  test('same key + same body → the same order (201 then 200), only one order stored', async () => {
    const key = newKey();
    const first = await call('POST', '/orders', demoOrder(), { idempotencyKey: key });
    // Same request with keys in another order and extra whitespace: still the same request.
    const body = JSON.stringify(demoOrder(), null, 2);
    const second = await call('POST', '/orders', body, { idempotencyKey: key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((second.body as { orderId: string }).orderId).toBe((first.body as { orderId: string }).orderId);
  });

  test('20 concurrent identical requests → exactly one order', async () => {
    const key = newKey();
    const order = demoOrder({ customer: { customerId: 'concurrent-cust' } });
    const before = (await stack.scanAll()).filter((i) => (i.entity as { S: string }).S === 'ORDER').length;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call('POST', '/orders', order, { idempotencyKey: key })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const ids = new Set(responses.map((r) => (r.body as { orderId: string }).orderId));
    expect(ids.size).toBe(1);
    const after = (await stack.scanAll()).filter((i) => (i.entity as { S: string }).S === 'ORDER').length;
    expect(after - before).toBe(1);
  });

  test('same key + different body → 422, nothing written', async () => {
    const key = newKey();
    await call('POST', '/orders', demoOrder(), { idempotencyKey: key });
    const before = (await stack.scanAll()).length;
    const conflicting = await call('POST', '/orders', demoOrder({ notes: 'leave at the door' }), {
      idempotencyKey: key,
    });
    expect(conflicting.status).toBe(422);
    expect(conflicting.headers.get('content-type')).toBe('application/problem+json');
    expect((await stack.scanAll()).length).toBe(before);
  });

  test('keys are scoped per channel: another channel may use the same key', async () => {
    const key = newKey();
    const web = await call('POST', '/orders', demoOrder(), { idempotencyKey: key });
    const market = await call('POST', '/orders', demoOrder(), { idempotencyKey: key, key: keys.marketplace });
    expect(web.status).toBe(201);
    expect(market.status).toBe(201);
    expect((market.body as { orderId: string }).orderId).not.toBe((web.body as { orderId: string }).orderId);
  });

  test('the same externalId under a new key is detected as a duplicate order (409)', async () => {
    const externalId = `WEB-${Date.now()}`;
    const first = await call('POST', '/orders', demoOrder({ externalId }), { idempotencyKey: newKey() });
    expect(first.status).toBe(201);
    const again = await call('POST', '/orders', demoOrder({ externalId }), { idempotencyKey: newKey() });
    expect(again.status).toBe(409);
    expect((again.body as Problem & { orderId: string }).orderId).toBe(
      (first.body as { orderId: string }).orderId,
    );
    expect((again.body as Problem).errors?.[0]?.field).toBe('externalId');
  });
});

const base = demoOrder();
const address = (base.delivery as { address: Record<string, unknown> }).address;
const line = { sku: 'SKU-1', quantity: 1, unitPrice: 100 };
const withLine = (patch: Record<string, unknown>) => demoOrder({ lines: [{ ...line, ...patch }] });
const without = (field: string) => {
  const copy = demoOrder();
  delete copy[field];
  return copy;
};

/** [description, body (object = JSON, string = raw), expected status, expected field (or null), content type] */
const MALFORMED: [string, unknown, number, string | null, string?][] = [
  ['body is not JSON', '{"customer": ', 400, '(body)'],
  ['body is a JSON array', '[]', 400, '(body)'],
  ['body is JSON null', 'null', 400, '(body)'],
  ['body is a JSON string', '"order"', 400, '(body)'],
  ['body is empty', '', 400, '(body)'],
  ['wrong content type (text/plain)', JSON.stringify(base), 415, null, 'text/plain'],
  ['wrong content type (application/xml)', '<order/>', 415, null, 'application/xml'],
  ['non-UTF-8 charset', JSON.stringify(base), 415, null, 'application/json; charset=latin1'],
  ['body over 256 KiB', demoOrder({ notes: 'x'.repeat(300 * 1024) }), 413, null],
  ['customer missing', without('customer'), 400, 'customer'],
  ['customer is null', demoOrder({ customer: null }), 400, 'customer'],
  ['customerId missing', demoOrder({ customer: { email: 'a@b.co' } }), 400, 'customer.customerId'],
  [
    'customer email invalid',
    demoOrder({ customer: { customerId: 'c', email: 'nope' } }),
    400,
    'customer.email',
  ],
  ['currency unknown', demoOrder({ currency: 'XXX' }), 400, 'currency'],
  ['currency lowercase', demoOrder({ currency: 'usd' }), 400, 'currency'],
  ['currency is a number', demoOrder({ currency: 840 }), 400, 'currency'],
  ['lines missing', without('lines'), 400, 'lines'],
  ['lines empty', demoOrder({ lines: [] }), 400, 'lines'],
  ['lines not an array', demoOrder({ lines: { sku: 'A' } }), 400, 'lines'],
  [
    'too many lines',
    demoOrder({ lines: Array.from({ length: 201 }, (_, i) => ({ ...line, lineId: `l${i}` })) }),
    400,
    'lines',
  ],
  ['quantity negative', withLine({ quantity: -1 }), 400, 'lines[0].quantity'],
  ['quantity zero', withLine({ quantity: 0 }), 400, 'lines[0].quantity'],
  ['quantity fractional', withLine({ quantity: 1.5 }), 400, 'lines[0].quantity'],
  ['quantity is a string', withLine({ quantity: '2' }), 400, 'lines[0].quantity'],
  ['quantity too large', withLine({ quantity: 100_000 }), 400, 'lines[0].quantity'],
  ['quantity missing', demoOrder({ lines: [{ sku: 'A', unitPrice: 1 }] }), 400, 'lines[0].quantity'],
  ['unitPrice negative', withLine({ unitPrice: -5 }), 400, 'lines[0].unitPrice'],
  ['unitPrice fractional (not minor units)', withLine({ unitPrice: 19.99 }), 400, 'lines[0].unitPrice'],
  ['sku empty', withLine({ sku: '' }), 400, 'lines[0].sku'],
  ['sku with spaces', withLine({ sku: 'A B' }), 400, 'lines[0].sku'],
  ['sku with a /../ segment', withLine({ sku: 'TSHIRT/../MUG' }), 400, 'lines[0].sku'],
  ['sku that is a . segment path', withLine({ sku: 'A/./B' }), 400, 'lines[0].sku'],
  ['sku ending in /..', withLine({ sku: 'A/..' }), 400, 'lines[0].sku'],
  ['NUL character in notes', demoOrder({ notes: 'leave at\u0000door' }), 400, 'notes'],
  [
    'lone surrogate in customer name',
    demoOrder({ customer: { customerId: 'c', name: 'Ada \ud800 Lovelace' } }),
    400,
    'customer.name',
  ],
  [
    'lone low surrogate in a line description',
    withLine({ description: 'mug \udc00' }),
    400,
    'lines[0].description',
  ],
  ['unknown top-level field', demoOrder({ discountCode: 'FREE' }), 400, 'discountCode'],
  ['unknown line field', withLine({ discount: 5 }), 400, 'lines[0].discount'],
  [
    'duplicate lineIds',
    demoOrder({
      lines: [
        { ...line, lineId: 'a' },
        { ...line, lineId: 'a' },
      ],
    }),
    400,
    'lines[1].lineId',
  ],
  ['delivery missing', without('delivery'), 400, 'delivery'],
  ['delivery method unknown', demoOrder({ delivery: { method: 'drone', address } }), 400, 'delivery.method'],
  ['ship without address', demoOrder({ delivery: { method: 'ship' } }), 400, 'delivery.address'],
  [
    'country not ISO alpha-2',
    demoOrder({ delivery: { method: 'ship', address: { ...address, country: 'USA' } } }),
    400,
    'delivery.address.country',
  ],
  [
    'latitude out of range',
    demoOrder({ delivery: { method: 'ship', address: { ...address, geo: { lat: 200, lon: 0 } } } }),
    400,
    'delivery.address.geo.lat',
  ],
  [
    'unknown address field',
    demoOrder({ delivery: { method: 'ship', address: { ...address, floor: 3 } } }),
    400,
    'delivery.address.floor',
  ],
  ['pickup without locationId', demoOrder({ delivery: { method: 'pickup' } }), 400, 'delivery.locationId'],
  [
    'requestedDeliveryDate not a date',
    demoOrder({ requestedDeliveryDate: '2026-13-45' }),
    400,
    'requestedDeliveryDate',
  ],
  ['tag not lowercase', demoOrder({ tags: ['VIP CUSTOMER'] }), 400, 'tags[0]'],
];

describe('malformed requests are rejected with problem+json naming the field, and write nothing', () => {
  let before = 0;
  beforeAll(async () => {
    before = (await stack.scanAll()).length;
  });

  test.each(MALFORMED)('%s → %i', async (_name, body, status, field, contentType) => {
    const response = await call('POST', '/orders', typeof body === 'string' ? body : JSON.stringify(body), {
      idempotencyKey: newKey(),
      headers: { 'Content-Type': contentType ?? 'application/json' },
    });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = response.body as Problem;
    expect(problem.status).toBe(status);
    expect(problem.title).toBeTruthy();
    if (field !== null) expect(problem.errors?.map((e) => e.field)).toContain(field);
  });

  test('a missing Idempotency-Key is refused by the gateway (400), a malformed one by the handler', async () => {
    const missing = await call('POST', '/orders', demoOrder());
    expect(missing.status).toBe(400);
    expect((missing.body as Problem).detail).toContain('Idempotency-Key');
    // The same shape as every other 400: errors[] names the field, as the handler's malformed-key 400 does.
    expect((missing.body as Problem).errors).toEqual([
      { pointer: '', field: 'header:Idempotency-Key', message: expect.stringContaining('required') },
    ]);
    const tooLong = await call('POST', '/orders', demoOrder(), { idempotencyKey: 'k'.repeat(300) });
    expect(tooLong.status).toBe(400);
    expect((tooLong.body as Problem).errors?.[0]?.field).toBe('header:Idempotency-Key');
  });

  test('a body over API Gateway’s 10 MB limit → 413 from the gateway', async () => {
    const response = await call('POST', '/orders', 'x'.repeat(10 * 1024 * 1024 + 10), {
      idempotencyKey: newKey(),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  test('after a 413 the same keep-alive connection answers the next request', async () => {
    const { host, hostname, port, pathname } = new URL(stack.api);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    const responses = httpResponses(socket);
    try {
      // Well over the limit, so the runtime decides on 413 long before the body has all arrived.
      const tooLarge = Buffer.alloc(16 * 1024 * 1024, 'x');
      socket.write(
        `POST ${pathname}/orders HTTP/1.1\r\nHost: ${host}\r\nx-api-key: ${keys.web}\r\nIdempotency-Key: ${newKey()}\r\nContent-Type: application/json\r\nContent-Length: ${tooLarge.byteLength}\r\n\r\n`,
      );
      socket.write(tooLarge);
      const first = await responses.next();
      expect(first.status).toBe(413);
      expect(first.headers.connection).not.toBe('close');
      socket.write(
        `GET ${pathname}/orders/ord_01J00000000000000000000000 HTTP/1.1\r\nHost: ${host}\r\nx-api-key: ${keys.web}\r\n\r\n`,
      );
      const second = await responses.next();
      expect(second.status).toBe(404);
      expect(JSON.parse(second.body).status).toBe(404);
    } finally {
      socket.destroy();
    }
  });

  test('a body too large even to drain gets its 413 at once, and the connection is closed', async () => {
    const { host, hostname, port, pathname } = new URL(stack.api);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    const responses = httpResponses(socket);
    const closed = once(socket, 'close');
    try {
      socket.write(
        `POST ${pathname}/orders HTTP/1.1\r\nHost: ${host}\r\nx-api-key: ${keys.web}\r\nIdempotency-Key: ${newKey()}\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 * 1024}\r\n\r\n{"a":`,
      );
      const response = await responses.next();
      expect(response.status).toBe(413);
      expect(response.headers.connection).toBe('close');
      await closed;
    } finally {
      socket.destroy();
    }
  });

  test('no item was written by any rejected request', async () => {
    expect((await stack.scanAll()).length).toBe(before);
  });
});

describe('authentication and channel scoping', () => {
  test('missing or unknown API key → 403 problem+json, on every route', async () => {
    for (const [method, path] of [
      ['POST', '/orders'],
      ['GET', '/orders'],
      ['GET', '/orders/ord_01J00000000000000000000000'],
      ['POST', '/orders/ord_01J00000000000000000000000/cancel'],
    ] as const) {
      for (const key of [null, 'not-a-real-key']) {
        const response = await call(method, path, method === 'POST' ? {} : undefined, {
          key,
          idempotencyKey: 'k',
        });
        expect(response.status).toBe(403);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }
    }
  });

  test('a channel cannot read, list or cancel another channel’s orders; an admin key can', async () => {
    const created = await call('POST', '/orders', demoOrder({ customer: { customerId: 'shared-cust' } }), {
      idempotencyKey: newKey(),
    });
    const { orderId } = created.body as { orderId: string };
    expect((await call('GET', `/orders/${orderId}`, undefined, { key: keys.marketplace })).status).toBe(404);
    expect(
      (await call('POST', `/orders/${orderId}/cancel`, { reason: 'other' }, { key: keys.marketplace }))
        .status,
    ).toBe(404);
    const foreignList = await call('GET', '/orders?channel=web', undefined, { key: keys.marketplace });
    expect(foreignList.status).toBe(403);
    const byCustomer = await call('GET', '/orders?customerId=shared-cust', undefined, {
      key: keys.marketplace,
    });
    expect((byCustomer.body as { items: unknown[] }).items).toHaveLength(0);

    expect((await call('GET', `/orders/${orderId}`, undefined, { key: keys.ops })).status).toBe(200);
    const adminList = await call('GET', '/orders?customerId=shared-cust', undefined, { key: keys.ops });
    expect((adminList.body as { items: { orderId: string }[] }).items.map((o) => o.orderId)).toContain(
      orderId,
    );
  });

  test('unknown route → 404 problem+json', async () => {
    const response = await call('DELETE', '/orders');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('listing with cursor pagination', () => {
  test('pages through a customer’s orders newest first without gaps or repeats', async () => {
    const customerId = `pager-${Date.now()}`;
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await call('POST', '/orders', demoOrder({ customer: { customerId } }), {
        idempotencyKey: newKey(),
      });
      created.push((r.body as { orderId: string }).orderId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ customerId, limit: '3', ...(cursor ? { cursor } : {}) });
      const page = await call('GET', `/orders?${q}`);
      expect(page.status).toBe(200);
      const body = page.body as { items: { orderId: string }[]; nextCursor?: string };
      expect(body.items.length).toBeLessThanOrEqual(3);
      seen.push(...body.items.map((o) => o.orderId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());
  });

  test('lists by status and by the caller’s own channel; bad query values → 400 naming them', async () => {
    const byStatus = await call('GET', '/orders?status=CREATED&limit=5');
    expect(byStatus.status).toBe(200);
    const items = (byStatus.body as { items: { status: string; channel: string }[] }).items;
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((o) => o.status === 'CREATED' && o.channel === 'web')).toBe(true);

    const own = await call('GET', '/orders?limit=2', undefined, { key: keys.marketplace });
    expect(
      (own.body as { items: { channel: string }[] }).items.every((o) => o.channel === 'marketplace'),
    ).toBe(true);

    for (const [query, field] of [
      ['status=SHIPPING', 'status'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['cursor=garbage', 'query:cursor'],
      ['sort=asc', 'sort'],
    ]) {
      const response = await call('GET', `/orders?${query}`);
      expect(response.status, query).toBe(400);
      expect(
        (response.body as Problem).errors?.map((e) => e.field),
        query,
      ).toContain(field);
    }
  });

  test('a cursor from one customer’s listing is refused for another’s', async () => {
    const a = `cur-a-${Date.now()}`;
    for (let i = 0; i < 2; i++) {
      await call('POST', '/orders', demoOrder({ customer: { customerId: a } }), { idempotencyKey: newKey() });
    }
    const page = await call('GET', `/orders?customerId=${a}&limit=1`);
    const cursor = (page.body as { nextCursor: string }).nextCursor;
    expect(cursor).toBeTruthy();
    const reused = await call('GET', `/orders?customerId=someone-else&cursor=${cursor}`);
    expect(reused.status).toBe(400);
  });
});

describe('logs', () => {
  test('log lines for a captured (and a rejected) order contain no raw email, phone or street', async () => {
    const pii = { email: 'pii.probe@example.org', phone: '+1 555 010 9999', street: '77 Secretive Lane' };
    const body = demoOrder({
      customer: { customerId: 'pii-probe', email: pii.email, phone: pii.phone },
      delivery: {
        method: 'ship',
        address: { name: 'P Probe', line1: pii.street, city: 'X', postalCode: '10001', country: 'US' },
      },
    });
    expect((await call('POST', '/orders', body, { idempotencyKey: newKey() })).status).toBe(201);
    const rejected = { ...body, customer: { customerId: 'pii-probe', email: `${pii.email} not-valid` } };
    expect((await call('POST', '/orders', rejected, { idempotencyKey: newKey() })).status).toBe(400);
    expect(stack.logs.length).toBeGreaterThan(0);
    const all = stack.logs.map((l) => l.line).join('\n');
    for (const value of Object.values(pii)) expect(all).not.toContain(value);
  });
});

describe('cancellation', () => {
  test('cancel before shipment records the reason, emits OrderCancelled, and is safe to repeat', async () => {
    const created = await call('POST', '/orders', demoOrder(), { idempotencyKey: newKey() });
    const { orderId } = created.body as { orderId: string };
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, {
      reason: 'customer-request',
      note: 'changed mind',
    });
    expect(cancelled.status).toBe(200);
    const order = cancelled.body as {
      status: string;
      cancellation: { reason: string };
      lines: { status: string }[];
    };
    expect(order.status).toBe('CANCELLED');
    expect(order.cancellation.reason).toBe('customer-request: changed mind');
    expect(order.lines.every((l) => l.status === 'CANCELLED')).toBe(true);

    const again = await call('POST', `/orders/${orderId}/cancel`, { reason: 'customer-request' });
    expect(again.status).toBe(200);
    const view = (await call('GET', `/orders/${orderId}`)).body as { history: { to: string }[] };
    expect(view.history.map((h) => h.to)).toEqual(['CREATED', 'CANCELLED']);
    const outbox = (await stack.scanAll()).filter(
      (i) => (i.PK as { S: string }).S === `ORDER#${orderId}` && (i.entity as { S: string }).S === 'OUTBOX',
    );
    expect(outbox).toHaveLength(2);
  });

  test('a cancellation needs a known reason', async () => {
    const created = await call('POST', '/orders', demoOrder(), { idempotencyKey: newKey() });
    const { orderId } = created.body as { orderId: string };
    const response = await call('POST', `/orders/${orderId}/cancel`, { reason: 'bored' });
    expect(response.status).toBe(400);
    expect((response.body as Problem).errors?.map((e) => e.field)).toContain('reason');
    expect(((await call('GET', `/orders/${orderId}`)).body as { status: string }).status).toBe('CREATED');
  });
});
