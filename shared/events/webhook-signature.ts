import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
 * "<webhook-id>.<webhook-timestamp>.<body>" with the base64 key of a `whsec_` secret, sent as
 * `webhook-signature: v1,<base64>` (several space-separated signatures during key rotation).
 */

export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

function secretKey(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  if (key.length === 0) throw new Error('webhook secret is empty');
  return key;
}

export function signWebhook(args: { id: string; timestamp: number; body: string; secret: string }): string {
  const mac = createHmac('sha256', secretKey(args.secret))
    .update(`${args.id}.${args.timestamp}.${args.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers for one delivery (the id is the eventId: stable across retries). */
export function webhookHeaders(args: {
  id: string;
  timestamp: number;
  body: string;
  secret: string;
}): Record<string, string> {
  return {
    'webhook-id': args.id,
    'webhook-timestamp': String(args.timestamp),
    'webhook-signature': signWebhook(args),
  };
}

export type WebhookVerification = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

/** Checks the headers of a received webhook: a valid v1 signature (constant-time) within the tolerance. */
export function verifyWebhook(args: {
  headers: Record<string, string | undefined>;
  body: string;
  secret: string;
  nowSeconds: number;
  toleranceSeconds?: number;
}): WebhookVerification {
  const id = args.headers['webhook-id'];
  const timestampText = args.headers['webhook-timestamp'];
  const signatures = args.headers['webhook-signature'];
  if (!id || !timestampText || !signatures) return { ok: false, reason: 'missing webhook headers' };
  const timestamp = Number(timestampText);
  if (!Number.isInteger(timestamp)) return { ok: false, reason: 'bad webhook-timestamp' };
  const tolerance = args.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(args.nowSeconds - timestamp) > tolerance)
    return { ok: false, reason: 'timestamp outside tolerance' };
  const expected = Buffer.from(signWebhook({ id, timestamp, body: args.body, secret: args.secret }).slice(3));
  for (const candidate of signatures.split(' ')) {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) continue;
    const given = Buffer.from(mac);
    if (given.length === expected.length && timingSafeEqual(given, expected))
      return { ok: true, id, timestamp };
  }
  return { ok: false, reason: 'no matching signature' };
}
