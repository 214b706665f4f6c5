import { describe, expect, test } from 'vitest';
import { fieldErrorAt } from '../../shared/domain/errors.ts';
import { multiplyMinorUnits } from '../../shared/domain/money.ts';
import { GeoPointSchema, newOrder, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import {
  allowedTransitions,
  assertTransition,
  CANCELLABLE_STATUSES,
  canTransition,
  InvalidTransitionError,
  ORDER_STATUSES,
  TERMINAL_STATUSES,
} from '../../shared/domain/order-status.ts';
import { canonicalJson } from '../../shared/lib/canonical-json.ts';

describe('order status model', () => {
  test.each([
    ['CREATED', 'ALLOCATED'],
    ['CREATED', 'ON_HOLD'],
    ['ON_HOLD', 'CREATED'],
    ['ALLOCATED', 'RELEASED'],
    ['RELEASED', 'PARTIALLY_SHIPPED'],
    ['PARTIALLY_SHIPPED', 'SHIPPED'],
    ['SHIPPED', 'DELIVERED'],
    ['DELIVERED', 'COMPLETED'],
    ['BACKORDERED', 'ALLOCATED'],
    ['RELEASED', 'ALLOCATED'],
  ] as const)('%s → %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  test.each([
    ['CREATED', 'SHIPPED'],
    ['SHIPPED', 'CANCELLED'],
    ['PARTIALLY_SHIPPED', 'CANCELLED'],
    ['CANCELLED', 'CREATED'],
    ['COMPLETED', 'CREATED'],
    ['DELIVERED', 'SHIPPED'],
  ] as const)('%s → %s is refused with the allowed list', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(() => assertTransition(from, to)).toThrow(InvalidTransitionError);
  });

  test('cancellation is possible exactly until something ships', () => {
    expect([...CANCELLABLE_STATUSES].sort()).toEqual(
      ['ALLOCATED', 'BACKORDERED', 'CREATED', 'ON_HOLD', 'PARTIALLY_ALLOCATED', 'RELEASED'].sort(),
    );
  });

  test('COMPLETED and CANCELLED are the only terminal statuses, and every status is reachable', () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(['CANCELLED', 'COMPLETED']);
    const reachable = new Set<string>(['CREATED']);
    for (let changed = true; changed; ) {
      changed = false;
      for (const s of [...reachable]) {
        for (const next of allowedTransitions(s as (typeof ORDER_STATUSES)[number])) {
          if (!reachable.has(next)) {
            reachable.add(next);
            changed = true;
          }
        }
      }
    }
    expect([...reachable].sort()).toEqual([...ORDER_STATUSES].sort());
  });
});

describe('order construction', () => {
  const request = PlaceOrderRequestSchema.parse({
    customer: { customerId: 'c-1' },
    currency: 'JPY',
    lines: [
      { sku: 'A', quantity: 3, unitPrice: 1200 },
      { lineId: 'gift', sku: 'B', quantity: 1, unitPrice: 0 },
    ],
    delivery: { method: 'pickup', locationId: 'store-1' },
  });

  test('totals in integer minor units; line ids default to their position; status CREATED, version 1', () => {
    const order = newOrder({ orderId: 'ord_X', channel: 'web', request, now: '2026-11-23T10:00:00.000Z' });
    expect(order.totals).toEqual({ subtotal: 3600, units: 4 });
    expect(order.lines.map((l) => l.lineId)).toEqual(['1', 'gift']);
    expect(order.status).toBe('CREATED');
    expect(order.version).toBe(1);
    expect(order.lines.every((l) => l.status === 'CREATED' && l.quantities.allocated === 0)).toBe(true);
  });

  test('delivery service defaults to standard for shipments', () => {
    const parsed = PlaceOrderRequestSchema.parse({
      ...request,
      delivery: {
        method: 'ship',
        address: { name: 'N', line1: 'L', city: 'C', postalCode: '12345', country: 'GB' },
      },
    });
    expect(parsed.delivery).toMatchObject({ method: 'ship', service: 'standard' });
  });

  test('an order total beyond the safe integer range is refused', () => {
    const result = PlaceOrderRequestSchema.safeParse({
      ...request,
      lines: Array.from({ length: 200 }, (_, i) => ({
        lineId: `l${i}`,
        sku: 'A',
        quantity: 10_000,
        unitPrice: 1e12,
      })),
    });
    expect(result.success).toBe(false);
    expect(() => multiplyMinorUnits(Number.MAX_SAFE_INTEGER, 2)).toThrow(RangeError);
  });
});

describe('geo points', () => {
  test.each([
    [{ lat: 40.7128, lon: -74.006 }, true],
    [{ lat: -33.8688197, lon: 151.2092955 }, true],
    [{ lat: 0, lon: 180 }, true],
    // Found by bench:fuzz: DynamoDB cannot store numbers below 1e-130, so this was a 500.
    [{ lat: 5e-324, lon: -73.99 }, false],
    [{ lat: 40.71280001, lon: -74.006 }, false],
    [{ lat: 91, lon: 0 }, false],
  ])('%j accepted: %s', (geo, ok) => {
    expect(GeoPointSchema.safeParse(geo).success).toBe(ok);
  });

  test('a too precise coordinate is refused naming the field', () => {
    const result = GeoPointSchema.safeParse({ lat: 5e-324, lon: 1 });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['lat', 'must have at most 7 decimal places'],
    ]);
  });
});

describe('helpers', () => {
  test('canonical JSON ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [2, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  test('field errors carry a dotted field and an RFC 6901 pointer', () => {
    expect(fieldErrorAt(['lines', 0, 'quantity'], 'm')).toEqual({
      field: 'lines[0].quantity',
      pointer: '#/lines/0/quantity',
      message: 'm',
    });
    expect(fieldErrorAt(['a/b'], 'm').pointer).toBe('#/a~1b');
    expect(fieldErrorAt([], 'm').field).toBe('(body)');
  });
});
