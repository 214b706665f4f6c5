import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, test } from 'vitest';
import { correlate, recordAllocation, recordOrderCaptured } from '../../functions/commons/order-metrics.ts';
import type { Order } from '../../shared/domain/order.ts';
import type { SourcingPlan } from '../../shared/sourcing/types.ts';

function fakeMetrics() {
  const added: Record<string, number> = {};
  const dimensions: Record<string, string> = {};
  const metrics = {
    addMetric: (name: string, _unit: string, value: number) => {
      added[name] = value;
    },
    addDimension: (name: string, value: string) => {
      dimensions[name] = value;
    },
  } as unknown as Metrics;
  return { metrics, added, dimensions };
}

const line = (lineId: string, allocated: number, backordered: number) =>
  ({ lineId, sku: 'S', quantity: allocated + backordered, quantities: { allocated, backordered } }) as never;
const order = (lines: unknown[], status = 'ALLOCATED') =>
  ({
    orderId: 'o',
    channel: 'web',
    status,
    lines,
    createdAt: '2025-01-01T00:00:00.000Z',
  }) as unknown as Order;
const shipment = (locationId: string, lineIds: string[]) => ({
  locationId,
  units: lineIds.length,
  lines: lineIds.map((lineId) => ({ lineId, sku: 'S', quantity: 1 })),
});
const plan = (shipments: unknown[], dropShip: unknown[] = []) =>
  ({ shipments, dropShip }) as unknown as SourcingPlan;

describe('business metrics', () => {
  test('captured orders count by channel; replays apart', () => {
    const m = fakeMetrics();
    recordOrderCaptured(m.metrics, { channel: 'web' }, true);
    expect(m.dimensions).toEqual({ channel: 'web' });
    expect(m.added).toEqual({ OrdersCaptured: 1 });
    const r = fakeMetrics();
    recordOrderCaptured(r.metrics, { channel: 'web' }, false);
    expect(r.added).toEqual({ OrderCaptureReplayed: 1 });
  });

  test('a split allocation with a drop-ship line and time to allocate', () => {
    const m = fakeMetrics();
    const result = {
      order: order([line('1', 1, 0), line('2', 1, 0), line('3', 1, 0)]),
      plan: plan([shipment('dc-a', ['1']), shipment('dc-b', ['2'])], [shipment('vendor', ['3'])]),
      changed: true,
    };
    recordAllocation(m.metrics, result, new Date('2025-01-01T00:00:02.500Z'));
    expect(m.added).toEqual({
      OrdersAllocated: 1,
      AllocatedLines: 3,
      PlannedShipments: 3,
      SplitShipments: 1,
      DropShipLines: 1,
      TimeToAllocateMs: 2500,
    });
  });

  test('backordered orders; a run that changed nothing records nothing', () => {
    const m = fakeMetrics();
    recordAllocation(
      m.metrics,
      { order: order([line('1', 0, 2)], 'BACKORDERED'), changed: true },
      new Date(),
    );
    expect(m.added).toEqual({ OrdersBackordered: 1 });
    const n = fakeMetrics();
    recordAllocation(n.metrics, { order: order([line('1', 1, 0)]), changed: false }, new Date());
    expect(n.added).toEqual({});
  });

  test('correlation keys: only the ones present', () => {
    const appended: unknown[] = [];
    const logger = { appendKeys: (k: unknown) => appended.push(k) } as unknown as Logger;
    correlate(logger, { orderId: 'o1', executionName: undefined });
    correlate(logger, {});
    expect(appended).toEqual([{ orderId: 'o1' }]);
  });
});
