import { local } from '../api.ts';
import { badge, h, json, notice, replace, table, when } from '../dom.ts';
import { describe } from './orders.ts';

/** Shapes of the local runtime's /_local/queues endpoints (local/ops/ops-endpoints.ts). */
export interface QueueSummary {
  name: string;
  logicalId: string;
  depth: number;
  visible: number;
  inFlight: number;
  deadLetterQueue: boolean;
  deadLetterFor?: unknown[];
  redrivePolicy?: { deadLetterQueue: string; maxReceiveCount: number };
}

export interface QueueMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: string;
}

/** Moves a dead-letter queue's messages back to where they failed (SQS redrive / rule target). */
export function redriveButton(queue: QueueSummary, label = 'Redrive'): HTMLElement {
  const out = h('span', {});
  const button = h('button', { class: 'secondary', 'data-testid': `redrive-${queue.name}` }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    const r = await local<{ movedToQueue: number; redeliveredToTarget: number; left: string[] }>(
      'POST',
      `/queues/${encodeURIComponent(queue.name)}/redrive`,
      {},
    );
    replace(
      out,
      r.kind === 'ok'
        ? notice(
            'ok',
            `Moved ${r.body.movedToQueue} back to the queue, redelivered ${r.body.redeliveredToTarget}, ${r.body.left.length} left.`,
            'redrive-result',
          )
        : notice(r.kind === 'unavailable' ? 'unavailable' : 'error', describe(r), 'redrive-result'),
    );
    button.disabled = false;
  });
  return h('span', {}, button, out);
}

/** `#/queues`: partner queues and dead-letter queues (local runtime), with redrive and archive replay. */
export async function queuesView(root: HTMLElement): Promise<void> {
  replace(root, h('h1', {}, 'Queues and dead letters'), h('p', { class: 'muted' }, 'Loading…'));
  const result = await local<{ queues: QueueSummary[] }>('GET', '/queues');
  if (result.kind !== 'ok') {
    replace(
      root,
      h('h1', {}, 'Queues and dead letters'),
      notice(result.kind === 'unavailable' ? 'unavailable' : 'error', describe(result), 'queues-unavailable'),
      h(
        'p',
        { class: 'muted' },
        'On AWS, redrive a dead-letter queue with the SQS console or `npm run oms -- redrive`.',
      ),
    );
    return;
  }
  const messages = h('div', {});
  const rows = result.body.queues.map((q) => {
    const show = h('button', { class: 'secondary' }, 'Messages');
    show.addEventListener('click', async () => {
      const r = await local<{ messages: QueueMessage[] }>(
        'GET',
        `/queues/${encodeURIComponent(q.name)}/messages`,
      );
      replace(
        messages,
        h('h2', {}, `Messages in ${q.name}`),
        r.kind !== 'ok'
          ? notice('error', describe(r))
          : r.body.messages.length
            ? table(
                ['Message', 'Receives', 'Sent', 'Body'],
                r.body.messages.map((m) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, m.messageId),
                    h('td', { class: 'num' }, String(m.receiveCount)),
                    h('td', {}, when(m.sentAt)),
                    h('td', {}, json(m.body)),
                  ),
                ),
              )
            : h('p', { class: 'muted' }, 'Empty.'),
      );
    });
    return h(
      'tr',
      { 'data-testid': 'queue-row' },
      h('td', {}, q.name),
      h(
        'td',
        {},
        q.deadLetterQueue
          ? badge('FAILED')
          : q.redrivePolicy
            ? `DLQ: ${q.redrivePolicy.deadLetterQueue}`
            : '',
      ),
      h('td', { class: 'num' }, String(q.depth)),
      h('td', { class: 'num' }, String(q.inFlight)),
      h('td', {}, show, ' ', q.deadLetterQueue && q.depth ? redriveButton(q) : ''),
    );
  });
  replace(
    root,
    h('h1', {}, 'Queues and dead letters'),
    rows.length
      ? table(['Queue', 'Dead letters', 'Depth', 'In flight', ''], rows, 'queues-table')
      : h('p', { class: 'muted' }, 'No queues (no partners configured).'),
    messages,
    await archivesSection(),
  );
}

async function archivesSection(): Promise<HTMLElement> {
  const result = await local<{ archives: { name: string; eventBus: string; eventCount: number }[] }>(
    'GET',
    '/archives',
  );
  if (result.kind !== 'ok')
    return h('section', {}, h('h2', {}, 'Event archive'), notice('unavailable', describe(result)));
  return h(
    'section',
    {},
    h('h2', {}, 'Event archive'),
    ...result.body.archives.map((a) => {
      const from = h('input', { type: 'datetime-local', step: 1 });
      const to = h('input', { type: 'datetime-local', step: 1 });
      const out = h('span', {});
      const button = h('button', { type: 'submit' }, 'Replay window');
      const form = h(
        'form',
        { class: 'row card' },
        h('strong', {}, `${a.name} (${a.eventCount} events, bus ${a.eventBus})`),
        h('label', {}, 'From (UTC)', from),
        h('label', {}, 'To (UTC)', to),
        button,
        out,
      );
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const r = await local<{ events: number }>('POST', `/archives/${encodeURIComponent(a.name)}/replay`, {
          startTime: `${from.value}Z`,
          endTime: `${to.value}Z`,
        });
        replace(
          out,
          r.kind === 'ok' ? notice('ok', `Replaying ${r.body.events} events.`) : notice('error', describe(r)),
        );
      });
      return form;
    }),
  );
}
