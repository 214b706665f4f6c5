import { api, type Result } from '../api.ts';
import { badge, h, money, notice, replace, table, when } from '../dom.ts';
import type { Order, Page } from '../types.ts';
import { ORDER_STATUSES } from '../types.ts';

/** `#/orders?status=|channel=|customerId=&createdFrom=&createdTo=&cursor=`: filters and cursor paging. */
export async function ordersView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const filterKind = params.has('channel') ? 'channel' : params.has('customerId') ? 'customerId' : 'status';
  const filterValue = params.get(filterKind) ?? (filterKind === 'status' ? 'CREATED' : '');
  const createdFrom = params.get('createdFrom') ?? '';
  const createdTo = params.get('createdTo') ?? '';
  const cursor = params.get('cursor') ?? '';
  const trail = (params.get('trail') ?? '').split(',').filter(Boolean);

  const kindSelect = h(
    'select',
    { name: 'kind', 'data-testid': 'filter-kind' },
    ...(['status', 'channel', 'customerId'] as const).map((k) =>
      h('option', { value: k, selected: k === filterKind }, k === 'customerId' ? 'customer' : k),
    ),
  );
  const statusSelect = h(
    'select',
    { name: 'status', 'data-testid': 'filter-status' },
    ...ORDER_STATUSES.map((st) =>
      h('option', { value: st, selected: filterKind === 'status' && st === filterValue }, st),
    ),
  );
  const textValue = h('input', {
    name: 'value',
    placeholder: filterKind === 'channel' ? 'web' : 'customer id',
    value: filterKind === 'status' ? '' : filterValue,
    'data-testid': 'filter-value',
  });
  const showValueInput = () => {
    const isStatus = kindSelect.value === 'status';
    statusSelect.hidden = !isStatus;
    textValue.hidden = isStatus;
  };
  kindSelect.addEventListener('change', showValueInput);
  showValueInput();
  const from = h('input', {
    type: 'date',
    name: 'from',
    value: createdFrom.slice(0, 10),
    'data-testid': 'filter-from',
  });
  const to = h('input', {
    type: 'date',
    name: 'to',
    value: createdTo.slice(0, 10),
    'data-testid': 'filter-to',
  });

  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'orders-filters' },
    h('label', {}, 'Filter by', kindSelect),
    h('label', {}, 'Value', statusSelect, textValue),
    h('label', {}, 'Created from (UTC)', from),
    h('label', {}, 'Created to (UTC)', to),
    h('button', { type: 'submit', 'data-testid': 'filter-apply' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    const kind = kindSelect.value;
    const value = kind === 'status' ? statusSelect.value : textValue.value.trim();
    if (value) next.set(kind, value);
    if (from.value) next.set('createdFrom', `${from.value}T00:00:00.000Z`);
    if (to.value) next.set('createdTo', `${to.value}T23:59:59.999Z`);
    location.hash = `#/orders?${next}`;
  });

  const results = h('div', { 'data-testid': 'orders-results' }, h('p', { class: 'muted' }, 'Loading…'));
  replace(root, h('h1', {}, 'Orders'), form, results);

  const query = new URLSearchParams();
  if (filterValue) query.set(filterKind, filterValue);
  if (createdFrom) query.set('createdFrom', createdFrom);
  if (createdTo) query.set('createdTo', createdTo);
  query.set('limit', '20');
  if (cursor) query.set('cursor', cursor);
  const result: Result<Page<Order>> = await api('GET', `/orders?${query}`);
  if (result.kind !== 'ok') {
    replace(results, notice(result.kind === 'unavailable' ? 'unavailable' : 'error', describe(result)));
    return;
  }
  const rows = result.body.items.map((o) => {
    const row = h(
      'tr',
      { class: 'clickable', 'data-testid': 'order-row', 'data-order-id': o.orderId },
      h('td', {}, h('a', { href: `#/orders/${o.orderId}` }, o.orderId)),
      h('td', {}, badge(o.status)),
      h('td', {}, o.channel),
      h('td', {}, o.customer.customerId),
      h('td', { class: 'num' }, String(o.totals.units)),
      h('td', { class: 'num' }, money(o.totals.subtotal, o.currency)),
      h('td', {}, when(o.createdAt)),
    );
    row.addEventListener('click', () => {
      location.hash = `#/orders/${o.orderId}`;
    });
    return row;
  });
  const pageParams = (nextCursor: string | undefined, nextTrail: string[]) => {
    const p = new URLSearchParams(params);
    p.delete('cursor');
    p.delete('trail');
    if (nextCursor) p.set('cursor', nextCursor);
    if (nextTrail.length) p.set('trail', nextTrail.join(','));
    return `#/orders?${p}`;
  };
  const pager = h(
    'div',
    { class: 'pager' },
    cursor
      ? h(
          'a',
          { href: pageParams(trail.at(-1) === '-' ? undefined : trail.at(-1), trail.slice(0, -1)) },
          '← Previous',
        )
      : null,
    result.body.nextCursor
      ? h(
          'a',
          { href: pageParams(result.body.nextCursor, [...trail, cursor || '-']), 'data-testid': 'next-page' },
          'Next →',
        )
      : null,
  );
  replace(
    results,
    rows.length
      ? table(
          ['Order', 'Status', 'Channel', 'Customer', 'Units', 'Subtotal', 'Created'],
          rows,
          'orders-table',
        )
      : h('p', { class: 'muted', 'data-testid': 'orders-empty' }, 'No orders match.'),
    pager,
  );
}

export function describe(result: Exclude<Result<unknown>, { kind: 'ok' }>): string {
  if (result.kind === 'unavailable') return `Not available: ${result.detail}`;
  // A validation problem names its fields in `errors` (RFC 9457 extension): show them with the detail.
  const errors = (result.body as { errors?: unknown } | undefined)?.errors;
  const fields = Array.isArray(errors)
    ? errors
        .map((e: { field?: unknown; message?: unknown }) =>
          typeof e?.field === 'string' ? `${e.field}: ${String(e.message ?? '')}` : '',
        )
        .filter(Boolean)
        .join('; ')
    : '';
  return `${result.title}${result.detail ? `: ${result.detail}` : ''}${fields ? ` (${fields})` : ''} (HTTP ${result.status})`;
}
