import { describe, expect, test } from 'vitest';
import { type Json, mutate } from '../support/fuzz-api.ts';

describe('fuzz body mutations', () => {
  test('an inserted value is a copy: a shared generator constant is never changed or made to contain itself', () => {
    // constantFrom([], {}) hands out one instance; bench:fuzz once crashed in JSON.stringify on the
    // cycle the second mutation made when it added that same instance into itself.
    const shared: Json = {};
    const body = mutate({ a: 1 }, [
      { kind: 'add', at: 0, key: 'k', value: shared },
      { kind: 'add', at: 1, key: 'self', value: shared },
    ] as Parameters<typeof mutate>[1]);
    expect(JSON.stringify(body)).toBe('{"a":1,"k":{"self":{}}}');
    expect(shared).toEqual({});
  });
});
