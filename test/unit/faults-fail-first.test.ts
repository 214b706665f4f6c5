import { describe, expect, test } from 'vitest';
import { describeFaults, faultsActive, lambdaFaults } from '../../local/faults/faults.ts';

describe('Lambda fault injection, deterministic failFirst mode', () => {
  const steps = { logicalId: 'WorkflowsFulfilmentSteps1234', name: 'qm-FulfilmentSteps' };
  const other = { logicalId: 'ApiCreateOrder1234', name: 'qm-ApiCreateOrder' };

  test('the first N matching invocations fail, then none; other functions are never touched', () => {
    const decide = lambdaFaults({ rate: 0, failFirst: 2, functions: ['FulfilmentSteps'] }, () => 0)!;
    expect([
      decide(other),
      decide(steps),
      decide(other),
      decide(steps),
      decide(steps),
      decide(steps),
    ]).toEqual([undefined, 'before', undefined, 'before', undefined, undefined]);
  });

  test("when: 'after' lets the handler run and loses its response", () => {
    const decide = lambdaFaults({ rate: 0, failFirst: 1, when: 'after' }, Math.random)!;
    expect(decide(steps)).toBe('after');
    expect(decide(steps)).toBeUndefined();
  });

  test('counts as active and is announced with its error type', () => {
    const config = { lambda: { rate: 0, failFirst: 2, errorType: 'Lambda.ServiceException' } };
    expect(faultsActive(config)).toBe(true);
    expect(describeFaults(config)).toEqual([
      'Lambda: the first 2 invocation(s) of every function fail with Lambda.ServiceException',
    ]);
    expect(faultsActive({ lambda: { rate: 0 } })).toBe(false);
    expect(lambdaFaults({ rate: 0 }, Math.random)).toBeUndefined();
  });
});
