import { describe, expect, it } from 'vitest';
import type { Order } from '../../shared/domain/order.ts';
import { isResumable } from '../../shared/usecases/resume-fulfilment.ts';

const order = (status: Order['status'], lines: Order['lines'][number]['status'][]) =>
  ({ status, lines: lines.map((s, i) => ({ lineId: String(i + 1), status: s })) }) as unknown as Order;

describe('which orders ops can resume', () => {
  it('an order before any shipment is resumable', () => {
    expect(isResumable(order('RELEASED', ['RELEASED']))).toBe(true);
    expect(isResumable(order('BACKORDERED', ['BACKORDERED']))).toBe(true);
  });
  it('a split order with one shipment shipped and a line still open is resumable', () => {
    expect(isResumable(order('PARTIALLY_SHIPPED', ['SHIPPED', 'RELEASED']))).toBe(true);
    expect(isResumable(order('PARTIALLY_DELIVERED', ['DELIVERED', 'BACKORDERED']))).toBe(true);
  });
  it('an order whose every line shipped, was delivered or cancelled has nothing left to resume', () => {
    expect(isResumable(order('PARTIALLY_DELIVERED', ['DELIVERED', 'SHIPPED']))).toBe(false);
    expect(isResumable(order('SHIPPED', ['SHIPPED', 'CANCELLED']))).toBe(false);
    expect(isResumable(order('COMPLETED', ['DELIVERED']))).toBe(false);
    expect(isResumable(order('CANCELLED', ['CANCELLED']))).toBe(false);
  });
});
