import type { WebhookTransport } from '../../ports/webhook-transport.ts';

/** POST with fetch and a deadline, so a hung partner cannot hold the sender until its timeout. */
export function fetchWebhookTransport(timeoutMs = 10_000): WebhookTransport {
  return {
    async post(url, headers, body) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, body: (await response.text()).slice(0, 1000) };
    },
  };
}
