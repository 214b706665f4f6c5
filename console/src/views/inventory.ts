import { api } from '../api.ts';
import { h, notice, replace, table, when } from '../dom.ts';
import { describe } from './orders.ts';

interface NetworkPosition {
  locationId: string;
  location?: { name: string; type: string; status: string };
  onHand: number;
  reserved: number;
  safetyStock: number;
  ats: number;
  inbound: { quantity: number; expectedAt?: string }[];
  shippable: boolean;
  pickup: boolean;
  updatedAt: string;
}

interface InventoryNetwork {
  sku: string;
  positions: NetworkPosition[];
  totals: Record<string, number>;
}

/** `#/inventory/{sku}`: the SKU at every location with ATS; release a cart hold by id. */
export async function inventoryView(root: HTMLElement, sku: string): Promise<void> {
  const input = h('input', {
    name: 'sku',
    value: sku,
    placeholder: 'SKU, e.g. TSHIRT-BLK-M',
    'data-testid': 'sku-input',
  });
  const form = h(
    'form',
    { class: 'filters' },
    h('label', {}, 'SKU', input),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) location.hash = `#/inventory/${encodeURIComponent(input.value.trim())}`;
  });
  const body = h('div', {});
  replace(root, h('h1', {}, 'Inventory network'), form, body, holdRelease());
  if (!sku) return;
  replace(body, h('p', { class: 'muted' }, 'Loading…'));
  const result = await api<InventoryNetwork>('GET', `/inventory/${encodeURIComponent(sku)}`);
  if (result.kind !== 'ok') {
    replace(
      body,
      notice(result.kind === 'unavailable' ? 'unavailable' : 'error', describe(result), 'inventory-error'),
    );
    return;
  }
  const n = result.body;
  const max = Math.max(1, ...n.positions.map((p) => p.onHand));
  replace(
    body,
    h(
      'dl',
      { class: 'card grid kv', 'data-testid': 'inventory-totals' },
      ...Object.entries(n.totals).map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, String(v)))),
    ),
    table(
      [
        'Location',
        'Type',
        'Status',
        'On hand',
        'Reserved',
        'Safety',
        'ATS',
        'Inbound',
        'Ship / pickup',
        'Stock',
        'Updated',
      ],
      n.positions.map((p) =>
        h(
          'tr',
          { 'data-testid': 'inventory-row' },
          h('td', {}, p.locationId, p.location ? h('div', { class: 'muted' }, p.location.name) : ''),
          h('td', {}, p.location?.type ?? '?'),
          h('td', {}, p.location?.status ?? 'not in network'),
          h('td', { class: 'num' }, String(p.onHand)),
          h('td', { class: 'num' }, String(p.reserved)),
          h('td', { class: 'num' }, String(p.safetyStock)),
          h('td', { class: 'num', 'data-testid': 'ats' }, String(p.ats)),
          h('td', { class: 'num' }, String(p.inbound.reduce((t, i) => t + i.quantity, 0))),
          h('td', {}, `${p.shippable ? 'ship' : '—'} / ${p.pickup ? 'pickup' : '—'}`),
          h('td', {}, bar(p, max)),
          h('td', {}, when(p.updatedAt)),
        ),
      ),
      'inventory-table',
    ),
  );
}

/** Reserved, safety stock and ATS as one stacked bar, scaled to the largest on-hand. */
function bar(p: NetworkPosition, max: number): HTMLElement {
  const pct = (v: number) => `${Math.max(0, (v / max) * 100)}%`;
  const seg = (v: number, color: string, title: string) =>
    h('span', {
      title: `${title}: ${v}`,
      style: `display:inline-block;height:10px;width:${pct(v)};background:${color}`,
    });
  const safety = Math.min(p.safetyStock, Math.max(0, p.onHand - p.reserved));
  return h(
    'div',
    {
      style:
        'width:140px;background:#eef0f3;border-radius:3px;overflow:hidden;white-space:nowrap;font-size:0',
    },
    seg(Math.min(p.reserved, p.onHand), '#2a6fdb', 'reserved'),
    seg(safety, '#b7791f', 'safety stock'),
    seg(p.ats, '#1f8a4c', 'ATS'),
  );
}

function holdRelease(): HTMLElement {
  const hold = h('input', { placeholder: 'hold id', 'data-testid': 'hold-id' });
  const out = h('span', {});
  const form = h(
    'form',
    { class: 'row card' },
    h('strong', {}, 'Release a cart hold'),
    h('label', {}, 'Hold id', hold),
    h('button', { type: 'submit', class: 'secondary', 'data-testid': 'release-hold' }, 'Release hold'),
    out,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!hold.value.trim()) return;
    const r = await api('DELETE', `/reservations/${encodeURIComponent(hold.value.trim())}`);
    replace(
      out,
      r.kind === 'ok'
        ? notice('ok', 'Released.', 'release-result')
        : notice('error', describe(r), 'release-result'),
    );
  });
  return form;
}
