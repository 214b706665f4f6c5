import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoInventoryStore } from '../../shared/adapters/aws/dynamo-inventory-store.ts';
import { makeDynamoLocationRepository } from '../../shared/adapters/aws/dynamo-location-repository.ts';
import {
  documentClient,
  makeDynamoOrderRepository,
} from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { inventoryKeys } from '../../shared/adapters/aws/inventory-keys.ts';
import type { Caller } from '../../shared/domain/caller.ts';
import type { Order } from '../../shared/domain/order.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import { ulidIdGenerator } from '../../shared/ports/id-generator.ts';
import type { InventoryStore } from '../../shared/ports/inventory-store.ts';
import type { LocationRepository } from '../../shared/ports/location-repository.ts';
import type { OrderRepository } from '../../shared/ports/order-repository.ts';
import { makeAllocateOrder } from '../../shared/usecases/allocate-order.ts';
import { makeConfirmShipmentReservations } from '../../shared/usecases/confirm-shipment-reservations.ts';
import { makeGetLocation } from '../../shared/usecases/get-location.ts';
import { makePlaceOrder } from '../../shared/usecases/place-order.ts';
import { makePutLocation } from '../../shared/usecases/put-location.ts';
import { makeReleaseReservations } from '../../shared/usecases/release-reservations.ts';
import { makeSyncInventory } from '../../shared/usecases/sync-inventory.ts';
import { createTestTable, dropTestTable } from '../support/dynamo-table.ts';
import { shipToGermanyBody } from '../support/fixtures.ts';

const TABLE = `qm-cap-${randomUUID()}`;
const caller: Caller = { channel: 'web', admin: false, scopes: ['orders'] };
const ids = ulidIdGenerator();
/**
 * Noon on a fixed day, a millisecond further at every read (history entries are keyed by time), so
 * the local day cannot turn during the test.
 */
let instant = Date.parse('2025-06-01T12:00:00.000Z');
const clock: Clock = { now: () => new Date(instant++) };
const DAY_NY = '2025-06-01';

let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let orders: OrderRepository;
let inventory: InventoryStore;
let locations: LocationRepository;

const place = (locationId: string, body: Record<string, unknown>) =>
  makePutLocation({ locations })({
    locationId,
    body: {
      name: locationId,
      geo: { lat: 50, lon: 10 },
      shipmentFixedCost: 300,
      unitHandlingCost: 50,
      status: 'active',
      ...body,
    },
  });

beforeAll(async () => {
  client = await createTestTable(TABLE, { orderIndexes: true });
  doc = documentClient(client);
  orders = makeDynamoOrderRepository(doc, { tableName: TABLE });
  inventory = makeDynamoInventoryStore(doc, { tableName: TABLE });
  locations = makeDynamoLocationRepository(doc, { tableName: TABLE });
  // The store is next to the customers, so every order would pick it without its capacity.
  await place('STORE-U', {
    type: 'store',
    geo: { lat: 50, lon: 10.49 },
    capabilities: ['ship-from-store'],
    dailyShipmentCapacity: 10,
    timeZone: 'America/New_York',
  });
  await place('STORE-S', {
    type: 'store',
    geo: { lat: 50, lon: 10.49 },
    capabilities: ['ship-from-store'],
    dailyShipmentCapacity: 2,
    capacityMeasure: 'shipments',
  });
  await place('WH', { type: 'warehouse', capabilities: ['ship'], dailyShipmentCapacity: 100_000 });
});

afterAll(async () => {
  await dropTestTable(client, TABLE);
});

async function placeOrder(sku: string, quantity: number): Promise<Order> {
  const { order } = await makePlaceOrder({ orders, clock, ids })({
    caller,
    idempotencyKey: randomUUID(),
    correlationId: 'test',
    body: shipToGermanyBody([{ sku, quantity }]),
  });
  return order;
}

async function stock(sku: string, counts: Record<string, number>) {
  const sync = makeSyncInventory({ inventory, locations, clock });
  for (const [locationId, onHand] of Object.entries(counts)) {
    await sync({ sku, locationId, body: { onHand, sequence: 1 } });
  }
}

const sumOf = (values: number[]) => values.reduce((a, b) => a + b, 0);
const allocate = (input: { orderId: string; correlationId: string }) =>
  makeAllocateOrder({ orders, inventory, locations, clock, ids })(input);
const getLocation = () => makeGetLocation({ locations, inventory, clock });

async function unitsAt(placed: readonly Order[], locationId: string) {
  const reservations = (await Promise.all(placed.map((o) => inventory.listReservations(o.orderId)))).flat();
  return sumOf(reservations.filter((r) => r.locationId === locationId).map((r) => r.quantity + r.consumed));
}

describe('location capacity on DynamoDB', () => {
  it('50 concurrent allocations give a store with capacity 10 exactly 10 units; the rest ship from the warehouse', async () => {
    const sku = 'CAP-U';
    await stock(sku, { 'STORE-U': 500, WH: 500 });
    const placed = await Promise.all(Array.from({ length: 50 }, () => placeOrder(sku, 1)));

    const results = await Promise.all(
      placed.map((o) => allocate({ orderId: o.orderId, correlationId: 'load' })),
    );

    expect(results.map((r) => r.order.status)).toEqual(placed.map(() => 'ALLOCATED'));
    expect(await unitsAt(placed, 'STORE-U')).toBe(10);
    expect(await unitsAt(placed, 'WH')).toBe(40);
    expect((await inventory.getPosition({ sku, locationId: 'STORE-U' }))?.reserved).toBe(10);
    const day = DAY_NY;
    const counter = await doc.send(
      new GetCommand({
        TableName: TABLE,
        Key: inventoryKeys.capacityDay('STORE-U', day),
        ConsistentRead: true,
      }),
    );
    expect(counter.Item).toMatchObject({ units: 10, shipments: 10 });
    const charges = (await Promise.all(placed.map((o) => inventory.listCapacityCharges(o.orderId)))).flat();
    expect(sumOf(charges.filter((c) => c.locationId === 'STORE-U').map((c) => c.units))).toBe(10);
    expect((await getLocation()({ locationId: 'STORE-U' })).capacity).toEqual({
      day,
      timeZone: 'America/New_York',
      measure: 'units',
      limit: 10,
      used: { units: 10, shipments: 10 },
      remaining: 0,
    });

    // Releasing three of the store's orders gives their capacity back, once.
    const release = makeReleaseReservations({ inventory, clock });
    const atStore = charges.filter((c) => c.locationId === 'STORE-U').slice(0, 3);
    for (const charge of atStore) await release({ orderId: charge.orderId });
    for (const charge of atStore) await release({ orderId: charge.orderId });
    expect((await getLocation()({ locationId: 'STORE-U' })).capacity).toMatchObject({
      used: { units: 7, shipments: 7 },
      remaining: 3,
    });
    const next = await Promise.all(Array.from({ length: 5 }, () => placeOrder(sku, 1)));
    await Promise.all(next.map((o) => allocate({ orderId: o.orderId, correlationId: 'again' })));
    expect(await unitsAt(next, 'STORE-U')).toBe(3);
    expect((await getLocation()({ locationId: 'STORE-U' })).capacity.remaining).toBe(0);
  }, 120_000);

  it('a shipment-counted store takes as many orders as its capacity, whatever their units', async () => {
    const sku = 'CAP-S';
    await stock(sku, { 'STORE-S': 100, WH: 100 });
    const placed = await Promise.all(Array.from({ length: 6 }, () => placeOrder(sku, 3)));
    await Promise.all(placed.map((o) => allocate({ orderId: o.orderId, correlationId: 'load' })));
    expect(await unitsAt(placed, 'STORE-S')).toBe(6);
    expect(await unitsAt(placed, 'WH')).toBe(12);
    expect((await getLocation()({ locationId: 'STORE-S' })).capacity).toMatchObject({
      measure: 'shipments',
      used: { units: 6, shipments: 2 },
      remaining: 0,
    });
  }, 120_000);

  it('shipped units keep their capacity; the release of the rest gives back only the rest', async () => {
    const sku = 'CAP-SHIP';
    await place('STORE-X', {
      type: 'store',
      geo: { lat: 50, lon: 10.49 },
      capabilities: ['ship-from-store'],
      dailyShipmentCapacity: 5,
    });
    await stock(sku, { 'STORE-X': 100 });
    const order = await placeOrder(sku, 4);
    await allocate({ orderId: order.orderId, correlationId: 'x' });
    await makeConfirmShipmentReservations({ inventory, clock })({
      orderId: order.orderId,
      body: { shipmentId: 'shp-1', locationId: 'STORE-X', lines: [{ lineId: '1', quantity: 1 }] },
    });
    await makeReleaseReservations({ inventory, clock })({ orderId: order.orderId });
    expect((await getLocation()({ locationId: 'STORE-X' })).capacity).toMatchObject({
      used: { units: 1, shipments: 1 },
      remaining: 4,
    });
    expect(await inventory.listCapacityCharges(order.orderId)).toMatchObject([
      { locationId: 'STORE-X', units: 1, shipments: 1 },
    ]);
  });
});
