/** Tiny DOM helpers: every text goes in as a text node (no innerHTML), so API data cannot inject markup. */

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}

function applyAttrs(el: Element, attrs: Attrs): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function badge(value: string, testId?: string): HTMLElement {
  return h('span', { class: `badge ${value}`, ...(testId ? { 'data-testid': testId } : {}) }, value);
}

export function when(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export function money(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

export function json(value: unknown, open = false): HTMLElement {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  return h('details', { open }, h('summary', {}, 'JSON'), h('pre', {}, text ?? ''));
}

export function notice(kind: 'unavailable' | 'error' | 'ok', text: string, testId?: string): HTMLElement {
  return h('div', { class: `notice ${kind}`, ...(testId ? { 'data-testid': testId } : {}) }, text);
}

export function table(headers: string[], rows: HTMLTableRowElement[], testId?: string): HTMLTableElement {
  return h(
    'table',
    testId ? { 'data-testid': testId } : {},
    h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', {}, x)))),
    h('tbody', {}, ...rows),
  );
}

export function replace(target: Element, ...children: Child[]): void {
  target.replaceChildren();
  append(target, children);
}
