import { api, apiRoutes, local, type Result } from '../api.ts';
import { badge, h, json, money, notice, replace, table, when } from '../dom.ts';
import type { ExecutionDetail, Order, OrderActivity } from '../types.ts';
import { CANCEL_REASONS } from '../types.ts';
import { describe } from './orders.ts';
import { type QueueMessage, type QueueSummary, redriveButton } from './queues.ts';

const CANCELLABLE = ['CREATED', 'ON_HOLD', 'ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'RELEASED'];

function section(title: string, testId: string, ...body: (Node | string)[]): HTMLElement {
  return h('section', { 'data-testid': testId }, h('h2', {}, title), ...body);
}

function unavailableOr(result: Exclude<Result<unknown>, { kind: 'ok' }>, testId: string): HTMLElement {
  return notice(result.kind === 'unavailable' ? 'unavailable' : 'error', describe(result), testId);
}

/** `#/orders/{orderId}`: the order, its history, what it announced, its workflow and deliveries; actions. */
export async function orderView(root: HTMLElement, orderId: string): Promise<void> {
  replace(root, h('p', { class: 'muted' }, 'Loading…'));
  const result = await api<Order>('GET', `/orders/${encodeURIComponent(orderId)}`);
  if (result.kind !== 'ok') {
    replace(root, h('h1', {}, orderId), unavailableOr(result, 'order-error'));
    return;
  }
  const order = result.body;
  const actions = h('div', { class: 'card', 'data-testid': 'order-actions' });
  const activity = h('div', {}, h('p', { class: 'muted' }, 'Loading events…'));
  const execution = h('div', {}, h('p', { class: 'muted' }, 'Loading execution…'));
  const deliveries = h('div', {}, h('p', { class: 'muted' }, 'Loading deliveries…'));

  const address = order.delivery.address as { city?: string; country?: string } | undefined;
  replace(
    root,
    h(
      'h1',
      {},
      'Order ',
      h('span', { 'data-testid': 'order-id' }, order.orderId),
      ' ',
      badge(order.status, 'order-status'),
    ),
    h(
      'dl',
      { class: 'card grid kv' },
      ...[
        ['Channel', order.channel],
        ['External id', order.externalId ?? '—'],
        ['Customer', order.customer.customerId],
        ['Created', when(order.createdAt)],
        ['Updated', when(order.updatedAt)],
        ['Version', String(order.version)],
        ['Subtotal', money(order.totals.subtotal, order.currency)],
        [
          'Delivery',
          order.delivery.method === 'ship'
            ? `ship (${order.delivery.service ?? 'standard'}) to ${address?.city ?? ''} ${address?.country ?? ''}`
            : `pickup at ${order.delivery.locationId ?? ''}`,
        ],
        ...(order.cancellation
          ? [
              [
                'Cancelled',
                `${order.cancellation.reason} by ${order.cancellation.by.type}:${order.cancellation.by.id}`,
              ],
            ]
          : []),
      ].map(([k, v]) => h('div', {}, h('dt', {}, k ?? ''), h('dd', {}, v ?? ''))),
    ),
    actions,
    section(
      'Lines',
      'order-lines',
      table(
        ['Line', 'SKU', 'Qty', 'Unit price', 'Status', 'Allocated', 'Backordered', 'Shipped', 'Cancelled'],
        order.lines.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, l.lineId),
            h('td', {}, h('a', { href: `#/inventory/${encodeURIComponent(l.sku)}` }, l.sku)),
            h('td', { class: 'num' }, String(l.quantity)),
            h('td', { class: 'num' }, money(l.unitPrice, order.currency)),
            h('td', {}, badge(l.status)),
            ...['allocated', 'backordered', 'shipped', 'cancelled'].map((q) =>
              h('td', { class: 'num' }, String(l.quantities[q] ?? 0)),
            ),
          ),
        ),
      ),
    ),
    section(
      'Status history',
      'order-history',
      table(
        ['At', 'From', 'To', 'By', 'Reason'],
        (order.history ?? []).map((c) =>
          h(
            'tr',
            { 'data-testid': 'history-row' },
            h('td', {}, when(c.at)),
            h('td', {}, c.from ?? '—'),
            h('td', {}, badge(c.to)),
            h('td', {}, `${c.by.type}:${c.by.id}`),
            h('td', {}, c.reason, c.note ? ` — ${c.note}` : ''),
          ),
        ),
        'history-table',
      ),
    ),
    section('Workflow execution', 'order-execution', execution),
    section('Reservations, shipments and events sent', 'order-activity', activity),
    section('Webhook deliveries and dead-letter queues', 'order-deliveries', deliveries),
    h('details', {}, h('summary', {}, 'Raw order'), h('pre', {}, JSON.stringify(order, null, 2))),
  );

  await Promise.all([
    renderActions(actions, order),
    renderActivity(activity, order),
    renderExecution(execution, order.orderId),
    renderDeliveries(deliveries, order.orderId),
  ]);
}

async function renderActions(target: HTMLElement, order: Order): Promise<void> {
  const routes = await apiRoutes();
  const status = h('div', { 'data-testid': 'action-result' });
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  const parts: HTMLElement[] = [h('strong', {}, 'Actions')];

  if (CANCELLABLE.includes(order.status)) {
    const reason = h(
      'select',
      { 'data-testid': 'cancel-reason' },
      ...CANCEL_REASONS.map((r) => h('option', { value: r }, r)),
    );
    const note = h('input', { placeholder: 'note (optional)', 'data-testid': 'cancel-note', maxlength: 500 });
    const button = h(
      'button',
      { class: 'danger', type: 'submit', 'data-testid': 'cancel-order' },
      'Cancel order',
    );
    const form = h(
      'form',
      { class: 'row' },
      h('label', {}, 'Reason', reason),
      h('label', {}, 'Note', note),
      button,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!window.confirm(`Cancel ${order.orderId} (${reason.value})?`)) return;
      button.disabled = true;
      const r = await api('POST', `/orders/${order.orderId}/cancel`, {
        reason: reason.value,
        ...(note.value.trim() ? { note: note.value.trim() } : {}),
      });
      replace(status, r.kind === 'ok' ? notice('ok', 'Cancelled.') : unavailableOr(r, 'cancel-error'));
      if (r.kind === 'ok') reload();
      else button.disabled = false;
    });
    parts.push(form);
  } else parts.push(h('p', { class: 'muted' }, `A ${order.status} order cannot be cancelled.`));

  // Order actions without a body that the API offers: allocate, and release hold once the API has it
  // (found in its OpenAPI document, e.g. POST /orders/{orderId}/release-hold).
  const extra = [...routes]
    .filter((r) => r.startsWith('POST /orders/{orderId}/'))
    .map((r) => r.slice('POST /orders/{orderId}/'.length))
    .filter((a) => a === 'allocate' || /release|hold/.test(a));
  for (const action of extra) {
    const label = action.replace(/[-/]/g, ' ');
    const button = h(
      'button',
      { class: 'secondary', 'data-testid': `action-${action.replace(/\W+/g, '-')}` },
      label.charAt(0).toUpperCase() + label.slice(1),
    );
    button.addEventListener('click', async () => {
      button.disabled = true;
      const r = await api('POST', `/orders/${order.orderId}/${action}`, {});
      replace(status, r.kind === 'ok' ? notice('ok', `${label}: done.`) : unavailableOr(r, 'action-error'));
      if (r.kind === 'ok') reload();
      else button.disabled = false;
    });
    parts.push(button);
  }
  if (!extra.some((a) => /release|hold/.test(a)))
    parts.push(
      notice('unavailable', 'Release hold: not available (this API has no order hold-release route).'),
    );
  replace(target, ...parts, status);
}

async function renderActivity(target: HTMLElement, order: Order): Promise<void> {
  const result = await api<OrderActivity>('GET', `/ops/orders/${order.orderId}/events`);
  const shipments = order.shipments
    ? h(
        'div',
        { 'data-testid': 'shipments' },
        h('h3', {}, 'Shipments'),
        ...order.shipments.map((s) => h('div', { class: 'card' }, json(s, true))),
      )
    : null;
  if (result.kind !== 'ok') {
    replace(target, shipments ?? '', unavailableOr(result, 'events-unavailable'));
    return;
  }
  const { events, reservations } = result.body;
  replace(
    target,
    h('h3', {}, 'Reservations'),
    reservations.length
      ? table(
          ['Line', 'SKU', 'Location', 'Held', 'Shipped', 'Released', 'Updated'],
          reservations.map((r) =>
            h(
              'tr',
              {},
              h('td', {}, r.lineId),
              h('td', {}, h('a', { href: `#/inventory/${encodeURIComponent(r.sku)}` }, r.sku)),
              h('td', {}, r.locationId),
              h('td', { class: 'num' }, String(r.quantity)),
              h('td', { class: 'num' }, String(r.consumed)),
              h('td', { class: 'num' }, String(r.released)),
              h('td', {}, when(r.updatedAt)),
            ),
          ),
          'reservations-table',
        )
      : h('p', { class: 'muted' }, 'No reservations.'),
    shipments ?? '',
    h('h3', {}, `Events sent (${events.length})`),
    table(
      ['Occurred', 'Type', 'Event id', 'Data'],
      events.map((e) =>
        h(
          'tr',
          { 'data-testid': 'event-row' },
          h('td', {}, when(e.occurredAt)),
          h('td', {}, e.type),
          h('td', {}, e.eventId),
          h('td', {}, json(e.data)),
        ),
      ),
      'events-table',
    ),
  );
}

async function renderExecution(target: HTMLElement, orderId: string): Promise<void> {
  const result = await api<ExecutionDetail>('GET', `/ops/executions/${orderId}`);
  if (result.kind !== 'ok') {
    if (result.kind === 'error' && result.status === 404)
      replace(target, notice('unavailable', 'No workflow execution for this order.', 'execution-none'));
    else replace(target, unavailableOr(result, 'execution-unavailable'));
    return;
  }
  const e = result.body;
  replace(
    target,
    h(
      'p',
      {},
      h(
        'a',
        { href: `#/executions/${encodeURIComponent(e.name)}`, 'data-testid': 'execution-link' },
        e.stateMachine,
      ),
      ' ',
      badge(e.status, 'execution-status'),
      ` started ${when(e.startDate)}${e.stopDate ? `, stopped ${when(e.stopDate)}` : ''}`,
    ),
    table(
      ['State', 'Type', 'Outcome', 'Entered', 'Attempts'],
      e.steps.map((s) =>
        h(
          'tr',
          { 'data-testid': 'order-execution-step' },
          h('td', {}, s.name),
          h('td', {}, s.type),
          h('td', {}, badge(s.outcome)),
          h('td', {}, when(s.enteredAt)),
          h('td', { class: 'num' }, String(s.attempts ?? '')),
        ),
      ),
    ),
  );
}

/** Messages for this order waiting in partner queues or dead-lettered (local runtime's /_local/queues). */
async function renderDeliveries(target: HTMLElement, orderId: string): Promise<void> {
  const queues = await local<{ queues: QueueSummary[] }>('GET', '/queues');
  if (queues.kind !== 'ok') {
    replace(target, unavailableOr(queues, 'deliveries-unavailable'));
    return;
  }
  const found: { queue: QueueSummary; message: QueueMessage }[] = [];
  await Promise.all(
    queues.body.queues.map(async (queue) => {
      if (!queue.depth) return;
      const r = await local<{ messages: QueueMessage[] }>(
        'GET',
        `/queues/${encodeURIComponent(queue.name)}/messages`,
      );
      if (r.kind !== 'ok') return;
      for (const message of r.body.messages)
        if (message.body.includes(orderId)) found.push({ queue, message });
    }),
  );
  if (!found.length) {
    replace(
      target,
      h(
        'p',
        { class: 'muted', 'data-testid': 'deliveries-none' },
        `No delivery of this order is pending or dead-lettered (${queues.body.queues.length} queues checked).`,
      ),
    );
    return;
  }
  replace(
    target,
    table(
      ['Queue', 'State', 'Event', 'Receives', 'Sent', ''],
      found.map(({ queue, message }) => {
        let type = '';
        try {
          const body = JSON.parse(message.body) as {
            'detail-type'?: string;
            type?: string;
            detail?: { type?: string };
          };
          type = body['detail-type'] ?? body.detail?.type ?? body.type ?? '';
        } catch {
          // not JSON
        }
        return h(
          'tr',
          { 'data-testid': 'delivery-row' },
          h('td', {}, queue.name),
          h('td', {}, badge(queue.deadLetterQueue ? 'FAILED' : 'PENDING')),
          h('td', {}, type, json(message.body)),
          h('td', { class: 'num' }, String(message.receiveCount)),
          h('td', {}, when(message.sentAt)),
          h('td', {}, queue.deadLetterQueue ? redriveButton(queue, 'Retry delivery') : ''),
        );
      }),
      'deliveries-table',
    ),
  );
}
