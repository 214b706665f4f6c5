import { describe, expect, test } from 'vitest';
import { type AslDefinition, layoutAsl, takenEdges } from '../../console/src/asl-graph.ts';

/** The console's state machine diagram layout (console/src/asl-graph.ts): pure, so tested here. */
const definition: AslDefinition = {
  StartAt: 'Allocate',
  States: {
    Allocate: { Type: 'Task', Next: 'Allocated?', Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }] },
    'Allocated?': {
      Type: 'Choice',
      Choices: [{ Next: 'Release' }, { Next: 'WaitForStock' }],
      Default: 'Failed',
    },
    WaitForStock: { Type: 'Wait', Next: 'Allocate' },
    Release: {
      Type: 'Parallel',
      Branches: [{ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail' },
    Orphan: { Type: 'Pass', End: true },
  },
};

describe('ASL layout', () => {
  const graph = layoutAsl(definition);
  const node = (name: string) => graph.nodes.find((n) => n.name === name)!;

  test('every state is a node; layers follow the longest forward path from StartAt', () => {
    expect(graph.nodes.map((n) => n.name).sort()).toEqual(Object.keys(definition.States!).sort());
    expect(node('Allocate').layer).toBe(0);
    expect(node('Allocated?').layer).toBe(1);
    expect(node('Release').layer).toBe(2);
    expect(node('WaitForStock').layer).toBe(2);
    expect(node('Done').layer).toBe(3);
    // Failed is reached from Allocate (layer 0) and Allocated? (layer 1): below both.
    expect(node('Failed').layer).toBe(2);
    expect(node('Release').inner).toEqual(['A']);
    expect(node('Done').terminal).toBe(true);
  });

  test('a loop is a back edge; nodes never overlap and fit the canvas', () => {
    const loop = graph.edges.find((e) => e.from === 'WaitForStock' && e.to === 'Allocate');
    expect(loop?.back).toBe(true);
    expect(graph.edges.filter((e) => e.back)).toHaveLength(1);
    expect(graph.edges.find((e) => e.from === 'Allocate' && e.to === 'Failed')?.kind).toBe('catch');
    for (const a of graph.nodes) {
      expect(a.x + a.width).toBeLessThanOrEqual(graph.width);
      expect(a.y + a.height).toBeLessThanOrEqual(graph.height);
      for (const b of graph.nodes) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.name} overlaps ${b.name}`).toBe(true);
      }
    }
  });

  test('the path an execution took: transitions between consecutively entered states', () => {
    const taken = takenEdges(definition, [
      'Allocate',
      'Allocated?',
      'WaitForStock',
      'Allocate',
      'Allocated?',
      'Release',
      'A',
      'Done',
    ]);
    const pairs = [...taken].map((k) => k.split('\u0000').join(' → ')).sort();
    expect(pairs).toEqual([
      'Allocate → Allocated?',
      'Allocated? → Release',
      'Allocated? → WaitForStock',
      'Release → Done',
      'WaitForStock → Allocate',
    ]);
  });

  test('an empty or odd definition does not throw', () => {
    expect(layoutAsl({}).nodes).toEqual([]);
    expect(
      layoutAsl({ StartAt: 'Missing', States: { X: { Type: 'Pass', Next: 'Nowhere' } } }).nodes,
    ).toHaveLength(1);
  });
});
