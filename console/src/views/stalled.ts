import { api } from '../api.ts';
import { badge, h, notice, replace, table, when } from '../dom.ts';
import type { ResumeOutcome, StalledOrder } from '../types.ts';
import { describe } from './orders.ts';

/** The API's own default: younger orders' first run may still be on its way (queue), so they are skipped. */
const DEFAULT_OLDER_THAN_SECONDS = 300;
const DEFAULT_LIMIT = 50;

const executionLink = (name: string, testId?: string) =>
  h(
    'a',
    { href: `#/executions/${encodeURIComponent(name)}`, ...(testId ? { 'data-testid': testId } : {}) },
    name,
  );

/** Starts a new fulfilment run for one order and says which (or why not). */
function resumeButton(order: StalledOrder): HTMLElement {
  const out = h('div', {});
  const button = h('button', { class: 'secondary', 'data-testid': 'resume-order' }, 'Resume');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const r = await api<ResumeOutcome>('POST', `/ops/orders/${encodeURIComponent(order.orderId)}/resume`);
    if (r.kind !== 'ok') {
      replace(out, notice(r.kind === 'unavailable' ? 'unavailable' : 'error', describe(r), 'resume-error'));
      button.disabled = false;
      return;
    }
    // 202 started a run; 200 means one is already live (someone resumed it meanwhile): nothing to redo.
    replace(
      out,
      h(
        'div',
        { class: 'notice ok', 'data-testid': 'resume-result' },
        r.body.outcome === 'started' ? 'Started ' : 'Already running: ',
        executionLink(r.body.execution, 'resumed-execution'),
      ),
    );
  });
  return h('td', {}, button, out);
}

/**
 * `#/stalled?olderThanSeconds=&limit=`: orders whose fulfilment run ended abnormally (FAILED, ABORTED,
 * TIMED_OUT) or never started, with no live run: nothing will move them and what they reserved stays
 * reserved. Each can be resumed (a new run `<orderId>-r<n>` from the order's stored state).
 */
export async function stalledView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  // Passed to the API as given: a bad value comes back as its problem+json, shown below.
  const olderThan = params.get('olderThanSeconds') ?? String(DEFAULT_OLDER_THAN_SECONDS);
  const limit = params.get('limit') ?? String(DEFAULT_LIMIT);
  const heading = h('h1', {}, 'Stalled orders');
  const intro = h(
    'p',
    { class: 'muted' },
    'Unsettled orders whose fulfilment run ended abnormally (or never started) and have no live run: they hold their reservations until resumed, released or cancelled.',
  );

  const includeRecent = h('input', {
    type: 'checkbox',
    name: 'includeRecent',
    checked: olderThan === '0',
    'data-testid': 'stalled-include-recent',
  });
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'stalled-filters' },
    h(
      'label',
      {},
      `Include orders younger than ${DEFAULT_OLDER_THAN_SECONDS / 60} min (their first run may still be queued)`,
      includeRecent,
    ),
    h('button', { type: 'submit', 'data-testid': 'stalled-refresh' }, 'Refresh'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    if (includeRecent.checked) next.set('olderThanSeconds', '0');
    else next.delete('olderThanSeconds');
    const hash = `#/stalled${next.toString() ? `?${next}` : ''}`;
    // The same hash does not fire hashchange: reload the view in place.
    if (location.hash === hash) void stalledView(root, next);
    else location.hash = hash;
  });
  includeRecent.addEventListener('change', () => form.requestSubmit());

  const results = h('div', { 'data-testid': 'stalled-results' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, heading, intro, form, results);

  const query = new URLSearchParams({ olderThanSeconds: olderThan, limit });
  const result = await api<{ items: StalledOrder[] }>('GET', `/ops/orders/stalled?${query}`);
  if (result.kind !== 'ok') {
    replace(
      results,
      notice(result.kind === 'unavailable' ? 'unavailable' : 'error', describe(result), 'stalled-error'),
    );
    return;
  }
  const { items } = result.body;
  if (!items.length) {
    replace(
      results,
      h(
        'p',
        { class: 'muted', 'data-testid': 'stalled-empty' },
        olderThan !== '0'
          ? `No stalled orders older than ${olderThan} s.`
          : 'No stalled orders: every unsettled order has a live fulfilment run.',
      ),
    );
    return;
  }
  const rows = items.map((o) =>
    h(
      'tr',
      { 'data-testid': 'stalled-row', 'data-order-id': o.orderId },
      h('td', {}, h('a', { href: `#/orders/${encodeURIComponent(o.orderId)}` }, o.orderId)),
      h('td', {}, badge(o.status)),
      h('td', {}, when(o.createdAt)),
      h('td', { class: 'num' }, String(o.reservedUnits)),
      h(
        'td',
        {},
        o.lastRun ? [executionLink(o.lastRun.execution), ' ', badge(o.lastRun.status)] : 'none started',
      ),
      h('td', {}, o.lastRun?.error ?? ''),
      h('td', {}, when(o.lastRun?.stopDate)),
      resumeButton(o),
    ),
  );
  replace(
    results,
    table(
      ['Order', 'Status', 'Created', 'Reserved units', 'Last run', 'Error', 'Stopped', ''],
      rows,
      'stalled-table',
    ),
    items.length >= Number(limit)
      ? h('p', { class: 'muted' }, `Showing the first ${items.length} (oldest first per status).`)
      : '',
  );
}
