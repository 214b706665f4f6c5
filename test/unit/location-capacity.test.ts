import { describe, expect, it } from 'vitest';
import { capacityRefunds, localDay } from '../../shared/domain/capacity.ts';
import { DomainError } from '../../shared/domain/errors.ts';
import { type Location, PutLocationRequestSchema } from '../../shared/domain/location.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { makeAllocateOrder } from '../../shared/usecases/allocate-order.ts';
import { makeConfirmShipmentReservations } from '../../shared/usecases/confirm-shipment-reservations.ts';
import { makeGetLocation } from '../../shared/usecases/get-location.ts';
import { makePutLocation } from '../../shared/usecases/put-location.ts';
import { makeReleaseReservations } from '../../shared/usecases/release-reservations.ts';
import { testLocation } from '../support/fixtures.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from '../support/in-memory-inventory.ts';

const location = (locationId: string, overrides: Partial<Location> = {}): Location =>
  testLocation(locationId, { geo: { lat: 0, lon: 5 }, dailyShipmentCapacity: 10_000, ...overrides });

/** A store next to the customers (cheapest by far) and a distant warehouse. */
const store = (overrides: Partial<Location> = {}) =>
  location('STORE', {
    type: 'store',
    geo: { lat: 0, lon: 0.01 },
    capabilities: ['ship-from-store', 'pickup'],
    dailyShipmentCapacity: 3,
    ...overrides,
  });

function setup(locations: Location[], now = '2025-06-01T12:00:00.000Z') {
  const inventory = new InMemoryInventoryStore();
  const locationRepo = new InMemoryLocationRepository(locations);
  const orders = new InMemoryOrderRepository();
  const clock = new ManualClock(new Date(now));
  const deps = { inventory, locations: locationRepo, orders, clock, ids: sequentialIds() };
  let seq = 0;
  return {
    ...deps,
    allocate: (orderId: string) => makeAllocateOrder(deps)({ orderId, correlationId: 'c' }),
    release: makeReleaseReservations(deps),
    confirm: makeConfirmShipmentReservations(deps),
    getLocation: makeGetLocation(deps),
    place(lines: { sku: string; quantity: number }[], delivery?: unknown): Order {
      const request = PlaceOrderRequestSchema.parse({
        customer: { customerId: 'c-1' },
        currency: 'EUR',
        lines: lines.map((line) => ({ ...line, unitPrice: 1000 })),
        delivery: delivery ?? {
          method: 'ship',
          address: {
            name: 'A Customer',
            line1: '1 Main St',
            city: 'Nowhere',
            postalCode: '00000',
            country: 'DE',
            geo: { lat: 0, lon: 0 },
          },
        },
      });
      const order = newOrder({
        orderId: `ord_${String(++seq).padStart(26, '0')}`,
        channel: 'web',
        request,
        now,
      });
      orders.add(order);
      return order;
    },
  };
}

/** Units of `sku` reserved (or shipped) per location over every reservation. */
function unitsAt(inventory: InMemoryInventoryStore, locationId: string): number {
  return [...inventory.reservations.values()]
    .filter((r) => r.locationId === locationId)
    .reduce((sum, r) => sum + r.quantity + r.consumed, 0);
}

describe('local day', () => {
  it('is the calendar day in the location time zone', () => {
    expect(localDay('2025-06-01T02:30:00.000Z', 'UTC')).toBe('2025-06-01');
    expect(localDay('2025-06-01T02:30:00.000Z', 'America/New_York')).toBe('2025-05-31');
    expect(localDay('2025-06-01T22:30:00.000Z', 'Asia/Tokyo')).toBe('2025-06-02');
  });

  it('location time zone and capacity measure: defaults, and a bad value names its field', () => {
    const body = {
      name: 'Store',
      type: 'store',
      geo: { lat: 0, lon: 0 },
      capabilities: ['ship-from-store'],
      dailyShipmentCapacity: 10,
      shipmentFixedCost: 0,
      unitHandlingCost: 0,
      status: 'active',
    };
    expect(PutLocationRequestSchema.parse(body)).toMatchObject({ capacityMeasure: 'units', timeZone: 'UTC' });
    const bad = PutLocationRequestSchema.safeParse({
      ...body,
      timeZone: 'Mars/Olympus',
      capacityMeasure: 'pallets',
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['capacityMeasure', 'timeZone']);
  });

  it('PUT /locations refuses an unknown time zone as a validation error', async () => {
    const put = makePutLocation({ locations: new InMemoryLocationRepository() });
    const error = await put({
      locationId: 'S-1',
      body: {
        name: 'S',
        type: 'store',
        geo: { lat: 0, lon: 0 },
        capabilities: ['ship-from-store'],
        dailyShipmentCapacity: 10,
        shipmentFixedCost: 0,
        unitHandlingCost: 0,
        status: 'active',
        timeZone: 'Nowhere/Else',
      },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).details.errors?.map((e) => e.field)).toEqual(['timeZone']);
  });
});

describe('capacity refunds', () => {
  const charge = (day: string, units: number) => ({
    orderId: 'o',
    locationId: 'L',
    day,
    units,
    shipments: 1,
    updatedAt: '',
  });

  it('give back what the order no longer holds or shipped, newest day first', () => {
    const charges = [charge('2025-06-01', 2), charge('2025-06-02', 3)];
    expect(capacityRefunds(charges, [{ locationId: 'L', quantity: 1, consumed: 1 }])).toEqual([
      { locationId: 'L', day: '2025-06-02', units: 3, shipments: 1, expected: { units: 3, shipments: 1 } },
    ]);
    expect(capacityRefunds(charges, [{ locationId: 'L', quantity: 0, consumed: 1 }])).toEqual([
      { locationId: 'L', day: '2025-06-02', units: 3, shipments: 1, expected: { units: 3, shipments: 1 } },
      { locationId: 'L', day: '2025-06-01', units: 1, shipments: 0, expected: { units: 2, shipments: 1 } },
    ]);
    expect(capacityRefunds(charges, [{ locationId: 'L', quantity: 5, consumed: 0 }])).toEqual([]);
  });
});

describe('allocation within location capacity', () => {
  it('gives a unit-counted store at most its daily units; the rest go to the warehouse', async () => {
    const t = setup([store(), location('WH')]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 100 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 100 });
    const orders = Array.from({ length: 5 }, () => t.place([{ sku: 'SKU-1', quantity: 1 }]));
    for (const order of orders) await t.allocate(order.orderId);

    expect(unitsAt(t.inventory, 'STORE')).toBe(3);
    expect(unitsAt(t.inventory, 'WH')).toBe(2);
    const view = await t.getLocation({ locationId: 'STORE' });
    expect(view.capacity).toEqual({
      day: '2025-06-01',
      timeZone: 'UTC',
      measure: 'units',
      limit: 3,
      used: { units: 3, shipments: 3 },
      remaining: 0,
    });
  });

  it('50 concurrent orders against a store with capacity 10: at most 10 go to it, none oversold', async () => {
    const t = setup([store({ dailyShipmentCapacity: 10 }), location('WH')]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 500 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 500 });
    const orders = Array.from({ length: 50 }, () => t.place([{ sku: 'SKU-1', quantity: 1 }]));
    const results = await Promise.all(orders.map((o) => t.allocate(o.orderId)));

    expect(results.map((r) => r.order.status)).toEqual(orders.map(() => 'ALLOCATED'));
    expect(unitsAt(t.inventory, 'STORE')).toBe(10);
    expect(unitsAt(t.inventory, 'WH')).toBe(40);
    expect(t.inventory.position('SKU-1', 'STORE')?.reserved).toBe(10);
    expect((await t.getLocation({ locationId: 'STORE' })).capacity).toMatchObject({
      used: { units: 10 },
      remaining: 0,
    });
  });

  it('a shipment-counted store takes that many orders, whatever their units', async () => {
    const t = setup([store({ dailyShipmentCapacity: 2, capacityMeasure: 'shipments' }), location('WH')]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 100 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 100 });
    const orders = Array.from({ length: 3 }, () => t.place([{ sku: 'SKU-1', quantity: 4 }]));
    for (const order of orders) await t.allocate(order.orderId);

    expect(unitsAt(t.inventory, 'STORE')).toBe(8);
    expect(unitsAt(t.inventory, 'WH')).toBe(4);
    expect((await t.getLocation({ locationId: 'STORE' })).capacity).toMatchObject({
      measure: 'shipments',
      used: { units: 8, shipments: 2 },
      remaining: 0,
    });
  });

  it('re-plans a multi-SKU order that would pass the units left, taking only what fits', async () => {
    const t = setup([store(), location('WH')]);
    for (const sku of ['SKU-1', 'SKU-2']) t.inventory.seed({ sku, locationId: 'STORE', onHand: 10 });
    // The warehouse has only one SKU-2, so the order needs the store, which has 3 units left today.
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 10 });
    t.inventory.seed({ sku: 'SKU-2', locationId: 'WH', onHand: 1 });
    const order = t.place([
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 2 },
    ]);
    const result = await t.allocate(order.orderId);
    expect(result.order.status).toBe('ALLOCATED');
    expect(unitsAt(t.inventory, 'STORE')).toBe(3);
    expect(unitsAt(t.inventory, 'WH')).toBe(1);
    expect(t.inventory.capacityUsage.get('STORE\u00002025-06-01')).toMatchObject({ units: 3, shipments: 1 });
  });

  it('gives capacity back on release (cancel or reroute), and a new order can use it', async () => {
    const t = setup([store(), location('WH')]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 100 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 100 });
    const first = t.place([{ sku: 'SKU-1', quantity: 3 }]);
    await t.allocate(first.orderId);
    expect((await t.getLocation({ locationId: 'STORE' })).capacity.remaining).toBe(0);

    await t.release({ orderId: first.orderId, body: { locationId: 'STORE' } });
    expect((await t.getLocation({ locationId: 'STORE' })).capacity).toMatchObject({
      used: { units: 0, shipments: 0 },
      remaining: 3,
    });
    expect(await t.inventory.listCapacityCharges(first.orderId)).toMatchObject([{ units: 0, shipments: 0 }]);
    // A repeated release finds nothing left and gives nothing back twice.
    await t.release({ orderId: first.orderId });
    expect((await t.getLocation({ locationId: 'STORE' })).capacity.used.units).toBe(0);

    const second = t.place([{ sku: 'SKU-1', quantity: 2 }]);
    await t.allocate(second.orderId);
    expect(unitsAt(t.inventory, 'STORE')).toBe(2);
  });

  it('keeps capacity for units that shipped; a partial release gives back only the rest', async () => {
    const t = setup([store(), location('WH')]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 100 });
    const order = t.place([{ sku: 'SKU-1', quantity: 3 }]);
    await t.allocate(order.orderId);
    await t.confirm({
      orderId: order.orderId,
      body: { shipmentId: 'shp-1', locationId: 'STORE', lines: [{ lineId: '1', quantity: 2 }] },
    });
    await t.release({ orderId: order.orderId });
    expect((await t.getLocation({ locationId: 'STORE' })).capacity).toMatchObject({
      used: { units: 2, shipments: 1 },
      remaining: 1,
    });
  });

  it('counts on the local day: a new day in the store time zone starts afresh, and yesterday’s release goes to yesterday', async () => {
    // 03:30 UTC is still 31 May in New York.
    const t = setup([store({ timeZone: 'America/New_York' }), location('WH')], '2025-06-01T03:30:00.000Z');
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 100 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 100 });
    const yesterday = t.place([{ sku: 'SKU-1', quantity: 3 }]);
    await t.allocate(yesterday.orderId);
    expect((await t.getLocation({ locationId: 'STORE' })).capacity).toMatchObject({
      day: '2025-05-31',
      timeZone: 'America/New_York',
      remaining: 0,
    });

    t.clock.advance(2 * 3600); // 05:30 UTC = 01:30 in New York, 1 June
    expect((await t.getLocation({ locationId: 'STORE' })).capacity).toMatchObject({
      day: '2025-06-01',
      remaining: 3,
    });
    const today = t.place([{ sku: 'SKU-1', quantity: 2 }]);
    await t.allocate(today.orderId);
    expect(unitsAt(t.inventory, 'STORE')).toBe(5);

    await t.release({ orderId: yesterday.orderId });
    expect(t.inventory.capacityUsage.get('STORE\u00002025-05-31')).toMatchObject({ units: 0, shipments: 0 });
    expect(t.inventory.capacityUsage.get('STORE\u00002025-06-01')).toMatchObject({ units: 2, shipments: 1 });
  });

  it('a pickup handover at the pickup store uses no capacity; a transfer uses the source’s', async () => {
    const t = setup([
      store({ dailyShipmentCapacity: 0 }),
      location('WH', { transferToStores: true, dailyShipmentCapacity: 1 }),
    ]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 2 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 10 });
    const pickup = { method: 'pickup', locationId: 'STORE' };
    const first = t.place([{ sku: 'SKU-1', quantity: 2 }], pickup);
    expect((await t.allocate(first.orderId)).order.status).toBe('ALLOCATED');
    expect(unitsAt(t.inventory, 'STORE')).toBe(2);
    expect((await t.getLocation({ locationId: 'STORE' })).capacity.used.units).toBe(0);

    const second = t.place([{ sku: 'SKU-1', quantity: 2 }], pickup);
    const result = await t.allocate(second.orderId);
    // The warehouse may transfer one unit today; the other waits.
    expect(result.order.status).toBe('PARTIALLY_ALLOCATED');
    expect(unitsAt(t.inventory, 'WH')).toBe(1);
    expect((await t.getLocation({ locationId: 'WH' })).capacity).toMatchObject({
      used: { units: 1 },
      remaining: 0,
    });
  });

  it('an allocation that loses the store’s last unit to another re-plans elsewhere', async () => {
    const t = setup([store({ dailyShipmentCapacity: 1 }), location('WH')]);
    t.inventory.seed({ sku: 'SKU-1', locationId: 'STORE', onHand: 100 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH', onHand: 100 });
    const a = t.place([{ sku: 'SKU-1', quantity: 1 }]);
    // Just before a's reservation, another order takes the store's only unit.
    t.inventory.beforeNextWrite(() => {
      t.inventory.capacityUsage.set('STORE\u00002025-06-01', {
        locationId: 'STORE',
        day: '2025-06-01',
        units: 1,
        shipments: 1,
      });
    });
    await t.allocate(a.orderId);
    expect(unitsAt(t.inventory, 'STORE')).toBe(0);
    expect(unitsAt(t.inventory, 'WH')).toBe(1);
  });
});
