import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { webhookHeaders } from '../../shared/events/webhook-signature.ts';

const secret = 'whsec_c2VjcmV0LWZvci1sb2NhbC11c2U=';
const dirs: string[] = [];
const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function deliver(receiver: WebhookReceiver, id: string) {
  const body = JSON.stringify({ eventId: id, type: 'OrderCreated' });
  const headers = webhookHeaders({ id, timestamp: Math.floor(Date.now() / 1000), body, secret });
  const response = await fetch(receiver.url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}

describe('example partner webhook receiver', () => {
  test('with a seen-ids file, a redelivery after a restart is still recognised as a duplicate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qm-receiver-'));
    dirs.push(dir);
    const seenFile = join(dir, 'seen-webhook-ids.txt');

    const first = await startWebhookReceiver({ secret, seenFile });
    receivers.push(first);
    expect((await deliver(first, 'evt_1')).status).toBe(204);
    await first.close();
    receivers.pop();

    const restarted = await startWebhookReceiver({ secret, seenFile });
    receivers.push(restarted);
    const again = await deliver(restarted, 'evt_1');
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ duplicate: true });
    expect(restarted.received).toEqual([]);
    expect((await deliver(restarted, 'evt_2')).status).toBe(204);
  });

  test('without one, it remembers ids only while it runs (and says so)', async () => {
    const receiver = await startWebhookReceiver({ secret });
    receivers.push(receiver);
    expect(receiver.dedupe).toMatch(/memory/);
    expect((await deliver(receiver, 'evt_1')).status).toBe(204);
    expect((await deliver(receiver, 'evt_1')).status).toBe(200);
  });
});
