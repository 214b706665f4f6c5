import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { fetchWebhookTransport } from '../../shared/adapters/http/fetch-webhook-transport.ts';
import { signWebhook, verifyWebhook, webhookHeaders } from '../../shared/events/webhook-signature.ts';
import { makeDeliverWebhook, WebhookRejectedError } from '../../shared/usecases/deliver-webhook.ts';

// The example from the Standard Webhooks specification.
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signatures', () => {
  it('matches the specification example', () => {
    expect(signWebhook(SPEC)).toBe(SPEC.signature);
  });

  it('verifies within the 5-minute tolerance, with any of several signatures, and rejects the rest', () => {
    const headers = {
      'webhook-id': SPEC.id,
      'webhook-timestamp': String(SPEC.timestamp),
      'webhook-signature': `v1,bm90LXRoaXMtb25l ${SPEC.signature}`,
    };
    const base = { headers, body: SPEC.body, secret: SPEC.secret };
    expect(verifyWebhook({ ...base, nowSeconds: SPEC.timestamp + 299 })).toMatchObject({
      ok: true,
      id: SPEC.id,
    });
    expect(verifyWebhook({ ...base, nowSeconds: SPEC.timestamp + 301 })).toMatchObject({ ok: false });
    expect(verifyWebhook({ ...base, body: '{"test": 1}', nowSeconds: SPEC.timestamp })).toEqual({
      ok: false,
      reason: 'no matching signature',
    });
    expect(verifyWebhook({ ...base, secret: 'whsec_b3RoZXI=', nowSeconds: SPEC.timestamp }).ok).toBe(false);
  });
});

describe('example receiver and deliverWebhook', () => {
  const secret = `whsec_${Buffer.from('receiver-test-secret').toString('base64')}`;
  let receiver: WebhookReceiver;
  let failFirst = 0;
  beforeAll(async () => {
    receiver = await startWebhookReceiver({ secret, respondWith: (n) => (n <= failFirst ? 500 : undefined) });
  });
  afterAll(async () => receiver.close());

  const envelope = {
    eventId: 'evt_1',
    type: 'OrderCreated',
    version: 1,
    occurredAt: '2026-01-01T00:00:00.000Z',
    correlationId: 'c',
    channel: 'web',
    data: {},
  };
  const deliver = makeDeliverWebhook({
    transport: fetchWebhookTransport(),
    clock: { now: () => new Date() },
  });

  it('accepts a signed delivery once, acknowledges the duplicate, rejects a bad signature', async () => {
    const body = JSON.stringify(envelope);
    await expect(deliver({ endpoint: receiver.url, secret, body })).resolves.toEqual({
      eventId: 'evt_1',
      status: 204,
    });
    await deliver({ endpoint: receiver.url, secret, body });
    expect(receiver.received.map((r) => r.id)).toEqual(['evt_1']);
    expect(receiver.attempts.at(-1)).toMatchObject({ status: 200, reason: 'duplicate' });

    const forged = await fetch(receiver.url, {
      method: 'POST',
      headers: webhookHeaders({
        id: 'evt_2',
        timestamp: Math.floor(Date.now() / 1000),
        body,
        secret: 'whsec_Zm9yZ2Vk',
      }),
      body,
    });
    expect(forged.status).toBe(401);
    expect(receiver.received).toHaveLength(1);
  });

  it('throws on a non-2xx answer so the queue retries', async () => {
    failFirst = receiver.attempts.length + 1;
    const body = JSON.stringify({ ...envelope, eventId: 'evt_3' });
    await expect(deliver({ endpoint: receiver.url, secret, body })).rejects.toBeInstanceOf(
      WebhookRejectedError,
    );
    await deliver({ endpoint: receiver.url, secret, body });
    expect(receiver.received.map((r) => r.id)).toEqual(['evt_1', 'evt_3']);
  });
});
