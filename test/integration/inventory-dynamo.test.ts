import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoInventoryStore } from '../../shared/adapters/aws/dynamo-inventory-store.ts';
import { makeDynamoLocationRepository } from '../../shared/adapters/aws/dynamo-location-repository.ts';
import {
  documentClient,
  makeDynamoOrderRepository,
} from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { reservationBuckets } from '../../shared/adapters/aws/inventory-buckets.ts';
import { inventoryKeys } from '../../shared/adapters/aws/inventory-keys.ts';
import type { Caller } from '../../shared/domain/caller.ts';
import { DomainError } from '../../shared/domain/errors.ts';
import { availableToSell } from '../../shared/domain/inventory.ts';
import type { Location } from '../../shared/domain/location.ts';
import type { Order } from '../../shared/domain/order.ts';
import { type Clock, systemClock } from '../../shared/ports/clock.ts';
import { ulidIdGenerator } from '../../shared/ports/id-generator.ts';
import type { InventoryStore } from '../../shared/ports/inventory-store.ts';
import type { LocationRepository } from '../../shared/ports/location-repository.ts';
import type { OrderRepository } from '../../shared/ports/order-repository.ts';
import { makeAdjustInventory } from '../../shared/usecases/adjust-inventory.ts';
import { makeAllocateOrder } from '../../shared/usecases/allocate-order.ts';
import { makeCancelOrder } from '../../shared/usecases/cancel-order.ts';
import { makeConfirmShipmentReservations } from '../../shared/usecases/confirm-shipment-reservations.ts';
import { makeGetAvailability } from '../../shared/usecases/get-availability.ts';
import { makeGetInventoryNetwork } from '../../shared/usecases/get-inventory-network.ts';
import { makeExpireHolds, makeHoldInventory } from '../../shared/usecases/hold-inventory.ts';
import { makeListLocations } from '../../shared/usecases/list-locations.ts';
import { makePlaceOrder } from '../../shared/usecases/place-order.ts';
import { makePutLocation } from '../../shared/usecases/put-location.ts';
import { makeReleaseReservations } from '../../shared/usecases/release-reservations.ts';
import { makeSyncInventory } from '../../shared/usecases/sync-inventory.ts';
import { createTestTable, dropTestTable } from '../support/dynamo-table.ts';
import { shipToGermanyBody } from '../support/fixtures.ts';

const TABLE = `qm-inv-${randomUUID()}`;
const caller: Caller = { channel: 'web', admin: false, scopes: ['orders', 'holds'] };
const ids = ulidIdGenerator();

let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let orders: OrderRepository;
let inventory: InventoryStore;
let locations: LocationRepository;

function warehouse(locationId: string, lon: number, overrides: Partial<Location> = {}) {
  return {
    locationId,
    body: {
      name: `Warehouse ${locationId}`,
      type: 'warehouse',
      geo: { lat: 50, lon },
      capabilities: ['ship'],
      dailyShipmentCapacity: 10_000,
      shipmentFixedCost: 300,
      unitHandlingCost: 50,
      status: 'active',
      ...overrides,
    },
  };
}

beforeAll(async () => {
  client = await createTestTable(TABLE, { orderIndexes: true });
  doc = documentClient(client);
  orders = makeDynamoOrderRepository(doc, { tableName: TABLE });
  inventory = makeDynamoInventoryStore(doc, { tableName: TABLE });
  locations = makeDynamoLocationRepository(doc, { tableName: TABLE });

  const putLocation = makePutLocation({ locations });
  for (const { locationId, body } of [
    warehouse('WH-A', 10),
    warehouse('WH-B', 11),
    warehouse('WH-C', 12),
    warehouse('ST-1', 10.01, { type: 'store', capabilities: ['pickup'], postalCode: '10115' }),
  ]) {
    await putLocation({ locationId, body });
  }
});

afterAll(async () => {
  await dropTestTable(client, TABLE);
});

const clock: Clock = systemClock;
const useCases = () => ({
  allocate: makeAllocateOrder({ orders, inventory, locations, clock, ids }),
  sync: makeSyncInventory({ inventory, locations, clock }),
  adjust: makeAdjustInventory({ inventory, locations, clock, ids }),
  release: makeReleaseReservations({ inventory, clock }),
  confirm: makeConfirmShipmentReservations({ inventory, clock }),
  cancel: makeCancelOrder({ orders, clock, ids }),
  hold: makeHoldInventory({ inventory, locations, clock, ids }),
  expireHolds: makeExpireHolds({ inventory, clock }),
});

async function placeOrder(sku: string, quantity: number): Promise<Order> {
  return placeOrderOf([{ sku, quantity }]);
}

async function placeOrderOf(lines: { sku: string; quantity: number }[]): Promise<Order> {
  const { order } = await makePlaceOrder({ orders, clock, ids })({
    caller,
    idempotencyKey: randomUUID(),
    correlationId: 'test',
    body: shipToGermanyBody(lines),
  });
  return order;
}

async function stock(sku: string, counts: Record<string, { onHand: number; safetyStock?: number }>) {
  const { sync } = useCases();
  for (const [locationId, count] of Object.entries(counts)) {
    await sync({
      sku,
      locationId,
      body: { onHand: count.onHand, safetyStock: count.safetyStock ?? 0, sequence: 1 },
    });
  }
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

const sumOf = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('inventory on DynamoDB', () => {
  it('200 concurrent allocations reserve exactly the 50 units there are, never beyond on hand − safety stock', async () => {
    const sku = 'HOT-1';
    await stock(sku, {
      'WH-A': { onHand: 20 },
      'WH-B': { onHand: 18, safetyStock: 3 },
      'WH-C': { onHand: 15 },
    });
    const placed: Order[] = [];
    for (let batch = 0; batch < 200; batch += 50) {
      placed.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => placeOrder(sku, (batch + i) % 5 === 0 ? 2 : 1)),
        )),
      );
    }
    const demand = sumOf(placed.map((o) => o.totals.units));
    const { allocate } = useCases();

    const results = await Promise.all(
      placed.map((o) => allocate({ orderId: o.orderId, correlationId: 'load' })),
    );

    const positions = await inventory.listPositions(sku);
    expect(sumOf(positions.map((p) => p.reserved))).toBe(50);
    for (const p of positions) expect(p.reserved).toBeLessThanOrEqual(p.onHand - p.safetyStock);

    const reservations = (await Promise.all(placed.map((o) => inventory.listReservations(o.orderId)))).flat();
    expect(sumOf(reservations.map((r) => r.quantity))).toBe(50);
    for (const p of positions) {
      const held = reservations.filter((r) => r.locationId === p.locationId);
      expect(sumOf(held.map((r) => r.quantity))).toBe(p.reserved);
    }

    const stored = await Promise.all(placed.map((o) => orders.get(o.orderId)));
    const lines = stored.flatMap((o) => o?.lines ?? []);
    expect(sumOf(lines.map((l) => l.quantities.allocated))).toBe(50);
    expect(sumOf(lines.map((l) => l.quantities.backordered))).toBe(demand - 50);
    const statuses = new Set(stored.map((o) => o?.status));
    expect(
      [...statuses].every((s) => s === 'ALLOCATED' || s === 'PARTIALLY_ALLOCATED' || s === 'BACKORDERED'),
    ).toBe(true);
    expect(statuses.has('BACKORDERED')).toBe(true);
    expect(sumOf(results.map((r) => sumOf(r.reservedNow.map((u) => u.quantity))))).toBe(50);
  });

  it('re-running allocation of the same order reserves nothing twice, even concurrently', async () => {
    const sku = 'RERUN-1';
    await stock(sku, { 'WH-A': { onHand: 10 } });
    const order = await placeOrder(sku, 3);
    const { allocate } = useCases();
    await Promise.all(
      Array.from({ length: 5 }, () => allocate({ orderId: order.orderId, correlationId: 'x' })),
    );
    const again = await allocate({ orderId: order.orderId, correlationId: 'x' });
    expect(again.changed).toBe(false);
    expect(again.reservedNow).toEqual([]);
    expect((await inventory.getPosition({ sku, locationId: 'WH-A' }))?.reserved).toBe(3);
    const reservations = await inventory.listReservations(order.orderId);
    expect(reservations.map((r) => [r.locationId, r.quantity])).toEqual([['WH-A', 3]]);
    expect((await orders.get(order.orderId))?.status).toBe('ALLOCATED');
  });

  it('an order needing more than one transaction of writes is reserved whole, and released whole', async () => {
    const skus = Array.from({ length: 60 }, (_, i) => `WIDE-${i}`);
    const { sync, allocate, release } = useCases();
    await Promise.all(skus.map((sku) => sync({ sku, locationId: 'WH-A', body: { onHand: 2, sequence: 1 } })));
    const order = await placeOrderOf(skus.map((sku) => ({ sku, quantity: 1 })));
    const result = await allocate({ orderId: order.orderId, correlationId: 'x' });
    expect(result.order.status).toBe('ALLOCATED');
    expect(sumOf(result.reservations.map((r) => r.quantity))).toBe(60);
    const reserved = await Promise.all(skus.map((sku) => inventory.getPosition({ sku, locationId: 'WH-A' })));
    expect(reserved.every((p) => p?.reserved === 1)).toBe(true);
    expect((await release({ orderId: order.orderId })).released).toHaveLength(60);
    const after = await Promise.all(skus.map((sku) => inventory.getPosition({ sku, locationId: 'WH-A' })));
    expect(after.every((p) => p?.reserved === 0)).toBe(true);
  });

  it('releasing on cancel restores ATS, once', async () => {
    const sku = 'CANCEL-1';
    await stock(sku, { 'WH-A': { onHand: 4 } });
    const order = await placeOrder(sku, 3);
    const { allocate, cancel, release } = useCases();
    await allocate({ orderId: order.orderId, correlationId: 'x' });
    expect(availableToSell((await inventory.getPosition({ sku, locationId: 'WH-A' }))!)).toBe(1);
    await cancel({
      caller,
      orderId: order.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'x',
    });
    const first = await release({ orderId: order.orderId });
    const second = await release({ orderId: order.orderId });
    expect(first.released).toEqual([{ lineId: '1', sku, locationId: 'WH-A', quantity: 3 }]);
    expect(second.released).toEqual([]);
    expect(availableToSell((await inventory.getPosition({ sku, locationId: 'WH-A' }))!)).toBe(4);
    expect((await rejection(allocate({ orderId: order.orderId, correlationId: 'x' }))).kind).toBe('conflict');
  });

  it('shipment confirmation lowers on hand and reserved, once', async () => {
    const sku = 'SHIP-1';
    await stock(sku, { 'WH-A': { onHand: 10 } });
    const order = await placeOrder(sku, 4);
    const { allocate, confirm } = useCases();
    await allocate({ orderId: order.orderId, correlationId: 'x' });
    const body = { shipmentId: 'SHP-1', locationId: 'WH-A' };
    expect((await confirm({ orderId: order.orderId, body })).applied).toBe(true);
    expect((await confirm({ orderId: order.orderId, body })).applied).toBe(false);
    expect(await inventory.getPosition({ sku, locationId: 'WH-A' })).toMatchObject({
      onHand: 6,
      reserved: 0,
    });
    const [reservation] = await inventory.listReservations(order.orderId);
    expect(reservation).toMatchObject({ quantity: 0, consumed: 4 });
  });

  it('a sync with an older sequence is rejected and changes nothing', async () => {
    const sku = 'SYNC-1';
    const { sync } = useCases();
    await sync({ sku, locationId: 'WH-A', body: { onHand: 7, sequence: 10, safetyStock: 1 } });
    for (const sequence of [10, 9]) {
      const error = await rejection(
        sync({ sku, locationId: 'WH-A', body: { onHand: 99, sequence, safetyStock: 5 } }),
      );
      expect(error.kind).toBe('conflict');
      expect(error.message).toContain('not newer than the stored sequence 10');
    }
    expect(await inventory.getPosition({ sku, locationId: 'WH-A' })).toMatchObject({
      onHand: 7,
      safetyStock: 1,
      syncSequence: 10,
    });
    const newer = await sync({ sku, locationId: 'WH-A', body: { onHand: 8, sequence: 11 } });
    expect(newer.position).toMatchObject({ onHand: 8, safetyStock: 1, syncSequence: 11 });
  });

  it('an adjustment that would go negative is rejected and nothing in the batch changes', async () => {
    const sku = 'ADJ-1';
    await stock(sku, { 'WH-A': { onHand: 5 }, 'WH-B': { onHand: 1 } });
    const { adjust } = useCases();
    const error = await rejection(
      adjust({
        body: {
          batchId: 'adj-neg',
          adjustments: [
            { sku, locationId: 'WH-A', delta: 10, reason: 'received' },
            { sku, locationId: 'WH-B', delta: -2, reason: 'damaged' },
          ],
        },
      }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain(`SKU ${sku} at WH-B`);
    expect((await inventory.getPosition({ sku, locationId: 'WH-A' }))?.onHand).toBe(5);
    expect((await inventory.getPosition({ sku, locationId: 'WH-B' }))?.onHand).toBe(1);
    expect(await inventory.getAdjustmentBatch('adj-neg')).toBeUndefined();

    const ok = await adjust({
      body: { batchId: 'adj-ok', adjustments: [{ sku, locationId: 'WH-B', delta: -1, reason: 'damaged' }] },
    });
    expect(ok.applied).toBe(true);
    expect((await adjust({ body: { batchId: 'adj-ok', adjustments: ok.batch.lines } })).applied).toBe(false);
    expect((await inventory.getPosition({ sku, locationId: 'WH-B' }))?.onHand).toBe(0);
  });

  it('holds reserve stock and expire through the sweep', async () => {
    const sku = 'HOLD-1';
    await stock(sku, { 'WH-C': { onHand: 3 } });
    const { hold, expireHolds, allocate } = useCases();
    const held = await hold({
      caller,
      body: { holdId: `cart-${randomUUID()}`, ttlSeconds: 60, lines: [{ sku, quantity: 2 }] },
    });
    expect(held.hold.lines[0]?.held).toBe(2);
    expect((await inventory.getPosition({ sku, locationId: 'WH-C' }))?.reserved).toBe(2);

    const order = await placeOrder(sku, 2);
    const blocked = await allocate({ orderId: order.orderId, correlationId: 'x' });
    expect(blocked.lines[0]).toMatchObject({ allocated: 1, backordered: 1 });

    expect((await expireHolds({ now: new Date(Date.now() + 30_000) })).expired).not.toContain(
      held.hold.holdId,
    );
    const swept = await expireHolds({ now: new Date(Date.parse(held.hold.heldUntil) + 1000) });
    expect(swept.expired).toContain(held.hold.holdId);
    expect((await inventory.getHold(held.hold.holdId))?.status).toBe('expired');
    expect((await inventory.getPosition({ sku, locationId: 'WH-C' }))?.reserved).toBe(1);

    const after = await allocate({ orderId: order.orderId, correlationId: 'x' });
    expect(after.order.status).toBe('ALLOCATED');
  });

  it('lists locations and answers network and availability questions from the table', async () => {
    const sku = 'VIEW-1';
    await stock(sku, { 'WH-A': { onHand: 6, safetyStock: 1 }, 'ST-1': { onHand: 2 } });
    const list = await makeListLocations({ locations })({ query: { type: 'warehouse' } });
    expect(list.items.map((l) => l.locationId)).toEqual(['WH-A', 'WH-B', 'WH-C']);
    const network = await makeGetInventoryNetwork({ inventory, locations })({ sku });
    expect(network.totals).toMatchObject({ onHand: 8, ats: 7, shippableAts: 5 });
    const availability = await makeGetAvailability({ inventory, locations })({
      query: { sku, postalCode: '10115', stores: '3' },
    });
    expect(availability.skus).toEqual([{ sku, ats: 5 }]);
    expect(availability.pickup?.stores).toEqual([
      expect.objectContaining({ locationId: 'ST-1', skus: [{ sku, ats: 2 }] }),
    ]);
  });
});

describe('hot-SKU inventory buckets on DynamoDB', () => {
  const bucketed = () =>
    makeDynamoInventoryStore(doc, {
      tableName: TABLE,
      buckets: { skus: { 'BKT-HOT': 8, 'BKT-LIFE': 4, 'BKT-MIGRATE': 4, 'BKT-HOLD': 3 } },
    });
  const casesWith = (store: InventoryStore) => ({
    allocate: makeAllocateOrder({ orders, inventory: store, locations, clock, ids }),
    sync: makeSyncInventory({ inventory: store, locations, clock }),
    adjust: makeAdjustInventory({ inventory: store, locations, clock, ids }),
    release: makeReleaseReservations({ inventory: store, clock }),
    confirm: makeConfirmShipmentReservations({ inventory: store, clock }),
    cancel: makeCancelOrder({ orders, clock, ids }),
    hold: makeHoldInventory({ inventory: store, locations, clock, ids }),
    expireHolds: makeExpireHolds({ inventory: store, clock }),
  });

  /** Every bucket item of a position, read directly: index → on hand, reserved, safety stock. */
  async function bucketItems(sku: string, locationId: string, n: number) {
    const out = [];
    for (let index = 0; index < n; index++) {
      const { Item } = await doc.send(
        new GetCommand({
          TableName: TABLE,
          Key: inventoryKeys.positionBucket(sku, locationId, index),
          ConsistentRead: true,
        }),
      );
      out.push({
        index,
        onHand: Number(Item?.onHand ?? 0),
        reserved: Number(Item?.reserved ?? 0),
        safetyStock: Number(Item?.safetyStock ?? 0),
      });
    }
    return out;
  }

  /** Raw reservation items of orders (with their per-bucket attribution). */
  async function rawReservations(orderIds: string[]) {
    const items = [];
    for (const orderId of orderIds) {
      const { Items } = await doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :r)',
          ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':r': 'RESERVATION#' },
          ConsistentRead: true,
        }),
      );
      items.push(...(Items ?? []));
    }
    return items;
  }

  /** Totals agree: position = Σ buckets; each bucket within its own stock; reservations explain reserved. */
  async function expectConsistent(
    store: InventoryStore,
    sku: string,
    locationId: string,
    n: number,
    orderIds: string[],
  ) {
    const buckets = await bucketItems(sku, locationId, n);
    const position = (await store.getPosition({ sku, locationId }))!;
    expect(position.onHand).toBe(sumOf(buckets.map((b) => b.onHand)));
    expect(position.reserved).toBe(sumOf(buckets.map((b) => b.reserved)));
    expect(position.safetyStock).toBe(sumOf(buckets.map((b) => b.safetyStock)));
    for (const b of buckets) expect(b.reserved).toBeLessThanOrEqual(b.onHand - b.safetyStock);
    const raw = (await rawReservations(orderIds)).filter((r) => r.sku === sku && r.locationId === locationId);
    expect(sumOf(raw.map((r) => Number(r.quantity)))).toBe(position.reserved);
    for (const b of buckets) {
      const attributed = sumOf(raw.map((r) => reservationBuckets(r).get(b.index) ?? 0));
      expect(attributed, `bucket ${b.index}`).toBe(b.reserved);
    }
    return { position, buckets };
  }

  it('100 concurrent allocations over 8 buckets reserve exactly what there is, with consistent totals', async () => {
    const store = bucketed();
    const sku = 'BKT-HOT';
    const { sync, allocate } = casesWith(store);
    await sync({ sku, locationId: 'WH-A', body: { onHand: 60, safetyStock: 4, sequence: 1 } });
    const [first] = await bucketItems(sku, 'WH-A', 8);
    expect(first).toMatchObject({ onHand: 8, safetyStock: 1 });
    const placed: Order[] = [];
    for (let batch = 0; batch < 100; batch += 50) {
      placed.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, i) => placeOrder(sku, (batch + i) % 4 === 0 ? 3 : 1)),
        )),
      );
    }
    // Separate stores per caller, as separate Lambda environments would be.
    const results = await Promise.all(
      placed.map((o) => casesWith(bucketed()).allocate({ orderId: o.orderId, correlationId: 'hot' })),
    );
    const { position } = await expectConsistent(
      store,
      sku,
      'WH-A',
      8,
      placed.map((o) => o.orderId),
    );
    expect(position).toMatchObject({ onHand: 60, safetyStock: 4, reserved: 56 });
    expect(sumOf(results.map((r) => sumOf(r.reservedNow.map((u) => u.quantity))))).toBe(56);
    const stored = await Promise.all(placed.map((o) => orders.get(o.orderId)));
    expect(sumOf(stored.flatMap((o) => o!.lines.map((l) => l.quantities.allocated)))).toBe(56);
    const network = await makeGetInventoryNetwork({ inventory: store, locations })({ sku });
    expect(network.totals).toMatchObject({ onHand: 60, ats: 0 });
    // Repeating allocation reserves nothing twice.
    const again = await allocate({ orderId: placed[0]!.orderId, correlationId: 'x' });
    expect(again.reservedNow).toEqual([]);
  });

  it('an order larger than any one bucket is reserved across buckets in one transaction', async () => {
    const store = bucketed();
    const sku = 'BKT-LIFE';
    const { sync, allocate, adjust, cancel, release, confirm } = casesWith(store);
    await sync({ sku, locationId: 'WH-B', body: { onHand: 20, sequence: 1 } });
    const big = await placeOrder(sku, 13);
    const small = await placeOrder(sku, 4);
    const ids_ = [big.orderId, small.orderId];
    expect((await allocate({ orderId: big.orderId, correlationId: 'x' })).order.status).toBe('ALLOCATED');
    expect((await allocate({ orderId: small.orderId, correlationId: 'x' })).order.status).toBe('ALLOCATED');
    let state = await expectConsistent(store, sku, 'WH-B', 4, ids_);
    expect(state.position).toMatchObject({ onHand: 20, reserved: 17 });
    expect((await rawReservations([big.orderId])).length).toBe(1);

    // Receipts spread over the buckets; a removal never goes below a bucket's reserved units.
    await adjust({
      body: { batchId: 'bkt-in', adjustments: [{ sku, locationId: 'WH-B', delta: 9, reason: 'received' }] },
    });
    await adjust({
      body: { batchId: 'bkt-out', adjustments: [{ sku, locationId: 'WH-B', delta: -11, reason: 'damaged' }] },
    });
    state = await expectConsistent(store, sku, 'WH-B', 4, ids_);
    expect(state.position).toMatchObject({ onHand: 18, reserved: 17 });
    const tooMuch = await rejection(
      adjust({
        body: {
          batchId: 'bkt-neg',
          adjustments: [{ sku, locationId: 'WH-B', delta: -2, reason: 'damaged' }],
        },
      }),
    );
    expect(tooMuch.kind).toBe('conflict');

    // An absolute count re-spreads on hand around what each bucket has reserved.
    await sync({ sku, locationId: 'WH-B', body: { onHand: 30, safetyStock: 2, sequence: 2 } });
    state = await expectConsistent(store, sku, 'WH-B', 4, ids_);
    expect(state.position).toMatchObject({ onHand: 30, reserved: 17, safetyStock: 2 });

    // Shipping part of the big order consumes from the buckets it reserved in.
    expect(
      (
        await confirm({
          orderId: big.orderId,
          body: { shipmentId: 'BKT-SHP', locationId: 'WH-B', lines: [{ lineId: '1', quantity: 5 }] },
        })
      ).applied,
    ).toBe(true);
    state = await expectConsistent(store, sku, 'WH-B', 4, ids_);
    expect(state.position).toMatchObject({ onHand: 25, reserved: 12 });

    // Cancelling the small order gives its units back to the buckets they came from.
    await cancel({
      caller,
      orderId: small.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'x',
    });
    expect((await release({ orderId: small.orderId })).released).toEqual([
      { lineId: '1', sku, locationId: 'WH-B', quantity: 4 },
    ]);
    state = await expectConsistent(store, sku, 'WH-B', 4, ids_);
    expect(state.position).toMatchObject({ onHand: 25, reserved: 8 });
  });

  it('a position with reservations becomes bucketed at its next sync, and its old reservations release', async () => {
    const sku = 'BKT-MIGRATE';
    const plain = casesWith(inventory);
    await plain.sync({ sku, locationId: 'WH-C', body: { onHand: 10, sequence: 1 } });
    const before = await placeOrder(sku, 6);
    await plain.allocate({ orderId: before.orderId, correlationId: 'x' });

    const store = bucketed();
    const hot = casesWith(store);
    await hot.sync({ sku, locationId: 'WH-C', body: { onHand: 14, sequence: 2 } });
    let state = await expectConsistent(store, sku, 'WH-C', 4, [before.orderId]);
    expect(state.buckets[0]?.reserved).toBe(6);
    // A store that has not seen the change yet is refused by the unbucketed guard, then re-reads.
    const after = await placeOrder(sku, 7);
    const allocated = await plain.allocate({ orderId: after.orderId, correlationId: 'x' });
    expect(allocated.order.status).toBe('ALLOCATED');
    state = await expectConsistent(store, sku, 'WH-C', 4, [before.orderId, after.orderId]);
    expect(state.position).toMatchObject({ onHand: 14, reserved: 13 });
    await plain.cancel({
      caller,
      orderId: before.orderId,
      body: { reason: 'customer-request' },
      correlationId: 'x',
    });
    await plain.release({ orderId: before.orderId });
    state = await expectConsistent(store, sku, 'WH-C', 4, [before.orderId, after.orderId]);
    expect(state.position.reserved).toBe(7);
  });

  it('holds on a bucketed position reserve in buckets and give the units back when they end', async () => {
    const store = bucketed();
    const sku = 'BKT-HOLD';
    const { sync, hold, expireHolds } = casesWith(store);
    await sync({ sku, locationId: 'WH-A', body: { onHand: 5, sequence: 1 } });
    const held = await hold({
      caller,
      body: { holdId: `cart-${randomUUID()}`, ttlSeconds: 60, lines: [{ sku, quantity: 4 }] },
    });
    expect(held.hold.lines[0]?.held).toBe(4);
    expect(held.hold).not.toHaveProperty('bucketAllocations');
    expect((await store.getPosition({ sku, locationId: 'WH-A' }))?.reserved).toBe(4);
    await expireHolds({ now: new Date(Date.parse(held.hold.heldUntil) + 1000) });
    const buckets = await bucketItems(sku, 'WH-A', 3);
    expect(buckets.map((b) => b.reserved)).toEqual([0, 0, 0]);
    expect(sumOf(buckets.map((b) => b.onHand))).toBe(5);
  });
});
