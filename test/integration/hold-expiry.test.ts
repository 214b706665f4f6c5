import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiClient, startTestStack, type TestStack } from '../support/local-stack.ts';

type Network = { totals: { onHand: number; reserved: number; ats: number } };
type Hold = { holdId: string; heldUntil: string; status: string; lines: { sku: string; held: number }[] };

let stack: TestStack;

beforeAll(async () => {
  // The template's rate(1 minute) sweep runs every second here.
  stack = await startTestStack({ schedules: { run: true, timeScale: 60 } });
  const ops = apiClient(stack.api, stack.runtime.keyFor('ops'));
  const wms = apiClient(stack.api, stack.runtime.keyFor('wms'));
  const put = await ops('PUT', '/locations/wh-hold', {
    name: 'Hold DC',
    type: 'warehouse',
    geo: { lat: 40.7, lon: -74.2 },
    capabilities: ['ship'],
    dailyShipmentCapacity: 1000,
    shipmentFixedCost: 300,
    unitHandlingCost: 50,
    status: 'active',
  });
  expect(put.status).toBe(201);
  const sync = await wms('PUT', '/inventory/HOLD-SKU/wh-hold', { onHand: 5, sequence: 1 });
  expect(sync.status).toBe(200);
});
afterAll(async () => {
  await stack?.close();
});

describe('cart holds expire through the scheduled sweep of the template', () => {
  test('the schedule rule and its function come from the template', () => {
    const sweep = stack.runtime.schedules.schedules.find((s) => s.expression === 'rate(1 minute)');
    expect(sweep?.targets.map((t) => t.functionName).join()).toMatch(/ExpireHolds/);
    expect(stack.runtime.warnings.join('\n')).toContain('60× faster');
  });

  test('a hold reserves stock until its TTL passes, then the sweep gives it back', async () => {
    const web = apiClient(stack.api, stack.runtime.keyFor('web'));
    const network = async () => ((await web('GET', '/inventory/HOLD-SKU')).body as Network).totals;
    const created = await web('POST', '/reservations', {
      ttlSeconds: 10,
      lines: [{ sku: 'HOLD-SKU', quantity: 2 }],
    });
    expect(created.status).toBe(201);
    const hold = created.body as Hold;
    expect(hold.lines[0]?.held).toBe(2);
    expect(await network()).toMatchObject({ onHand: 5, reserved: 2, ats: 3 });

    // Not before its heldUntil…
    await new Promise((r) => setTimeout(r, 2_000));
    expect(Date.now()).toBeLessThan(Date.parse(hold.heldUntil));
    expect((await network()).reserved).toBe(2);

    // …and within a sweep or two after it.
    const deadline = Date.parse(hold.heldUntil) + 15_000;
    let totals = await network();
    while (totals.reserved !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      totals = await network();
    }
    expect(totals).toMatchObject({ onHand: 5, reserved: 0, ats: 5 });
    const sweep = stack.runtime.schedules.schedules.find((s) => s.expression === 'rate(1 minute)');
    expect(sweep?.runs).toBeGreaterThan(1);
    expect(sweep?.failures).toBe(0);
  }, 40_000);
});
