import { describe, expect, it } from 'vitest';
import { DEMO_LOCATIONS } from '../../local/demo/demo-inventory.ts';
import { type Location, PutLocationRequestSchema } from '../../shared/domain/location.ts';
import { newOrder, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { makeAllocateOrder } from '../../shared/usecases/allocate-order.ts';
import { location as fulfilmentLocation, fulfilmentUnit, INITIAL } from '../support/fulfilment-unit.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from '../support/in-memory-inventory.ts';

/** Monday 2025-06-02, 10:00 in New York. */
const NOW = '2025-06-02T14:00:00.000Z';

function location(locationId: string, overrides: Partial<Location>): Location {
  return {
    locationId,
    name: locationId,
    type: 'warehouse',
    geo: { lat: 40.7357, lon: -74.1724 },
    capabilities: ['ship'],
    dailyShipmentCapacity: 10_000,
    timeZone: 'America/New_York',
    shipmentFixedCost: 500,
    unitHandlingCost: 100,
    status: 'active',
    transferToStores: false,
    ...overrides,
  };
}

const promise = (transit: { serviceLevel: 'standard' | 'express' | 'next-day'; days: number }[]) => ({
  cutoffs: { standard: '16:00', express: '16:00', 'next-day': '16:00' },
  handlingDays: 0,
  shipsOnWeekends: false,
  deliversOnWeekends: false,
  transit: transit.map((t) => ({ ...t, country: 'US' })),
  distanceBands: [],
});

/** Near (dear, next-day), far (free, standard in 3 days), and one without promise settings (cheapest). */
const NETWORK = [
  location('NEAR', {
    shipmentFixedCost: 5000,
    deliveryPromise: promise([
      { serviceLevel: 'standard', days: 2 },
      { serviceLevel: 'next-day', days: 1 },
    ]),
  }),
  location('FAR', {
    geo: { lat: 40.9, lon: -74.3 },
    shipmentFixedCost: 0,
    unitHandlingCost: 0,
    deliveryPromise: promise([{ serviceLevel: 'standard', days: 3 }]),
  }),
];

function setup(locations: Location[]) {
  const inventory = new InMemoryInventoryStore();
  const orders = new InMemoryOrderRepository();
  const deps = {
    inventory,
    locations: new InMemoryLocationRepository(locations),
    orders,
    clock: new ManualClock(new Date(NOW)),
    ids: sequentialIds(),
  };
  for (const l of locations) inventory.seed({ sku: 'SKU-1', locationId: l.locationId, onHand: 10 });
  let seq = 0;
  return {
    inventory,
    orders,
    async order(service: string, extra: Record<string, unknown> = {}) {
      const request = PlaceOrderRequestSchema.parse({
        customer: { customerId: 'c-1' },
        currency: 'USD',
        lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1000 }],
        delivery: {
          method: 'ship',
          service,
          address: { name: 'A', line1: '1 Main St', city: 'NYC', postalCode: '10001', country: 'US' },
        },
        ...extra,
      });
      const order = newOrder({
        orderId: `ord_${String(++seq).padStart(26, '0')}`,
        channel: 'web',
        request,
        now: NOW,
      });
      orders.add(order);
      const result = await makeAllocateOrder(deps)({ orderId: order.orderId, correlationId: 'c' });
      return { ...result, history: await orders.history(order.orderId) };
    },
  };
}

const locationsOf = (r: { reservations: { locationId: string; quantity: number }[] }) =>
  r.reservations.filter((x) => x.quantity > 0).map((x) => x.locationId);

describe('sourcing by service level', () => {
  it('standard: cost decides among the locations that meet it; the order records the promise', async () => {
    const t = setup(NETWORK);
    const r = await t.order('standard');
    expect(locationsOf(r)).toEqual(['FAR']);
    expect(r.order.promisedBy).toBe('2025-06-05');
    expect(r.order.promise).toEqual({
      source: 'allocation',
      serviceLevel: 'standard',
      locations: [
        {
          locationId: 'FAR',
          shipDate: '2025-06-02',
          shipBy: '2025-06-03T04:00:00.000Z',
          promisedBy: '2025-06-05',
        },
      ],
    });
  });

  it('next-day skips the cheaper location that has no next-day transit', async () => {
    const r = await setup(NETWORK).order('next-day');
    expect(locationsOf(r)).toEqual(['NEAR']);
    expect(r.order.promisedBy).toBe('2025-06-03');
  });

  it("the channel's promisedBy keeps out a location that would arrive later, and stays the order's promise", async () => {
    const r = await setup(NETWORK).order('standard', { promisedBy: '2025-06-04' });
    expect(locationsOf(r)).toEqual(['NEAR']);
    expect(r.order.promisedBy).toBe('2025-06-04');
    expect(r.order.promise).toMatchObject({
      source: 'channel',
      locations: [{ locationId: 'NEAR', promisedBy: '2025-06-04' }],
    });
  });

  it('no location meets the level: backordered, the reason in the history, nothing reserved', async () => {
    const t = setup([NETWORK[1]!]);
    const r = await t.order('express');
    expect(r.order.status).toBe('BACKORDERED');
    expect(r.reservations).toEqual([]);
    expect(r.history.at(-1)?.reason).toBe(
      '0 unit(s) allocated, 1 backordered (1 location(s) with stock cannot deliver express to US 10001)',
    );
  });

  it('a location without promise settings takes standard orders only', async () => {
    const bare = location('BARE', { shipmentFixedCost: 0, unitHandlingCost: 0 });
    expect(locationsOf(await setup([bare, NETWORK[0]!]).order('standard'))).toEqual(['BARE']);
    expect(locationsOf(await setup([bare, NETWORK[0]!]).order('next-day'))).toEqual(['NEAR']);
    const withPromise = await setup([bare, NETWORK[0]!]).order('standard', { promisedBy: '2025-06-30' });
    expect(locationsOf(withPromise)).toEqual(['NEAR']);
  });

  it('promisedBy is for ship orders only and must be a date', () => {
    const result = PlaceOrderRequestSchema.safeParse({
      customer: { customerId: 'c-1' },
      currency: 'USD',
      lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1000 }],
      delivery: { method: 'pickup', locationId: 'NEAR' },
      promisedBy: '2025-06-04',
    });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['promisedBy', 'is only for orders shipped to an address'],
    ]);
  });

  it('the demo network is valid location configuration', () => {
    for (const [id, body] of Object.entries(DEMO_LOCATIONS)) {
      const parsed = PutLocationRequestSchema.safeParse(body);
      expect(parsed.error?.issues ?? [], id).toEqual([]);
      expect(parsed.data?.deliveryPromise, id).toBeDefined();
    }
  });
});

describe('the promise on the released shipment', () => {
  it('the shipment carries the ship-by of its location; ShipmentRequested carries ship-by and promised date', async () => {
    const t = fulfilmentUnit({ TEE: { 'WH-A': 5 } });
    // The unit's clock reads Sunday 2025-06-01 12:00 UTC: a weekday location ships on Monday.
    await t.locations.put(
      fulfilmentLocation('WH-A', 0.5, {
        timeZone: 'UTC',
        deliveryPromise: {
          ...promise([{ serviceLevel: 'standard', days: 2 }]),
          cutoffs: { standard: '16:00' },
        },
      }),
    );
    const order = t.placeOrder([{ sku: 'TEE', quantity: 1 }]);
    const allocation = await t.round(order.orderId, INITIAL);
    const shipment = await t.shipments.get(allocation.shipments[0]!.shipmentId);
    expect(shipment).toMatchObject({ locationId: 'WH-A', shipBy: '2025-06-03T00:00:00.000Z' });
    expect((await t.orders.get(order.orderId))?.promisedBy).toBe('2025-06-04');
    const requested = t.shipments.events.find((e) => e.type === 'ShipmentRequested');
    expect(requested?.data).toMatchObject({ shipBy: '2025-06-03T00:00:00.000Z', promisedBy: '2025-06-04' });
  });
});
