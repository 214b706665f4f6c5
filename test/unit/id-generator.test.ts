import { describe, expect, test } from 'vitest';
import { ulidIdGenerator } from '../../shared/ports/id-generator.ts';

describe('ulidIdGenerator', () => {
  test('ids are well-formed ULIDs, unique and in creation order across many pool refills', () => {
    const ids = ulidIdGenerator();
    const made = Array.from({ length: 5000 }, (_, i) => (i % 2 ? ids.eventId() : ids.orderId().slice(4)));
    for (const id of made) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
    expect(ids.orderId()).toMatch(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  test('two generators do not produce the same random part', () => {
    const a = ulidIdGenerator().eventId();
    const b = ulidIdGenerator().eventId();
    expect(a.slice(10)).not.toBe(b.slice(10));
  });
});
