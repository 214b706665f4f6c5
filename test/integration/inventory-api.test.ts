import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

type Problem = { status: number; detail: string; errors?: { field: string }[] };
type Network = {
  positions: { locationId: string; onHand: number; reserved: number; ats: number }[];
  totals: { onHand: number; reserved: number; ats: number };
};

let stack: TestStack;
let ops: ReturnType<typeof apiClient>;
let wms: ReturnType<typeof apiClient>;
let web: ReturnType<typeof apiClient>;

const location = (name: string, lat: number, lon: number, type = 'warehouse') => ({
  name,
  type,
  geo: { lat, lon },
  capabilities: type === 'store' ? ['pickup', 'ship-from-store'] : ['ship'],
  dailyShipmentCapacity: 10_000,
  shipmentFixedCost: 300,
  unitHandlingCost: 50,
  status: 'active',
});

beforeAll(async () => {
  stack = await startTestStack({ maxEnvironmentsPerFunction: 6 });
  ops = apiClient(stack.api, stack.runtime.keyFor('ops'));
  wms = apiClient(stack.api, stack.runtime.keyFor('wms'));
  web = apiClient(stack.api, stack.runtime.keyFor('web'));
  for (const [id, loc] of [
    ['wh-east', location('East DC', 40.7, -74.2)],
    ['wh-west', location('West DC', 34.0, -118.2)],
    ['store-soho', location('SoHo store', 40.72, -74.0, 'store')],
  ] as const) {
    const r = await ops('PUT', `/locations/${id}`, loc);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
});
afterAll(async () => {
  await stack?.close();
});

const network = async (sku: string) => (await web('GET', `/inventory/${sku}`)).body as Network;

describe('reservations never oversell', () => {
  test('200 concurrent orders for 50 units over 3 locations → exactly 50 reserved, the rest backordered', async () => {
    const sku = 'HOT-SKU';
    for (const [loc, onHand] of [
      ['wh-east', 20],
      ['wh-west', 20],
      ['store-soho', 10],
    ] as const) {
      const r = await wms('PUT', `/inventory/${sku}/${loc}`, { onHand, sequence: 1 });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const orderIds = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const r = await web('POST', '/orders', demoOrder({ lines: [{ sku, quantity: 1, unitPrice: 999 }] }), {
          idempotencyKey: `hot-${i}`,
        });
        expect(r.status).toBe(201);
        return (r.body as { orderId: string }).orderId;
      }),
    );
    // The ops key's usage plan (20 rps, burst 40) throttles this burst, as on AWS: retry 429s like a client should.
    const allocate = async (id: string) => {
      for (let attempt = 0; ; attempt++) {
        const r = await ops('POST', `/orders/${id}/allocate`);
        if (r.status !== 429 || attempt > 50) return r;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 400));
      }
    };
    const allocations = await Promise.all(orderIds.map(allocate));
    expect(allocations.filter((a) => a.status !== 200).map((a) => a.text)).toEqual([]);

    const statuses = allocations.map((a) => (a.body as { order: { status: string } }).order.status);
    expect(statuses.filter((s) => s === 'ALLOCATED')).toHaveLength(50);
    expect(statuses.filter((s) => s === 'BACKORDERED')).toHaveLength(150);

    const view = await network(sku);
    expect(view.totals.reserved).toBe(50);
    expect(view.totals.ats).toBe(0);
    for (const p of view.positions) {
      expect(p.reserved).toBeLessThanOrEqual(p.onHand);
      expect(p.ats).toBeGreaterThanOrEqual(0);
    }
    // The reservation items account for exactly what the positions show.
    const reservationItems = (await stack.scanAll()).filter(
      (i) =>
        (i.SK as { S: string }).S.startsWith('RESERVATION#') &&
        (i.sku as { S: string } | undefined)?.S === sku,
    );
    const reservedByItems = reservationItems
      .filter((i) => (i.status as { S: string } | undefined)?.S !== 'released')
      .reduce((sum, i) => sum + Number((i.quantity as { N: string }).N), 0);
    expect(reservedByItems).toBe(50);

    // Allocating again reserves nothing twice.
    const again = await ops('POST', `/orders/${orderIds[0]}/allocate`);
    expect(again.status).toBe(200);
    expect((await network(sku)).totals.reserved).toBe(50);

    // Cancelling an allocated order gives its unit back.
    const allocatedId = orderIds[statuses.indexOf('ALLOCATED')]!;
    const cancelled = await web('POST', `/orders/${allocatedId}/cancel`, { reason: 'customer-request' });
    expect(cancelled.status).toBe(200);
    const afterCancel = await network(sku);
    expect(afterCancel.totals.reserved).toBe(49);
    expect(afterCancel.totals.ats).toBe(1);
    // …and a repeated cancel does not release it twice.
    await web('POST', `/orders/${allocatedId}/cancel`, { reason: 'customer-request' });
    expect((await network(sku)).totals.reserved).toBe(49);
  }, 120_000);
});

describe('inventory sync and adjustments', () => {
  test('a sync with an older sequence is rejected and changes nothing', async () => {
    const sku = 'SYNC-SKU';
    expect((await wms('PUT', `/inventory/${sku}/wh-east`, { onHand: 30, sequence: 5 })).status).toBe(200);
    const stale = await wms('PUT', `/inventory/${sku}/wh-east`, { onHand: 99, sequence: 4 });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    const same = await wms('PUT', `/inventory/${sku}/wh-east`, { onHand: 99, sequence: 5 });
    expect(same.status).toBe(409);
    expect((await network(sku)).totals.onHand).toBe(30);
  });

  test('an adjustment that would make on hand negative is rejected; nothing in the batch applies', async () => {
    const sku = 'ADJ-SKU';
    await wms('PUT', `/inventory/${sku}/wh-east`, { onHand: 5, sequence: 1 });
    await wms('PUT', `/inventory/${sku}/wh-west`, { onHand: 5, sequence: 1 });
    const response = await wms('POST', '/inventory/adjustments', {
      batchId: 'batch-neg',
      adjustments: [
        { sku, locationId: 'wh-east', delta: 3, reason: 'received' },
        { sku, locationId: 'wh-west', delta: -6, reason: 'damaged' },
      ],
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect((response.body as Problem).detail).toMatch(/wh-west/);
    const view = await network(sku);
    expect(view.positions.map((p) => [p.locationId, p.onHand]).sort()).toEqual([
      ['wh-east', 5],
      ['wh-west', 5],
    ]);
    const ok = await wms('POST', '/inventory/adjustments', {
      batchId: 'batch-ok',
      adjustments: [{ sku, locationId: 'wh-west', delta: -2, reason: 'damaged' }],
    });
    expect(ok.status).toBe(200);
    expect((await network(sku)).totals.onHand).toBe(8);
  });

  test('availability shows ATS per SKU for a storefront', async () => {
    const r = await web('GET', '/availability?sku=SYNC-SKU,ADJ-SKU&lat=40.7&lon=-74.0');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(JSON.stringify(r.body)).toContain('SYNC-SKU');
  });
});

describe('scopes', () => {
  test('a sales channel cannot write inventory or locations; bad input is 400 naming the field', async () => {
    expect((await web('PUT', '/inventory/X/wh-east', { onHand: 1, sequence: 1 })).status).toBe(403);
    expect((await web('PUT', '/locations/x', location('X', 1, 1))).status).toBe(403);
    expect((await web('POST', `/orders/ord_01J00000000000000000000000/allocate`)).status).toBe(403);
    const bad = await wms('PUT', '/inventory/X/wh-east', { onHand: -1, sequence: 1 });
    expect(bad.status).toBe(400);
    expect((bad.body as Problem).errors?.map((e) => e.field)).toContain('onHand');
    const unknownLocation = await wms('PUT', '/inventory/X/nowhere', { onHand: 1, sequence: 1 });
    expect(unknownLocation.status).toBe(404);
  });
});
