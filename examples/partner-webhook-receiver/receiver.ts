import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../shared/events/webhook-signature.ts';

export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  body: unknown;
  receivedAt: string;
}

export interface ReceiverOptions {
  port?: number;
  host?: string;
  /** The partner's `whsec_…` secret (the same value the OMS signs with). */
  secret: string;
  /** Test hook: the status to answer for the nth request (1-based); 2xx and verification otherwise apply. */
  respondWith?: (attempt: number) => number | undefined;
  onAttempt?: (attempt: WebhookReceiver['attempts'][number]) => void;
  /**
   * A file of the webhook-ids already processed, one per line, read at start and appended to before
   * each 2xx: a redelivery after a restart is then still a duplicate. Without it the ids live in
   * memory only, and a restart forgets them (a real receiver keeps them in its database, in the
   * same transaction as the work the webhook causes).
   */
  seenFile?: string;
}

export interface WebhookReceiver {
  url: string;
  /** Verified, first-seen deliveries, in arrival order (duplicates of a webhook-id are not added). */
  received: ReceivedWebhook[];
  /** Every request, including rejected and duplicate ones. */
  attempts: { id?: string; status: number; reason?: string }[];
  /** Where seen webhook-ids are kept, in words (a file, or memory only: forgotten on restart). */
  dedupe: string;
  close(): Promise<void>;
}

/**
 * A partner's webhook endpoint, as small as it can be while still doing the three things a receiver
 * must: verify the Standard Webhooks signature (constant time, 5-minute tolerance), answer 2xx fast,
 * and de-duplicate on webhook-id (delivery is at-least-once).
 */
export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const attempts: WebhookReceiver['attempts'] = [];
  const { seenFile } = options;
  const seen = new Set<string>(
    seenFile && existsSync(seenFile) ? readFileSync(seenFile, 'utf8').split('\n').filter(Boolean) : [],
  );
  const record = (attempt: WebhookReceiver['attempts'][number]) => {
    attempts.push(attempt);
    options.onAttempt?.(attempt);
  };

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      if (req.method === 'GET' && url.pathname === '/received') return answer(res, 200, received);
      if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': req.headers['webhook-id'] as string | undefined,
        'webhook-timestamp': req.headers['webhook-timestamp'] as string | undefined,
        'webhook-signature': req.headers['webhook-signature'] as string | undefined,
      };
      const forced = options.respondWith?.(attempts.length + 1);
      if (forced !== undefined && (forced < 200 || forced >= 300)) {
        record({ id: headers['webhook-id'], status: forced, reason: 'forced by test' });
        return answer(res, forced, { error: 'forced failure' });
      }
      const verified = verifyWebhook({
        headers,
        body,
        secret: options.secret,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      if (!verified.ok) {
        record({ id: headers['webhook-id'], status: 401, reason: verified.reason });
        return answer(res, 401, { error: verified.reason });
      }
      if (seen.has(verified.id)) {
        // Already processed: acknowledge again so the sender stops retrying.
        record({ id: verified.id, status: 200, reason: 'duplicate' });
        return answer(res, 200, { duplicate: true });
      }
      // Remembered before the 2xx: a crash between the two means a redelivery, never a lost event.
      if (seenFile) appendFileSync(seenFile, `${verified.id}\n`);
      seen.add(verified.id);
      received.push({
        id: verified.id,
        timestamp: verified.timestamp,
        body: JSON.parse(body) as unknown,
        receivedAt: new Date().toISOString(),
      });
      record({ id: verified.id, status: 204 });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/webhooks`,
    received,
    attempts,
    dedupe: seenFile
      ? `webhook-ids in ${seenFile} (${seen.size} already seen)`
      : 'webhook-ids in memory only: a restart forgets them, so redeliveries after it are processed again',
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
