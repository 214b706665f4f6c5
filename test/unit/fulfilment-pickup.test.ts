import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import type { Location } from '../../shared/domain/location.ts';
import { newOrder, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { makeFulfilmentSteps } from '../../shared/usecases/fulfilment-steps.ts';
import { makeRecordFulfillmentEvent } from '../../shared/usecases/record-fulfillment-event.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from '../support/in-memory-inventory.ts';
import { FakeWorkflowEngine, InMemoryShipmentRepository } from '../support/in-memory-shipments.ts';

const store: Location = {
  locationId: 'STORE-1',
  name: 'Store',
  type: 'store',
  geo: { lat: 0, lon: 0 },
  capabilities: ['pickup', 'ship-from-store'],
  dailyShipmentCapacity: 100,
  shipmentFixedCost: 500,
  unitHandlingCost: 100,
  status: 'active',
  transferToStores: false,
};
const STORE_PARTNER: Caller = {
  channel: 'partner-east',
  admin: false,
  scopes: ['fulfillment'],
  locationIds: ['STORE-1'],
};

function setup() {
  const inventory = new InMemoryInventoryStore();
  inventory.seed({ sku: 'SKU-1', locationId: 'STORE-1', onHand: 5 });
  const orders = new InMemoryOrderRepository();
  const shipments = new InMemoryShipmentRepository();
  const engine = new FakeWorkflowEngine();
  const clock = new ManualClock();
  const ids = sequentialIds();
  const locations = new InMemoryLocationRepository([store]);
  const steps = makeFulfilmentSteps({ orders, inventory, locations, shipments, clock, ids, engine });
  const record = makeRecordFulfillmentEvent({ shipments, orders, inventory, engine, clock, ids });
  const request = PlaceOrderRequestSchema.parse({
    customer: { customerId: 'c-1' },
    currency: 'USD',
    lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1000 }],
    delivery: { method: 'pickup', locationId: 'STORE-1', contact: { name: 'Sam' } },
  });
  const order = newOrder({ orderId: ids.orderId(), channel: 'web', request, now: clock.now().toISOString() });
  orders.add(order);
  return { inventory, orders, shipments, engine, steps, record, order };
}

describe('pickup in store: the store reports the hand-over', () => {
  it('accepts `delivered` (collected) without tracking, consumes the reservation and answers the workflow', async () => {
    const { inventory, shipments, engine, steps, record, order } = setup();
    const loop = { round: 1, resourceAttempts: 0, excludedLocationIds: [] };
    const allocation = await steps.allocate({ orderId: order.orderId, correlationId: 'c', loop });
    expect(allocation.shipments).toHaveLength(1);
    const planned = allocation.shipments[0]!;
    expect(planned).toMatchObject({ locationId: 'STORE-1', kind: 'pickup' });
    await steps.requestShipment({
      orderId: order.orderId,
      correlationId: 'c',
      round: 1,
      shipment: planned,
      taskToken: 'token-pickup',
    });
    expect(await inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' })).toMatchObject({
      onHand: 5,
      reserved: 2,
    });

    const body = { type: 'delivered', eventId: 'collected-1' };
    const result = await record({
      caller: STORE_PARTNER,
      shipmentId: planned.shipmentId,
      body,
      correlationId: 'c',
    });
    expect(result).toMatchObject({ applied: true, shipment: { status: 'DELIVERED' } });
    expect(await inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' })).toMatchObject({
      onHand: 3,
      reserved: 0,
    });
    expect(engine.signals).toEqual([
      {
        kind: 'success',
        token: 'token-pickup',
        detail: { shipmentId: planned.shipmentId, status: 'DELIVERED' },
      },
    ]);
    // A repeat changes nothing more.
    const again = await record({
      caller: STORE_PARTNER,
      shipmentId: planned.shipmentId,
      body,
      correlationId: 'c',
    });
    expect(again.applied).toBe(false);
    expect(await inventory.getPosition({ sku: 'SKU-1', locationId: 'STORE-1' })).toMatchObject({
      onHand: 3,
      reserved: 0,
    });
    expect((await shipments.get(planned.shipmentId))?.status).toBe('DELIVERED');
    const outcome = await steps.reconcile({ orderId: order.orderId, loop, results: [] });
    expect(outcome.next).toBe('complete');
  });

  it('still refuses `delivered` before shipping for a shipment to the customer', async () => {
    const { shipments, record } = setup();
    await shipments.request(
      {
        shipmentId: 'shp_carrier',
        orderId: 'ord_x',
        locationId: 'STORE-1',
        kind: 'ship',
        lines: [],
        status: 'REQUESTED',
        round: 1,
        processedEventIds: [],
        requestedAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-01T00:00:00.000Z',
        version: 1,
      },
      [],
    );
    await expect(
      record({
        caller: STORE_PARTNER,
        shipmentId: 'shp_carrier',
        body: { type: 'delivered', eventId: 'd-1' },
        correlationId: 'c',
      }),
    ).rejects.toMatchObject({ kind: 'conflict' });
  });
});
