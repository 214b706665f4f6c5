import { api } from '../api.ts';
import { type AslDefinition, edgeKey, layoutAsl, takenEdges } from '../asl-graph.ts';
import { badge, h, json, notice, replace, s, table, when } from '../dom.ts';
import type { ExecutionDetail, ExecutionSummary, Page } from '../types.ts';
import { describe } from './orders.ts';

/** `#/executions?status=&stateMachine=`: workflow executions, newest first. */
export async function executionsView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  replace(root, h('h1', {}, 'Executions'), h('p', { class: 'muted' }, 'Loading…'));
  const query = new URLSearchParams();
  for (const k of ['status', 'stateMachine', 'cursor']) {
    const v = params.get(k);
    if (v) query.set(k, v);
  }
  const status = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'any status'),
    ...['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'].map((st) =>
      h('option', { value: st, selected: params.get('status') === st }, st),
    ),
  );
  const form = h(
    'form',
    { class: 'filters' },
    h('label', {}, 'Status', status),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/executions${status.value ? `?status=${status.value}` : ''}`;
  });
  const result = await api<Page<ExecutionSummary>>('GET', `/ops/executions?${query}`);
  if (result.kind !== 'ok') {
    replace(
      root,
      h('h1', {}, 'Executions'),
      notice(
        result.kind === 'unavailable' ? 'unavailable' : 'error',
        describe(result),
        'executions-unavailable',
      ),
    );
    return;
  }
  const next = new URLSearchParams(query);
  if (result.body.nextCursor) next.set('cursor', result.body.nextCursor);
  replace(
    root,
    h('h1', {}, 'Executions'),
    form,
    table(
      ['Name', 'State machine', 'Status', 'Started', 'Stopped'],
      result.body.items.map((e) =>
        h(
          'tr',
          { 'data-testid': 'execution-row' },
          h('td', {}, h('a', { href: `#/executions/${encodeURIComponent(e.name)}` }, e.name)),
          h('td', {}, e.stateMachine),
          h('td', {}, badge(e.status)),
          h('td', {}, when(e.startDate)),
          h('td', {}, when(e.stopDate)),
        ),
      ),
      'executions-table',
    ),
    result.body.nextCursor
      ? h('div', { class: 'pager' }, h('a', { href: `#/executions?${next}` }, 'Next →'))
      : '',
  );
}

/** `#/executions/{name}`: state-by-state history and the state machine diagram with the path taken. */
export async function executionView(root: HTMLElement, name: string): Promise<void> {
  replace(root, h('p', { class: 'muted' }, 'Loading…'));
  const result = await api<ExecutionDetail>('GET', `/ops/executions/${encodeURIComponent(name)}`);
  if (result.kind !== 'ok') {
    replace(
      root,
      h('h1', {}, `Execution ${name}`),
      notice(
        result.kind === 'unavailable' ? 'unavailable' : 'error',
        describe(result),
        'execution-unavailable',
      ),
    );
    return;
  }
  const e = result.body;
  const diagram = h(
    'div',
    { 'data-testid': 'execution-diagram' },
    h('p', { class: 'muted' }, 'Loading diagram…'),
  );
  const orderLink = /^ord_/.test(e.name) ? h('a', { href: `#/orders/${e.name}` }, ' (order)') : '';
  replace(
    root,
    h('h1', {}, 'Execution ', h('span', {}, e.name), orderLink, ' ', badge(e.status, 'execution-status')),
    h(
      'dl',
      { class: 'card grid kv' },
      ...[
        ['State machine', e.stateMachine],
        ['Started', when(e.startDate)],
        ['Stopped', when(e.stopDate) || '—'],
        ...(e.error ? [['Error', `${e.error}${e.cause ? `: ${e.cause}` : ''}`]] : []),
      ].map(([k, v]) => h('div', {}, h('dt', {}, k ?? ''), h('dd', {}, v ?? ''))),
    ),
    h('h2', {}, 'Diagram'),
    diagram,
    h('h2', {}, 'State by state'),
    table(
      ['State', 'Type', 'Outcome', 'Entered', 'Exited', 'Attempts', 'Input', 'Output', 'Errors'],
      e.steps.map((step) =>
        h(
          'tr',
          { 'data-testid': 'execution-step' },
          h('td', {}, step.name),
          h('td', {}, step.type),
          h('td', {}, badge(step.outcome)),
          h('td', {}, when(step.enteredAt)),
          h('td', {}, when(step.exitedAt)),
          h('td', { class: 'num' }, String(step.attempts ?? '')),
          h('td', {}, step.input === undefined ? '' : json(step.input)),
          h('td', {}, step.output === undefined ? '' : json(step.output)),
          h(
            'td',
            {},
            ...step.failures.map((f) =>
              h('div', { class: 'notice error' }, `${f.type}: ${f.error ?? ''} ${f.cause ?? ''}`),
            ),
          ),
        ),
      ),
      'execution-steps',
    ),
    h('h2', {}, 'Input and output'),
    h(
      'div',
      { class: 'grid' },
      h('div', {}, 'Input', json(e.input ?? null)),
      h('div', {}, 'Output', json(e.output ?? null)),
    ),
    h(
      'details',
      {},
      h('summary', {}, `Full history (${e.events.length} events)`),
      h('pre', {}, JSON.stringify(e.events, null, 2)),
    ),
  );

  const machine = await api<{ definition: AslDefinition }>(
    'GET',
    `/ops/state-machines/${encodeURIComponent(e.stateMachine)}`,
  );
  if (machine.kind !== 'ok') {
    replace(diagram, notice('unavailable', `Diagram not available: ${describe(machine)}`));
    return;
  }
  replace(diagram, renderDiagram(machine.body.definition, e));
}

export function renderDiagram(definition: AslDefinition, execution: ExecutionDetail): SVGElement {
  const graph = layoutAsl(definition);
  const entered = execution.steps.map((st) => st.name);
  const taken = takenEdges(definition, entered);
  const outcome = new Map<string, string>();
  for (const step of execution.steps) {
    // The latest entry of a state decides its colour (a retried loop may fail then succeed).
    outcome.set(step.name, step.outcome);
  }
  const svg = s(
    'svg',
    {
      class: 'asl',
      viewBox: `0 0 ${graph.width} ${graph.height}`,
      width: graph.width,
      height: graph.height,
      role: 'img',
      'aria-label': `${execution.stateMachine} state machine`,
    },
    s(
      'defs',
      {},
      s(
        'marker',
        {
          id: 'arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8a96a6' }),
      ),
    ),
  );
  for (const edge of graph.edges) {
    const classes = [
      'edge',
      edge.kind === 'catch' ? 'catch' : '',
      taken.has(edgeKey(edge.from, edge.to)) ? 'taken' : '',
    ]
      .filter(Boolean)
      .join(' ');
    svg.appendChild(
      s('path', {
        class: classes,
        d: edge.path,
        'marker-end': 'url(#arrow)',
        'data-from': edge.from,
        'data-to': edge.to,
      }),
    );
  }
  for (const node of graph.nodes) {
    const state = outcome.get(node.name);
    const cls = [
      'state',
      state === 'failed' ? 'failed' : state === 'running' ? 'running' : state ? 'visited' : '',
      node.terminal ? 'terminal' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const g = s(
      'g',
      { class: cls, 'data-state': node.name, 'data-testid': state ? 'diagram-visited' : 'diagram-state' },
      s('title', {}, `${node.name} (${node.type})${state ? ` — ${state}` : ''}`),
      s('rect', { x: node.x, y: node.y, width: node.width, height: node.height, rx: node.terminal ? 18 : 5 }),
      s('text', { x: node.x + node.width / 2, y: node.y + 15 }, truncate(node.name, 26)),
      s('text', { class: 'type', x: node.x + node.width / 2, y: node.y + 30 }, node.type),
    );
    node.inner.slice(0, 6).forEach((inner, i) => {
      g.appendChild(
        s(
          'text',
          { class: 'type', x: node.x + node.width / 2, y: node.y + 46 + i * 14 },
          i === 5 && node.inner.length > 6 ? `… ${node.inner.length - 5} more` : `▸ ${truncate(inner, 28)}`,
        ),
      );
    });
    svg.appendChild(g);
  }
  return svg;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
