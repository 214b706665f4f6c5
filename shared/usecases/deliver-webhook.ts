import { EventEnvelopeSchema } from '../events/envelope.ts';
import { webhookHeaders } from '../events/webhook-signature.ts';
import type { Clock } from '../ports/clock.ts';
import type { WebhookTransport } from '../ports/webhook-transport.ts';

export class WebhookRejectedError extends Error {
  constructor(
    readonly status: number,
    readonly responseBody: string,
  ) {
    super(`partner answered ${status}`);
  }
}

/**
 * Delivers one event to a partner as a signed Standard Webhook. Anything but 2xx throws, so the
 * queue redelivers it later (and, after its receive limit, moves it to the partner's dead-letter queue).
 */
export function makeDeliverWebhook(deps: { transport: WebhookTransport; clock: Clock }) {
  return async function deliverWebhook(args: { endpoint: string; secret: string; body: string }) {
    const envelope = EventEnvelopeSchema.parse(JSON.parse(args.body));
    const timestamp = Math.floor(deps.clock.now().getTime() / 1000);
    const headers = webhookHeaders({ id: envelope.eventId, timestamp, body: args.body, secret: args.secret });
    const response = await deps.transport.post(args.endpoint, headers, args.body);
    if (response.status < 200 || response.status >= 300)
      throw new WebhookRejectedError(response.status, response.body);
    return { eventId: envelope.eventId, status: response.status };
  };
}
