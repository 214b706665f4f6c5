import { describe, expect, test } from 'vitest';
import type { OrderLine } from '../../shared/domain/order.ts';
import {
  linesWithShipmentProgress,
  progressPath,
  progressStatus,
  unitProgress,
} from '../../shared/domain/order-progress.ts';
import { canTransition } from '../../shared/domain/order-status.ts';
import type { Shipment } from '../../shared/domain/shipment.ts';

const line = (lineId: string, quantity: number, q: Partial<OrderLine['quantities']> = {}): OrderLine => ({
  lineId,
  sku: `SKU-${lineId}`,
  quantity,
  unitPrice: 1000,
  status: 'RELEASED',
  quantities: {
    allocated: quantity,
    backordered: 0,
    shipped: 0,
    delivered: 0,
    cancelled: 0,
    returned: 0,
    ...q,
  },
});

const shipment = (status: Shipment['status'], lines: [string, number][]) => ({
  status,
  lines: lines.map(([lineId, quantity]) => ({ lineId, sku: `SKU-${lineId}`, quantity })),
});

/** Two lines split over two shipments: A carries line 1 (×2), B carries line 2 (×1). */
const split = (a: Shipment['status'], b: Shipment['status']) => {
  const lines = linesWithShipmentProgress(
    [line('1', 2), line('2', 1)],
    [shipment(a, [['1', 2]]), shipment(b, [['2', 1]])],
  );
  return lines ?? [line('1', 2), line('2', 1)];
};

describe('order status from lines and shipments', () => {
  test.each([
    ['REQUESTED', 'ACCEPTED', undefined],
    ['SHIPPED', 'ACCEPTED', 'PARTIALLY_SHIPPED'],
    ['SHIPPED', 'SHIPPED', 'SHIPPED'],
    ['DELIVERED', 'SHIPPED', 'PARTIALLY_DELIVERED'],
    ['DELIVERED', 'REQUESTED', 'PARTIALLY_DELIVERED'],
    ['DELIVERED', 'DELIVERED', 'DELIVERED'],
    ['REJECTED', 'SHIPPED', 'PARTIALLY_SHIPPED'],
  ] as const)('shipments %s + %s → %s', (a, b, expected) => {
    expect(progressStatus(split(a, b))).toBe(expected);
  });

  test('cancelled units do not count: the rest shipped is SHIPPED, the rest delivered is DELIVERED', () => {
    const shipped = [line('1', 3, { shipped: 2, cancelled: 1 }), line('2', 1, { cancelled: 1 })];
    expect(progressStatus(shipped)).toBe('SHIPPED');
    expect(unitProgress(shipped)).toEqual({ ordered: 4, cancelled: 2, wanted: 2, shipped: 2, delivered: 0 });
    const delivered = [line('1', 3, { shipped: 2, delivered: 2, cancelled: 1 })];
    expect(progressStatus(delivered)).toBe('DELIVERED');
  });

  test('a collected pickup counts as shipped and delivered', () => {
    const lines = linesWithShipmentProgress([line('1', 1)], [shipment('DELIVERED', [['1', 1]])])!;
    expect(lines[0]).toMatchObject({ status: 'DELIVERED', quantities: { shipped: 1, delivered: 1 } });
    expect(progressPath('RELEASED', lines)).toEqual(['DELIVERED', 'COMPLETED']);
  });

  test('the path moves forward only, one step per status reached, every step an allowed transition', () => {
    expect(progressPath('RELEASED', split('SHIPPED', 'ACCEPTED'))).toEqual(['PARTIALLY_SHIPPED']);
    expect(progressPath('PARTIALLY_SHIPPED', split('SHIPPED', 'SHIPPED'))).toEqual(['SHIPPED']);
    expect(progressPath('SHIPPED', split('DELIVERED', 'SHIPPED'))).toEqual(['PARTIALLY_DELIVERED']);
    expect(progressPath('PARTIALLY_DELIVERED', split('DELIVERED', 'DELIVERED'))).toEqual([
      'DELIVERED',
      'COMPLETED',
    ]);
    // A repeated or late report never moves the order back.
    expect(progressPath('PARTIALLY_DELIVERED', split('SHIPPED', 'SHIPPED'))).toEqual([]);
    expect(progressPath('SHIPPED', split('SHIPPED', 'SHIPPED'))).toEqual([]);
    expect(progressPath('COMPLETED', split('DELIVERED', 'DELIVERED'))).toEqual([]);
    expect(progressPath('CANCELLED', split('SHIPPED', 'SHIPPED'))).toEqual([]);
    // Nothing shipped: the allocation status stands.
    expect(progressPath('RELEASED', split('ACCEPTED', 'REQUESTED'))).toEqual([]);
    for (const from of ['ALLOCATED', 'PARTIALLY_ALLOCATED', 'BACKORDERED', 'RELEASED'] as const) {
      for (const [a, b] of [
        ['SHIPPED', 'REQUESTED'],
        ['SHIPPED', 'SHIPPED'],
        ['DELIVERED', 'REQUESTED'],
        ['DELIVERED', 'DELIVERED'],
      ] as const) {
        let status: string = from;
        for (const to of progressPath(from, split(a, b))) {
          expect(canTransition(status as typeof from, to), `${status} → ${to}`).toBe(true);
          status = to;
        }
      }
    }
  });

  test('line quantities are absolute: applying the same shipments twice changes nothing', () => {
    const once = split('SHIPPED', 'DELIVERED');
    expect(
      linesWithShipmentProgress(once, [shipment('SHIPPED', [['1', 2]]), shipment('DELIVERED', [['2', 1]])]),
    ).toBe(undefined);
    expect(once.map((l) => [l.status, l.quantities.shipped, l.quantities.delivered])).toEqual([
      ['SHIPPED', 2, 0],
      ['DELIVERED', 1, 1],
    ]);
  });
});
