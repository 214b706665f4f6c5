import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  compareByPromise,
  type DeliveryPromise,
  DeliveryPromiseConfigSchema,
  locationPromise,
  SERVICE_LEVELS,
  type ServiceLevel,
} from '../../shared/domain/delivery-promise.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

type Problem = { errors?: { field: string; message: string }[] };
type Availability = {
  skus: { sku: string; ats: number; delivery?: (DeliveryPromise & { locationId: string })[] }[];
};
type OrderView = {
  orderId: string;
  status: string;
  promisedBy?: string;
  promise?: { source: string; serviceLevel: string; locations: { locationId: string; shipBy: string }[] };
  history: { to: string; reason: string }[];
};

let stack: TestStack;
let ops: ReturnType<typeof apiClient>;
let wms: ReturnType<typeof apiClient>;
let web: ReturnType<typeof apiClient>;

const NEWARK = { lat: 40.7357, lon: -74.1724 };
const LOS_ANGELES = { lat: 34.0522, lon: -118.2437 };
const BROOKLYN = { country: 'US', postalCode: '11201', geo: { lat: 40.69, lon: -73.99 } };

/** Near the customers and dear, with every service level to New York postcodes. */
const nearPromise = {
  cutoffs: { standard: '16:00', express: '15:00', 'next-day': '13:00' },
  transit: [
    { serviceLevel: 'standard', country: 'US', days: 2 },
    { serviceLevel: 'express', country: 'US', days: 2 },
    { serviceLevel: 'next-day', country: 'US', postalCodePrefix: '1', days: 1 },
  ],
};
/** Far away and free: standard only, four days to anywhere in the country. */
const farPromise = {
  cutoffs: { standard: '17:00' },
  transit: [{ serviceLevel: 'standard', country: 'US', days: 4 }],
};
const LOCATIONS = {
  'dp-near': {
    geo: NEWARK,
    timeZone: 'America/New_York',
    deliveryPromise: nearPromise,
    shipmentFixedCost: 5000,
    unitHandlingCost: 500,
  },
  'dp-far': {
    geo: LOS_ANGELES,
    timeZone: 'America/Los_Angeles',
    deliveryPromise: farPromise,
    shipmentFixedCost: 0,
    unitHandlingCost: 0,
  },
} as const;

const putBody = (name: string, extra: Record<string, unknown>) => ({
  name,
  type: 'warehouse',
  capabilities: ['ship'],
  dailyShipmentCapacity: 10_000,
  status: 'active',
  ...extra,
});

/** What the domain promises for the fixture network at `at`: per level, the earliest location. */
function expectedAt(at: Date, stocked: readonly (keyof typeof LOCATIONS)[], levels = SERVICE_LEVELS) {
  return levels.flatMap((level: ServiceLevel) => {
    const best = stocked
      .map((id) => {
        const l = LOCATIONS[id];
        const config = DeliveryPromiseConfigSchema.parse(l.deliveryPromise);
        const promise = locationPromise({ ...l, deliveryPromise: config }, level, BROOKLYN, at);
        return promise === undefined ? undefined : { ...promise, locationId: id };
      })
      .filter((p) => p !== undefined)
      .sort((a, b) => compareByPromise(a, b) || (a.locationId < b.locationId ? -1 : 1))[0];
    return best === undefined ? [] : [best];
  });
}

/** The answer must be the promise as of some moment during the request (no clock is faked). */
async function during<T>(call: () => Promise<T>): Promise<{ result: T; before: Date; after: Date }> {
  const before = new Date();
  const result = await call();
  return { result, before, after: new Date() };
}

async function orderSettled(orderId: string, done: (o: OrderView) => boolean): Promise<OrderView> {
  let view: OrderView | undefined;
  for (let i = 0; i < 600; i++) {
    view = (await web('GET', `/orders/${orderId}`)).body as OrderView;
    if (done(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`order ${orderId} did not settle: ${JSON.stringify(view)}`);
}

beforeAll(async () => {
  stack = await startTestStack();
  ops = apiClient(stack.api, stack.runtime.keyFor('ops'));
  wms = apiClient(stack.api, stack.runtime.keyFor('wms'));
  web = apiClient(stack.api, stack.runtime.keyFor('web'));
  for (const [id, l] of Object.entries(LOCATIONS)) {
    const r = await ops('PUT', `/locations/${id}`, putBody(id, l));
    expect(r.status, r.text).toBe(201);
  }
  for (const [sku, loc, onHand] of [
    ['DP-TEE', 'dp-near', 3],
    ['DP-TEE', 'dp-far', 10],
    ['DP-MUG', 'dp-near', 5],
    ['DP-MUG', 'dp-far', 5],
    ['DP-LAMP', 'dp-far', 5],
  ] as const) {
    const r = await wms('PUT', `/inventory/${sku}/${loc}`, { onHand, sequence: 1 });
    expect(r.status, r.text).toBe(200);
  }
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

describe('delivery promise through the API', () => {
  test('GET /availability answers the earliest promised date per service level for a SKU, quantity and destination', async () => {
    const query = (q: string) =>
      `/availability?sku=DP-TEE&country=US&postalCode=11201&lat=40.69&lon=-73.99${q}`;
    const one = await during(() => web('GET', query('')));
    expect(one.result.status, one.result.text).toBe(200);
    const tee = (one.result.body as Availability).skus[0]!;
    expect(tee.ats).toBe(13);
    expect(tee.delivery?.map((d) => d.serviceLevel)).toEqual(['standard', 'express', 'next-day']);
    expect([
      expectedAt(one.before, ['dp-near', 'dp-far']),
      expectedAt(one.after, ['dp-near', 'dp-far']),
    ]).toContainEqual(tee.delivery);
    expect(tee.delivery?.find((d) => d.serviceLevel === 'next-day')?.locationId).toBe('dp-near');

    // Five units: only the far location holds them, and it offers standard alone.
    const five = await during(() => web('GET', query('&quantity=5')));
    const teeFive = (five.result.body as Availability).skus[0]!;
    expect(teeFive.delivery?.map((d) => [d.serviceLevel, d.locationId])).toEqual([['standard', 'dp-far']]);
    expect([expectedAt(five.before, ['dp-far']), expectedAt(five.after, ['dp-far'])]).toContainEqual(
      teeFive.delivery,
    );

    // One level asked for; a SKU only the far location holds has no next-day promise.
    const lamp = await web(
      'GET',
      '/availability?sku=DP-LAMP&country=US&postalCode=11201&serviceLevel=next-day',
    );
    expect((lamp.body as Availability).skus).toEqual([{ sku: 'DP-LAMP', ats: 5, delivery: [] }]);
  }, 120_000);

  test('bad destination, quantity or service level: 400 problem+json naming the field', async () => {
    for (const [q, field] of [
      ['country=usa', 'country'],
      ['country=US&serviceLevel=overnight', 'serviceLevel'],
      ['country=US&quantity=0', 'quantity'],
    ] as const) {
      const r = await web('GET', `/availability?sku=DP-TEE&${q}`);
      expect(r.status, q).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect((r.body as Problem).errors?.map((e) => e.field)).toEqual([field]);
    }
    const order = await web(
      'POST',
      '/orders',
      demoOrder({
        promisedBy: 'tomorrow',
        delivery: {
          method: 'ship',
          service: 'overnight',
          address: { ...(demoOrder().delivery as { address: object }).address },
        },
      }),
      { idempotencyKey: 'dp-bad-order' },
    );
    expect(order.status).toBe(400);
    expect((order.body as Problem).errors?.map((e) => e.field).sort()).toEqual([
      'delivery.service',
      'promisedBy',
    ]);
    const location = await ops(
      'PUT',
      '/locations/dp-bad',
      putBody('dp-bad', {
        geo: NEWARK,
        shipmentFixedCost: 0,
        unitHandlingCost: 0,
        deliveryPromise: {
          cutoffs: { 'next-day': '12:00' },
          transit: [{ serviceLevel: 'next-day', country: 'US', days: 3 }],
        },
      }),
    );
    expect(location.status).toBe(400);
    expect((location.body as Problem).errors).toEqual([
      expect.objectContaining({
        field: 'deliveryPromise.transit[0].days',
        message: 'must be at most 1 for next-day',
      }),
    ]);
    expect((await ops('GET', '/locations/dp-bad')).status).toBe(404);
  }, 120_000);

  test('a standard order goes to the cheaper far location; a next-day order skips it for the one that can deliver next day', async () => {
    const place = async (service: string, key: string) => {
      const r = await web(
        'POST',
        '/orders',
        demoOrder({
          lines: [{ sku: 'DP-MUG', quantity: 1, unitPrice: 1250 }],
          delivery: {
            method: 'ship',
            service,
            address: { ...(demoOrder().delivery as { address: object }).address },
          },
        }),
        { idempotencyKey: key },
      );
      expect(r.status, r.text).toBe(201);
      return allocate((r.body as { orderId: string }).orderId);
    };
    const allocated = (o: OrderView) => (o.promise?.locations.length ?? 0) > 0;
    const standardOrder = await orderSettled(await place('standard', 'dp-standard'), allocated);
    const nextDayOrder = await orderSettled(await place('next-day', 'dp-next-day'), allocated);

    expect(standardOrder.promise).toMatchObject({ source: 'allocation', serviceLevel: 'standard' });
    expect(standardOrder.promise?.locations.map((l) => l.locationId)).toEqual(['dp-far']);
    expect(nextDayOrder.promise).toMatchObject({ source: 'allocation', serviceLevel: 'next-day' });
    expect(nextDayOrder.promise?.locations.map((l) => l.locationId)).toEqual(['dp-near']);
    expect(nextDayOrder.promisedBy).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // The ship-by of the promise (end of the location's ship day) is what the released shipment
    // will carry (test/unit/promise-sourcing.test.ts › the promise on the released shipment).
    expect(Date.parse(nextDayOrder.promise?.locations[0]?.shipBy ?? '')).toBeGreaterThan(Date.now());
  }, 400_000);

  test('no location can deliver next day: the order is backordered with the reason', async () => {
    const r = await web(
      'POST',
      '/orders',
      demoOrder({
        lines: [{ sku: 'DP-LAMP', quantity: 1, unitPrice: 4500 }],
        delivery: {
          method: 'ship',
          service: 'next-day',
          address: { ...(demoOrder().delivery as { address: object }).address },
        },
      }),
      { idempotencyKey: 'dp-lamp-next-day' },
    );
    expect(r.status, r.text).toBe(201);
    const orderId = await allocate((r.body as { orderId: string }).orderId);
    const view = await orderSettled(orderId, (o) => o.status === 'BACKORDERED');
    expect(view.history.find((h) => h.to === 'BACKORDERED')?.reason).toBe(
      '0 unit(s) allocated, 1 backordered (1 location(s) with stock cannot deliver next-day to US 11201)',
    );
    const lamp = (await web('GET', '/inventory/DP-LAMP')).body as { totals: { reserved: number } };
    expect(lamp.totals.reserved).toBe(0);
  }, 400_000);
});

/**
 * Allocates explicitly (as ops would) instead of waiting for the order's workflow on a loaded
 * machine; the workflow's own allocation agrees (repeating it reserves nothing twice).
 */
async function allocate(orderId: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const r = await ops('POST', `/orders/${orderId}/allocate`);
    if (r.status === 200 || attempt > 5) {
      expect(r.status, r.text).toBe(200);
      return orderId;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
