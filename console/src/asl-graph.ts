/**
 * Lays out an Amazon States Language definition as a layered graph (pure: no DOM), for the console's
 * state machine diagram. States are placed in layers by their longest distance from StartAt along
 * forward transitions (loops become back edges drawn beside the graph); Parallel branches and Map
 * iterators are listed inside their state.
 */

export interface AslState {
  Type?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next?: string }[];
  Catch?: { Next?: string; ErrorEquals?: string[] }[];
  Branches?: AslDefinition[];
  Iterator?: AslDefinition;
  ItemProcessor?: AslDefinition;
}

export interface AslDefinition {
  StartAt?: string;
  States?: Record<string, AslState>;
}

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphNode {
  name: string;
  type: string;
  layer: number;
  x: number;
  y: number;
  width: number;
  height: number;
  /** States inside a Parallel's branches or a Map's iterator. */
  inner: string[];
  terminal: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** Goes to an earlier (or the same) layer: a loop. */
  back: boolean;
  /** SVG path data. */
  path: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  width: number;
  height: number;
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 40;
const GAP_X = 30;
const GAP_Y = 46;
const MARGIN = 24;

export function transitions(state: AslState): { to: string; kind: EdgeKind }[] {
  const out: { to: string; kind: EdgeKind }[] = [];
  if (state.Next) out.push({ to: state.Next, kind: 'next' });
  for (const choice of state.Choices ?? []) if (choice.Next) out.push({ to: choice.Next, kind: 'choice' });
  if (state.Default) out.push({ to: state.Default, kind: 'default' });
  for (const c of state.Catch ?? []) if (c.Next) out.push({ to: c.Next, kind: 'catch' });
  return out;
}

function innerStates(state: AslState): string[] {
  const defs = [...(state.Branches ?? []), state.ItemProcessor ?? state.Iterator].filter(
    (d): d is AslDefinition => d !== undefined,
  );
  return defs.flatMap((d) => Object.keys(d.States ?? {}));
}

export function layoutAsl(definition: AslDefinition): Graph {
  const states = definition.States ?? {};
  const names = Object.keys(states);
  const start = definition.StartAt && states[definition.StartAt] ? definition.StartAt : names[0];
  if (start === undefined) return { nodes: [], edges: [], width: 0, height: 0 };

  // Depth-first from StartAt: discovery order, and which transitions close a loop (back edges).
  const order: string[] = [];
  const onStack = new Set<string>();
  const seen = new Set<string>();
  const back = new Set<string>();
  const visit = (name: string) => {
    seen.add(name);
    onStack.add(name);
    order.push(name);
    for (const t of transitions(states[name] ?? {})) {
      if (!states[t.to]) continue;
      if (onStack.has(t.to)) back.add(`${name}\u0000${t.to}`);
      else if (!seen.has(t.to)) visit(t.to);
    }
    onStack.delete(name);
  };
  visit(start);
  for (const name of names) if (!seen.has(name)) visit(name); // unreachable states still show

  // Longest path over forward edges (a DAG once back edges are removed), in topological order.
  const layer = new Map<string, number>(order.map((n) => [n, 0]));
  const indegree = new Map<string, number>(order.map((n) => [n, 0]));
  const forward = (name: string) =>
    transitions(states[name] ?? {}).filter((t) => states[t.to] && !back.has(`${name}\u0000${t.to}`));
  for (const n of order) for (const t of forward(n)) indegree.set(t.to, (indegree.get(t.to) ?? 0) + 1);
  const queue = order.filter((n) => indegree.get(n) === 0);
  while (queue.length) {
    const n = queue.shift()!;
    for (const t of forward(n)) {
      layer.set(t.to, Math.max(layer.get(t.to) ?? 0, (layer.get(n) ?? 0) + 1));
      indegree.set(t.to, (indegree.get(t.to) ?? 1) - 1);
      if (indegree.get(t.to) === 0) queue.push(t.to);
    }
  }

  const layers: string[][] = [];
  for (const n of order) {
    const index = layer.get(n) ?? 0;
    layers[index] = [...(layers[index] ?? []), n];
  }
  const widest = Math.max(...layers.map((l) => l?.length ?? 0));
  const rowWidth = (count: number) => count * NODE_WIDTH + (count - 1) * GAP_X;
  const contentWidth = rowWidth(widest);
  const hasBack = back.size > 0;
  const width = contentWidth + 2 * MARGIN + (hasBack ? 60 : 0);

  const nodes: GraphNode[] = [];
  const byName = new Map<string, GraphNode>();
  let y = MARGIN;
  for (const [index, row] of layers.entries()) {
    const members = row ?? [];
    let x = MARGIN + (contentWidth - rowWidth(members.length)) / 2;
    let rowHeight = NODE_HEIGHT;
    for (const name of members) {
      const state = states[name] ?? {};
      const inner = innerStates(state);
      const height = NODE_HEIGHT + (inner.length ? 14 * Math.min(inner.length, 6) + 6 : 0);
      const type = state.Type ?? 'Unknown';
      const node: GraphNode = {
        name,
        type,
        layer: index,
        x,
        y,
        width: NODE_WIDTH,
        height,
        inner,
        terminal: type === 'Succeed' || type === 'Fail' || state.End === true,
      };
      nodes.push(node);
      byName.set(name, node);
      x += NODE_WIDTH + GAP_X;
      rowHeight = Math.max(rowHeight, height);
    }
    y += rowHeight + GAP_Y;
  }
  const height = y - GAP_Y + MARGIN;

  const edges: GraphEdge[] = [];
  for (const n of order) {
    const from = byName.get(n)!;
    for (const t of transitions(states[n] ?? {})) {
      const to = byName.get(t.to);
      if (!to) continue;
      const isBack = back.has(`${n}\u0000${t.to}`);
      let path: string;
      if (isBack) {
        // Out of the right side, up beside the graph, into the target's right side.
        const x1 = from.x + from.width;
        const y1 = from.y + from.height / 2;
        const x2 = to.x + to.width;
        const y2 = to.y + to.height / 2;
        const side = MARGIN + contentWidth + 40;
        path = `M${x1},${y1} C${side},${y1} ${side},${y2} ${x2},${y2}`;
      } else {
        const x1 = from.x + from.width / 2;
        const y1 = from.y + from.height;
        const x2 = to.x + to.width / 2;
        const y2 = to.y;
        const mid = (y1 + y2) / 2;
        path = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
      }
      edges.push({ from: n, to: t.to, kind: t.kind, back: isBack, path });
    }
  }
  return { nodes, edges, width, height };
}

/**
 * Transitions an execution took, from the states it entered in order (a state entered right after
 * another, when the definition links them). Inner states of Parallel/Map are ignored.
 */
export function takenEdges(definition: AslDefinition, entered: string[]): Set<string> {
  const states = definition.States ?? {};
  const top = entered.filter((n) => states[n] !== undefined);
  const taken = new Set<string>();
  for (let i = 1; i < top.length; i++) {
    const from = top[i - 1]!;
    const to = top[i]!;
    if (transitions(states[from] ?? {}).some((t) => t.to === to)) taken.add(`${from}\u0000${to}`);
  }
  return taken;
}

export const edgeKey = (from: string, to: string) => `${from}\u0000${to}`;
