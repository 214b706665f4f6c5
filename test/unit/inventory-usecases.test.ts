import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import { DomainError } from '../../shared/domain/errors.ts';
import { availableToSell } from '../../shared/domain/inventory.ts';
import type { Location } from '../../shared/domain/location.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { parseEvent } from '../../shared/events/catalog.ts';
import { makeAdjustInventory } from '../../shared/usecases/adjust-inventory.ts';
import { makeAllocateOrder } from '../../shared/usecases/allocate-order.ts';
import { makeConfirmShipmentReservations } from '../../shared/usecases/confirm-shipment-reservations.ts';
import { makeGetAvailability } from '../../shared/usecases/get-availability.ts';
import { makeGetInventoryNetwork } from '../../shared/usecases/get-inventory-network.ts';
import { makeGetLocation } from '../../shared/usecases/get-location.ts';
import { makeExpireHolds, makeHoldInventory, makeReleaseHold } from '../../shared/usecases/hold-inventory.ts';
import { makeListLocations } from '../../shared/usecases/list-locations.ts';
import { makePutLocation } from '../../shared/usecases/put-location.ts';
import { makeReleaseReservations } from '../../shared/usecases/release-reservations.ts';
import { makeSyncInventory } from '../../shared/usecases/sync-inventory.ts';
import { testLocation } from '../support/fixtures.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from '../support/in-memory-inventory.ts';

const location = testLocation;

const NETWORK = [
  location('WH-NEAR', { geo: { lat: 0, lon: 0.5 } }),
  location('WH-FAR', { geo: { lat: 0, lon: 5 } }),
  location('ST-1', {
    type: 'store',
    geo: { lat: 0, lon: 0.1 },
    capabilities: ['pickup'],
    postalCode: '10115',
  }),
  location('ST-2', { type: 'store', geo: { lat: 0, lon: 0.3 }, capabilities: ['pickup', 'ship-from-store'] }),
  location('WH-PAUSED', { status: 'paused', geo: { lat: 0, lon: 0.2 } }),
];

function setup(locations: Location[] = NETWORK) {
  const inventory = new InMemoryInventoryStore();
  const locationRepo = new InMemoryLocationRepository(locations);
  const orders = new InMemoryOrderRepository();
  const clock = new ManualClock();
  const ids = sequentialIds();
  const deps = { inventory, locations: locationRepo, orders, clock, ids };
  return {
    ...deps,
    allocate: makeAllocateOrder(deps),
    sync: makeSyncInventory(deps),
    adjust: makeAdjustInventory(deps),
    release: makeReleaseReservations(deps),
    confirm: makeConfirmShipmentReservations(deps),
    hold: makeHoldInventory(deps),
    releaseHold: makeReleaseHold(deps),
    expireHolds: makeExpireHolds(deps),
    network: makeGetInventoryNetwork(deps),
    availability: makeGetAvailability(deps),
  };
}

let orderSeq = 0;
function placeOrder(
  orders: InMemoryOrderRepository,
  lines: { sku: string; quantity: number }[],
  delivery: unknown = {
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
): Order {
  const request = PlaceOrderRequestSchema.parse({
    customer: { customerId: 'c-1' },
    currency: 'EUR',
    lines: lines.map((line) => ({ ...line, unitPrice: 1000 })),
    delivery,
  });
  orderSeq++;
  const order = newOrder({
    orderId: `ord_${String(orderSeq).padStart(26, '0')}`,
    channel: 'web',
    request,
    now: '2025-06-01T11:00:00.000Z',
  });
  orders.add(order);
  return order;
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the call to be rejected');
}

const totalReserved = (inventory: InMemoryInventoryStore, sku: string) =>
  [...inventory.positions.values()].filter((p) => p.sku === sku).reduce((sum, p) => sum + p.reserved, 0);

describe('locations', () => {
  it('creates a location, then replaces it', async () => {
    const locations = new InMemoryLocationRepository();
    const put = makePutLocation({ locations });
    const body = {
      name: 'Berlin DC',
      type: 'warehouse',
      geo: { lat: 52.5, lon: 13.4 },
      capabilities: ['ship'],
      dailyShipmentCapacity: 500,
      shipmentFixedCost: 300,
      unitHandlingCost: 50,
      status: 'active',
    };
    const first = await put({ locationId: 'BER-1', body });
    expect(first.created).toBe(true);
    expect(first.location).toMatchObject({ locationId: 'BER-1', transferToStores: false });
    const second = await put({ locationId: 'BER-1', body: { ...body, status: 'paused' } });
    expect(second.created).toBe(false);
    const get = makeGetLocation({
      locations,
      inventory: new InMemoryInventoryStore(),
      clock: new ManualClock(),
    });
    expect(await get({ locationId: 'BER-1' })).toMatchObject({
      status: 'paused',
      capacityMeasure: 'units',
      timeZone: 'UTC',
      capacity: { day: '2025-06-01', limit: 500, used: { units: 0, shipments: 0 }, remaining: 500 },
    });
  });

  it('names every bad field, including the path id', async () => {
    const put = makePutLocation({ locations: new InMemoryLocationRepository() });
    const badId = await rejection(put({ locationId: '#bad', body: {} }));
    expect(badId.kind).toBe('validation');
    expect(badId.details.errors?.[0]?.field).toBe('path:locationId');
    const badBody = await rejection(put({ locationId: 'OK-1', body: { name: 'x', colour: 'red' } }));
    expect(badBody.details.errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['colour', 'type', 'geo']),
    );
  });

  it('reads an unknown location as not found', async () => {
    const get = makeGetLocation({
      locations: new InMemoryLocationRepository(),
      inventory: new InMemoryInventoryStore(),
      clock: new ManualClock(),
    });
    expect((await rejection(get({ locationId: 'NOPE' }))).kind).toBe('not-found');
  });

  it('lists by filter, a page at a time', async () => {
    const list = makeListLocations({ locations: new InMemoryLocationRepository(NETWORK) });
    const first = await list({ query: { capability: 'pickup', limit: '1' } });
    expect(first.items.map((l) => l.locationId)).toEqual(['ST-1']);
    const second = await list({ query: { capability: 'pickup', limit: '1', cursor: first.nextCursor } });
    expect(second.items.map((l) => l.locationId)).toEqual(['ST-2']);
    expect(second.nextCursor).toBeUndefined();
    expect((await list({ query: { status: 'paused' } })).items.map((l) => l.locationId)).toEqual([
      'WH-PAUSED',
    ]);
    expect((await rejection(list({ query: { cursor: '!!!' } }))).kind).toBe('validation');
  });
});

describe('sync-inventory', () => {
  it('sets absolute on hand with safety stock and keeps reservations', async () => {
    const t = setup();
    const created = await t.sync({ sku: 'SKU-1', locationId: 'WH-NEAR', body: { onHand: 10, sequence: 1 } });
    expect(created).toMatchObject({
      created: true,
      ats: 10,
      position: { onHand: 10, reserved: 0, syncSequence: 1 },
    });
    t.inventory.position('SKU-1', 'WH-NEAR')!.reserved = 4;
    const updated = await t.sync({
      sku: 'SKU-1',
      locationId: 'WH-NEAR',
      body: {
        onHand: 12,
        sequence: 2,
        safetyStock: 3,
        inbound: [{ quantity: 5, expectedAt: '2025-06-03T00:00:00Z' }],
      },
    });
    expect(updated).toMatchObject({ created: false, ats: 5, shortfall: 0 });
    expect(updated.position).toMatchObject({ onHand: 12, reserved: 4, safetyStock: 3, syncSequence: 2 });
  });

  it('rejects a sequence that is not newer, and changes nothing', async () => {
    const t = setup();
    await t.sync({ sku: 'SKU-1', locationId: 'WH-NEAR', body: { onHand: 10, sequence: 5 } });
    for (const sequence of [5, 4]) {
      const error = await rejection(
        t.sync({ sku: 'SKU-1', locationId: 'WH-NEAR', body: { onHand: 1, sequence } }),
      );
      expect(error.kind).toBe('conflict');
      expect(error.message).toContain(`sequence ${sequence}, which is not newer than the stored sequence 5`);
      expect(error.details.storedSequence).toBe(5);
    }
    expect(t.inventory.position('SKU-1', 'WH-NEAR')).toMatchObject({ onHand: 10, syncSequence: 5 });
  });

  it('reports a shortfall when the count no longer covers reservations', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10, reserved: 8 });
    const result = await t.sync({ sku: 'SKU-1', locationId: 'WH-NEAR', body: { onHand: 5, sequence: 2 } });
    expect(result).toMatchObject({ ats: 0, shortfall: 3 });
  });

  it('refuses unknown locations and malformed bodies', async () => {
    const t = setup();
    expect(
      (await rejection(t.sync({ sku: 'SKU-1', locationId: 'NOWHERE', body: { onHand: 1, sequence: 1 } })))
        .kind,
    ).toBe('not-found');
    const bad = await rejection(
      t.sync({ sku: 'SKU 1', locationId: 'WH-NEAR', body: { onHand: -1, sequence: 0 } }),
    );
    expect(bad.kind).toBe('validation');
    expect(bad.details.errors?.map((e) => e.field)).toEqual(['path:sku']);
  });
});

describe('adjust-inventory', () => {
  it('applies a batch of deltas, creating positions a receipt brings', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10 });
    const result = await t.adjust({
      body: {
        batchId: 'batch-1',
        adjustments: [
          { sku: 'SKU-1', locationId: 'WH-NEAR', delta: -2, reason: 'damaged' },
          { sku: 'SKU-1', locationId: 'WH-NEAR', delta: 5, reason: 'received' },
          { sku: 'SKU-2', locationId: 'WH-FAR', delta: 7, reason: 'received', note: 'PO 42' },
        ],
      },
    });
    expect(result.applied).toBe(true);
    expect(result.positions).toEqual([
      { sku: 'SKU-1', locationId: 'WH-NEAR', onHandBefore: 10, onHandAfter: 13 },
      { sku: 'SKU-2', locationId: 'WH-FAR', onHandBefore: 0, onHandAfter: 7 },
    ]);
    expect(t.inventory.position('SKU-2', 'WH-FAR')).toMatchObject({ onHand: 7, reserved: 0 });
  });

  it('rejects a batch whose item would make on hand negative, naming it, and applies nothing', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10 });
    t.inventory.seed({ sku: 'SKU-2', locationId: 'WH-NEAR', onHand: 2 });
    const error = await rejection(
      t.adjust({
        body: {
          adjustments: [
            { sku: 'SKU-1', locationId: 'WH-NEAR', delta: 5, reason: 'received' },
            { sku: 'SKU-2', locationId: 'WH-NEAR', delta: -3, reason: 'shrinkage' },
          ],
        },
      }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('would make on hand negative for SKU SKU-2 at WH-NEAR');
    expect(error.message).toContain('nothing in the batch was applied');
    expect(error.details.errors).toEqual([expect.objectContaining({ field: 'adjustments[1].delta' })]);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.onHand).toBe(10);
    expect(t.inventory.position('SKU-2', 'WH-NEAR')?.onHand).toBe(2);
  });

  it('rejects taking on hand below what is reserved', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10, reserved: 8 });
    const error = await rejection(
      t.adjust({
        body: { adjustments: [{ sku: 'SKU-1', locationId: 'WH-NEAR', delta: -3, reason: 'cycle-count' }] },
      }),
    );
    expect(error.message).toContain('below reserved for SKU SKU-1 at WH-NEAR');
    expect(error.message).toContain('8 are reserved');
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.onHand).toBe(10);
  });

  it('re-checks when a reservation lands between its read and its write', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10, reserved: 0 });
    t.inventory.beforeNextWrite(() => {
      t.inventory.position('SKU-1', 'WH-NEAR')!.reserved = 9;
    });
    const error = await rejection(
      t.adjust({
        body: { adjustments: [{ sku: 'SKU-1', locationId: 'WH-NEAR', delta: -2, reason: 'damaged' }] },
      }),
    );
    expect(error.message).toContain('9 are reserved');
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.onHand).toBe(10);
  });

  it('applies a named batch once, and refuses the name for a different batch', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10 });
    const body = {
      batchId: 'b-7',
      adjustments: [{ sku: 'SKU-1', locationId: 'WH-NEAR', delta: -4, reason: 'damaged' }],
    };
    expect((await t.adjust({ body })).applied).toBe(true);
    expect((await t.adjust({ body })).applied).toBe(false);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.onHand).toBe(6);
    const reused = await rejection(
      t.adjust({ body: { ...body, adjustments: [{ ...body.adjustments[0], delta: -1 }] } }),
    );
    expect(reused.kind).toBe('idempotency-key-reused');
  });

  it('checks reason signs and known locations', async () => {
    const t = setup();
    const signs = await rejection(
      t.adjust({
        body: {
          adjustments: [
            { sku: 'SKU-1', locationId: 'WH-NEAR', delta: -1, reason: 'received' },
            { sku: 'SKU-1', locationId: 'WH-NEAR', delta: 1, reason: 'damaged' },
            { sku: 'SKU-1', locationId: 'WH-NEAR', delta: 0, reason: 'correction' },
          ],
        },
      }),
    );
    expect(signs.details.errors?.map((e) => e.field)).toEqual([
      'adjustments[0].delta',
      'adjustments[1].delta',
      'adjustments[2].delta',
    ]);
    const unknown = await rejection(
      t.adjust({
        body: { adjustments: [{ sku: 'SKU-1', locationId: 'MARS', delta: 1, reason: 'received' }] },
      }),
    );
    expect(unknown.details.errors?.[0]).toMatchObject({ field: 'adjustments[0].locationId' });
  });
});

describe('get-inventory-network', () => {
  it('shows each location and totals, with ATS', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10, reserved: 3, safetyStock: 2 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'ST-1', onHand: 4 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-PAUSED', onHand: 6 });
    const network = await t.network({ sku: 'SKU-1' });
    expect(network.positions.map((p) => [p.locationId, p.ats, p.shippable, p.pickup])).toEqual([
      ['ST-1', 4, false, true],
      ['WH-NEAR', 5, true, false],
      ['WH-PAUSED', 6, false, false],
    ]);
    expect(network.totals).toEqual({
      onHand: 20,
      reserved: 3,
      safetyStock: 2,
      ats: 15,
      shippableAts: 5,
      inbound: 0,
    });
    expect((await rejection(t.network({ sku: 'UNKNOWN' }))).kind).toBe('not-found');
  });
});

describe('get-availability', () => {
  it('counts only active ship-capable locations, and lists the nearest pickup stores', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10, reserved: 3, safetyStock: 2 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'ST-1', onHand: 4 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'ST-2', onHand: 1 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-PAUSED', onHand: 6 });
    const result = await t.availability({
      query: { sku: 'SKU-1,SKU-2', lat: '0', lon: '0.25', stores: '2' },
    });
    expect(result.skus).toEqual([
      { sku: 'SKU-1', ats: 6 },
      { sku: 'SKU-2', ats: 0 },
    ]);
    expect(result.pickup?.stores.map((s) => [s.locationId, s.skus[0]?.ats])).toEqual([
      ['ST-2', 1],
      ['ST-1', 4],
    ]);
    expect(result.pickup?.stores[0]?.distanceKm).toBeCloseTo(5.6, 1);
  });

  it('places a postal code at a location with that code, and says when it cannot', async () => {
    const t = setup();
    const near = await t.availability({ query: { sku: 'SKU-1', postalCode: '10 115', stores: '1' } });
    expect(near.pickup?.stores.map((s) => s.locationId)).toEqual(['ST-1']);
    const unknown = await rejection(t.availability({ query: { sku: 'SKU-1', postalCode: '99999' } }));
    expect(unknown.details.errors?.[0]?.field).toBe('query:postalCode');
    const halfPoint = await rejection(t.availability({ query: { sku: 'SKU-1', lat: '1' } }));
    expect(halfPoint.details.errors?.[0]?.field).toBe('lon');
    expect((await t.availability({ query: { sku: 'SKU-1' } })).pickup).toBeUndefined();
  });
});

describe('allocate-order', () => {
  it('reserves from the best location and marks the order ALLOCATED with an OrderAllocated event', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 5 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 5 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 3 }]);
    const result = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(result.changed).toBe(true);
    expect(result.order.status).toBe('ALLOCATED');
    expect(result.reservedNow).toEqual([{ lineId: '1', sku: 'SKU-1', locationId: 'WH-NEAR', quantity: 3 }]);
    expect(result.lines).toEqual([{ lineId: '1', sku: 'SKU-1', quantity: 3, allocated: 3, backordered: 0 }]);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(3);
    expect(t.orders.events.map((e) => e.type)).toEqual(['OrderAllocated']);
    expect(parseEvent(t.orders.events[0]).data).toMatchObject({
      status: 'ALLOCATED',
      previousStatus: 'CREATED',
      shipments: [
        { locationId: 'WH-NEAR', kind: 'ship', lines: [{ lineId: '1', sku: 'SKU-1', quantity: 3 }] },
      ],
      dropShip: [],
      backordered: [],
    });
    expect((await t.orders.history(order.orderId)).map((h) => [h.from, h.to])).toEqual([
      ['CREATED', 'ALLOCATED'],
    ]);
    expect((await t.orders.get(order.orderId))?.version).toBe(2);
  });

  it('splits, partially allocates and backorders the rest, never touching safety stock', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 4, safetyStock: 1 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 2 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 8 }]);
    const result = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(result.order.status).toBe('PARTIALLY_ALLOCATED');
    expect(result.lines[0]).toMatchObject({ allocated: 5, backordered: 3 });
    expect(result.order.lines[0]?.status).toBe('BACKORDERED');
    expect(t.inventory.position('SKU-1', 'WH-NEAR')).toMatchObject({ onHand: 4, reserved: 3 });
    expect(t.inventory.position('SKU-1', 'WH-FAR')).toMatchObject({ onHand: 2, reserved: 2 });
    expect(t.orders.events.map((e) => e.type)).toEqual(['OrderAllocated']);
  });

  it('backorders an order nothing can supply, then allocates the remainder once stock arrives', async () => {
    const t = setup();
    const order = placeOrder(t.orders, [{ sku: 'SKU-9', quantity: 2 }]);
    const first = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(first.order.status).toBe('BACKORDERED');
    expect(first.lines[0]).toMatchObject({ allocated: 0, backordered: 2 });
    expect(t.orders.events.map((e) => e.type)).toEqual(['OrderBackordered']);
    expect(parseEvent(t.orders.events[0]).data).toMatchObject({
      status: 'BACKORDERED',
      shipments: [],
      backordered: [{ lineId: '1', sku: 'SKU-9', quantity: 2 }],
    });

    await t.sync({ sku: 'SKU-9', locationId: 'WH-FAR', body: { onHand: 1, sequence: 1 } });
    const second = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(second.order.status).toBe('PARTIALLY_ALLOCATED');
    await t.sync({ sku: 'SKU-9', locationId: 'WH-NEAR', body: { onHand: 5, sequence: 1 } });
    const third = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(third.order.status).toBe('ALLOCATED');
    expect(third.reservedNow).toEqual([{ lineId: '1', sku: 'SKU-9', locationId: 'WH-NEAR', quantity: 1 }]);
    expect(totalReserved(t.inventory, 'SKU-9')).toBe(2);
  });

  it('reserves nothing twice when run again', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 4 }]);
    await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    const again = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(again.changed).toBe(false);
    expect(again.reservedNow).toEqual([]);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(4);
    expect(t.orders.events).toHaveLength(1);
  });

  it('re-plans when a sync changes on hand between its read and its reservation', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 5 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 5 });
    t.inventory.beforeNextWrite(() => {
      t.inventory.position('SKU-1', 'WH-NEAR')!.onHand = 1;
    });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 3 }]);
    const result = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(result.order.status).toBe('ALLOCATED');
    const near = t.inventory.position('SKU-1', 'WH-NEAR')!;
    expect(near.reserved).toBeLessThanOrEqual(near.onHand);
    expect(totalReserved(t.inventory, 'SKU-1')).toBe(3);
  });

  it('never oversells under concurrent allocations', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 4, safetyStock: 1 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 5 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'ST-2', onHand: 3 });
    const orders = Array.from({ length: 30 }, (_, i) =>
      placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 1 + (i % 2) }]),
    );
    const results = await Promise.all(
      orders.map((o) => t.allocate({ orderId: o.orderId, correlationId: 'c' })),
    );
    expect(totalReserved(t.inventory, 'SKU-1')).toBe(11);
    for (const p of t.inventory.positions.values())
      expect(p.reserved).toBeLessThanOrEqual(p.onHand - p.safetyStock);
    const allocated = results.reduce((sum, r) => sum + r.lines.reduce((s, l) => s + l.allocated, 0), 0);
    expect(allocated).toBe(11);
    const reservationUnits = [...t.inventory.reservations.values()].reduce((sum, r) => sum + r.quantity, 0);
    expect(reservationUnits).toBe(11);
  });

  it('honours pickup: reserves at the store, or transfers from a warehouse', async () => {
    const t = setup(NETWORK.map((l) => (l.locationId === 'WH-NEAR' ? { ...l, transferToStores: true } : l)));
    t.inventory.seed({ sku: 'SKU-1', locationId: 'ST-1', onHand: 1 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 5 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 2 }], {
      method: 'pickup',
      locationId: 'ST-1',
    });
    const result = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(result.order.status).toBe('ALLOCATED');
    expect(result.reservedNow.map((r) => [r.locationId, r.quantity]).sort()).toEqual([
      ['ST-1', 1],
      ['WH-NEAR', 1],
    ]);
    const event = parseEvent(t.orders.events[0]);
    expect(event.type === 'OrderAllocated' && event.data.shipments).toEqual([
      { locationId: 'ST-1', kind: 'pickup', lines: [{ lineId: '1', sku: 'SKU-1', quantity: 1 }] },
      {
        locationId: 'WH-NEAR',
        kind: 'transfer',
        toLocationId: 'ST-1',
        lines: [{ lineId: '1', sku: 'SKU-1', quantity: 1 }],
      },
    ]);
  });

  it('gives back reservations that landed on an order cancelled meanwhile', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 5 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 2 }]);
    t.inventory.beforeNextWrite(() => {
      const current = t.orders.orders.get(order.orderId)!;
      t.orders.orders.set(order.orderId, { ...current, status: 'CANCELLED', version: current.version + 1 });
    });
    const error = await rejection(t.allocate({ orderId: order.orderId, correlationId: 'c' }));
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('CANCELLED');
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(0);
  });

  it('refuses orders that are on hold or already shipped, and unknown orders', async () => {
    const t = setup();
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 1 }]);
    t.orders.orders.set(order.orderId, { ...order, status: 'ON_HOLD' });
    expect((await rejection(t.allocate({ orderId: order.orderId, correlationId: 'c' }))).kind).toBe(
      'conflict',
    );
    expect((await rejection(t.allocate({ orderId: 'ord_nope', correlationId: 'c' }))).kind).toBe('not-found');
  });

  it('re-sources without an excluded location', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 5 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 5 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 2 }]);
    const result = await t.allocate({
      orderId: order.orderId,
      correlationId: 'c',
      body: { excludedLocationIds: ['WH-NEAR'] },
    });
    expect(result.reservedNow.map((r) => r.locationId)).toEqual(['WH-FAR']);
  });
});

describe('release-reservations', () => {
  it('restores ATS on cancel and releases nothing twice', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 3 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 3 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 5 }]);
    await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(totalReserved(t.inventory, 'SKU-1')).toBe(5);
    const first = await t.release({ orderId: order.orderId });
    expect(first.released.reduce((sum, r) => sum + r.quantity, 0)).toBe(5);
    expect(totalReserved(t.inventory, 'SKU-1')).toBe(0);
    expect(availableToSell(t.inventory.position('SKU-1', 'WH-NEAR')!)).toBe(3);
    const second = await t.release({ orderId: order.orderId });
    expect(second.released).toEqual([]);
    expect(totalReserved(t.inventory, 'SKU-1')).toBe(0);
    const records = await t.inventory.listReservations(order.orderId);
    expect(records.map((r) => [r.locationId, r.quantity, r.released]).sort()).toEqual([
      ['WH-FAR', 0, 2],
      ['WH-NEAR', 0, 3],
    ]);
  });

  it('releases only one location when asked', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 3 });
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-FAR', onHand: 3 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 5 }]);
    await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    const result = await t.release({ orderId: order.orderId, body: { locationId: 'WH-FAR' } });
    expect(result.released).toEqual([{ lineId: '1', sku: 'SKU-1', locationId: 'WH-FAR', quantity: 2 }]);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(3);
  });
});

describe('confirm-shipment-reservations', () => {
  it('lowers on hand and reserved together, once per shipment', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10 });
    t.inventory.seed({ sku: 'SKU-2', locationId: 'WH-NEAR', onHand: 10 });
    const order = placeOrder(t.orders, [
      { sku: 'SKU-1', quantity: 3 },
      { sku: 'SKU-2', quantity: 2 },
    ]);
    await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    const partial = await t.confirm({
      orderId: order.orderId,
      body: { shipmentId: 'shp-1', locationId: 'WH-NEAR', lines: [{ lineId: '1', quantity: 2 }] },
    });
    expect(partial.applied).toBe(true);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')).toMatchObject({ onHand: 8, reserved: 1 });
    const repeat = await t.confirm({
      orderId: order.orderId,
      body: { shipmentId: 'shp-1', locationId: 'WH-NEAR', lines: [{ lineId: '1', quantity: 2 }] },
    });
    expect(repeat.applied).toBe(false);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')).toMatchObject({ onHand: 8, reserved: 1 });

    const rest = await t.confirm({
      orderId: order.orderId,
      body: { shipmentId: 'shp-2', locationId: 'WH-NEAR' },
    });
    expect(rest.consumed.map((c) => [c.sku, c.quantity])).toEqual([
      ['SKU-1', 1],
      ['SKU-2', 2],
    ]);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')).toMatchObject({ onHand: 7, reserved: 0 });
    expect(t.inventory.position('SKU-2', 'WH-NEAR')).toMatchObject({ onHand: 8, reserved: 0 });
    const records = await t.inventory.listReservations(order.orderId);
    expect(records.map((r) => [r.sku, r.quantity, r.consumed])).toEqual([
      ['SKU-1', 0, 3],
      ['SKU-2', 0, 2],
    ]);
  });

  it('refuses to ship more than was reserved there', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 10 });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 2 }]);
    await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    const error = await rejection(
      t.confirm({
        orderId: order.orderId,
        body: { shipmentId: 'shp-1', locationId: 'WH-NEAR', lines: [{ lineId: '1', quantity: 3 }] },
      }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.details.errors?.[0]?.field).toBe('lines[0].quantity');
    const elsewhere = await rejection(
      t.confirm({ orderId: order.orderId, body: { shipmentId: 'shp-2', locationId: 'WH-FAR' } }),
    );
    expect(elsewhere.message).toContain('no units reserved at WH-FAR');
    expect(t.inventory.position('SKU-1', 'WH-NEAR')).toMatchObject({ onHand: 10, reserved: 2 });
  });
});

const WEB: Caller = { channel: 'web', admin: false, scopes: ['orders', 'holds'] };

describe('holds', () => {
  it('holds what is available, counts against ATS, and expires through the sweep', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 3 });
    const { hold, created } = await t.hold({
      caller: WEB,
      body: { holdId: 'cart-1', ttlSeconds: 600, lines: [{ sku: 'SKU-1', quantity: 5 }] },
    });
    expect(created).toBe(true);
    expect(hold.lines).toEqual([{ lineId: '1', sku: 'SKU-1', quantity: 5, held: 3 }]);
    expect(hold.heldUntil).toBe('2025-06-01T12:10:00.000Z');
    expect(availableToSell(t.inventory.position('SKU-1', 'WH-NEAR')!)).toBe(0);

    const retry = await t.hold({
      caller: WEB,
      body: { holdId: 'cart-1', ttlSeconds: 600, lines: [{ sku: 'SKU-1', quantity: 5 }] },
    });
    expect(retry.created).toBe(false);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(3);

    t.clock.advance(599);
    expect((await t.expireHolds()).expired).toEqual([]);
    t.clock.advance(1);
    expect((await t.expireHolds()).expired).toEqual(['cart-1']);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(0);
    expect((await t.inventory.getHold('cart-1'))?.status).toBe('expired');
    expect((await t.expireHolds()).expired).toEqual([]);
  });

  it('releases a hold on request, once', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 3 });
    const { hold } = await t.hold({ caller: WEB, body: { lines: [{ sku: 'SKU-1', quantity: 2 }] } });
    expect((await t.releaseHold({ caller: WEB, holdId: hold.holdId })).released).toBe(true);
    expect((await t.releaseHold({ caller: WEB, holdId: hold.holdId })).released).toBe(false);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(0);
    expect((await rejection(t.releaseHold({ caller: WEB, holdId: 'missing' }))).kind).toBe('not-found');
  });

  it("is the creating channel's: another channel can neither release nor reuse it; ops can release it", async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 3 });
    const { hold } = await t.hold({
      caller: WEB,
      body: { holdId: 'cart-9', lines: [{ sku: 'SKU-1', quantity: 2 }] },
    });
    expect(hold.channel).toBe('web');
    const marketplace: Caller = { channel: 'marketplace', admin: false, scopes: ['orders', 'holds'] };
    expect((await rejection(t.releaseHold({ caller: marketplace, holdId: 'cart-9' }))).kind).toBe(
      'not-found',
    );
    const reuse = await rejection(
      t.hold({ caller: marketplace, body: { holdId: 'cart-9', lines: [{ sku: 'SKU-1', quantity: 1 }] } }),
    );
    expect(reuse.kind).toBe('conflict');
    expect(reuse.message).not.toContain('SKU-1');
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(2);
    const ops: Caller = { channel: 'ops', admin: true, scopes: [] };
    expect((await t.releaseHold({ caller: ops, holdId: 'cart-9' })).released).toBe(true);
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(0);
  });

  it('a hold stored without a channel (before channels were recorded) is released by ops only', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 3 });
    const { hold } = await t.hold({
      caller: WEB,
      body: { holdId: 'cart-old', lines: [{ sku: 'SKU-1', quantity: 1 }] },
    });
    const { channel: _channel, ...legacy } = hold;
    await t.inventory.endHold({ hold, status: 'released', at: hold.createdAt });
    await t.inventory.createHold({
      hold: { ...legacy, holdId: 'cart-legacy', allocations: [] },
      positions: [],
    });
    expect((await rejection(t.releaseHold({ caller: WEB, holdId: 'cart-legacy' }))).kind).toBe('not-found');
    const ops: Caller = { channel: 'ops', admin: true, scopes: [] };
    expect((await t.releaseHold({ caller: ops, holdId: 'cart-legacy' })).hold.holdId).toBe('cart-legacy');
  });

  it('keeps holds and allocations within ATS together', async () => {
    const t = setup();
    t.inventory.seed({ sku: 'SKU-1', locationId: 'WH-NEAR', onHand: 4 });
    await t.hold({ caller: WEB, body: { holdId: 'cart-1', lines: [{ sku: 'SKU-1', quantity: 3 }] } });
    const order = placeOrder(t.orders, [{ sku: 'SKU-1', quantity: 3 }]);
    const result = await t.allocate({ orderId: order.orderId, correlationId: 'c' });
    expect(result.lines[0]).toMatchObject({ allocated: 1, backordered: 2 });
    expect(t.inventory.position('SKU-1', 'WH-NEAR')?.reserved).toBe(4);
  });
});
