import { expect } from 'vitest';
import type { Caller } from '../../shared/domain/caller.ts';
import type { Location } from '../../shared/domain/location.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { makeCancelFulfilment } from '../../shared/usecases/cancel-fulfilment.ts';
import { makeCancelOrder } from '../../shared/usecases/cancel-order.ts';
import { type FulfilmentLoop, makeFulfilmentSteps } from '../../shared/usecases/fulfilment-steps.ts';
import { makeRecordFulfillmentEvent } from '../../shared/usecases/record-fulfillment-event.ts';
import { makeReleaseOrderHold } from '../../shared/usecases/release-order-hold.ts';
import {
  makeReleaseReservations,
  makeReleaseUnneededReservations,
} from '../../shared/usecases/release-reservations.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from './in-memory-inventory.ts';
import { FakeWorkflowEngine, InMemoryShipmentRepository } from './in-memory-shipments.ts';

/**
 * The fulfilment use cases wired to in-memory ports, as the unit tests of the workflow steps,
 * partner callbacks and cancellations drive them (no AWS): two warehouses WH-A (partner EAST) and
 * WH-B (partner WEST), optional drop-ship vendors, stock per SKU and location.
 */
export function location(locationId: string, lon: number, overrides: Partial<Location> = {}): Location {
  return {
    locationId,
    name: locationId,
    type: 'warehouse',
    geo: { lat: 0, lon },
    capabilities: ['ship'],
    dailyShipmentCapacity: 1000,
    shipmentFixedCost: 500,
    unitHandlingCost: 100,
    status: 'active',
    transferToStores: false,
    ...overrides,
  };
}

export const EAST: Caller = {
  channel: 'partner-east',
  admin: false,
  scopes: ['fulfillment'],
  locationIds: ['WH-A'],
};
export const WEST: Caller = {
  channel: 'partner-west',
  admin: false,
  scopes: ['fulfillment'],
  locationIds: ['WH-B'],
};
export const WEB: Caller = { channel: 'web', admin: false, scopes: ['orders'] };
export const INITIAL: FulfilmentLoop = { round: 1, resourceAttempts: 0, excludedLocationIds: [] };

export function fulfilmentUnit(
  stock: Record<string, Record<string, number>>,
  options: { maxResourceAttempts?: number; vendors?: string[] } = {},
) {
  const inventory = new InMemoryInventoryStore();
  for (const [sku, byLocation] of Object.entries(stock)) {
    for (const [locationId, onHand] of Object.entries(byLocation))
      inventory.seed({ sku, locationId, onHand });
  }
  const locations = new InMemoryLocationRepository([
    location('WH-A', 0.5),
    location('WH-B', 3),
    ...(options.vendors ?? []).map((v) => location(v, 1, { type: 'vendor' })),
  ]);
  const orders = new InMemoryOrderRepository();
  const shipments = new InMemoryShipmentRepository(orders);
  const engine = new FakeWorkflowEngine();
  const clock = new ManualClock();
  const ids = sequentialIds();
  const steps = makeFulfilmentSteps({
    orders,
    inventory,
    locations,
    shipments,
    clock,
    ids,
    policy: { maxResourceAttempts: options.maxResourceAttempts ?? 2 },
    engine,
  });
  const releaseHold = makeReleaseOrderHold({ orders, shipments, engine, clock, ids });
  const record = makeRecordFulfillmentEvent({ shipments, orders, inventory, engine, clock, ids });
  const cancelOrder = makeCancelOrder({
    orders,
    clock,
    ids,
    releaseReservations: makeReleaseReservations({ inventory, clock }),
    // Per-line cancellation's ports (a whole-order cancel does not use them).
    shipments,
    releaseUnneeded: makeReleaseUnneededReservations({ inventory, clock, shipments }),
    engine,
  });
  const cancelFulfilment = makeCancelFulfilment({ shipments, engine, clock, ids });

  function placeOrder(lines: { sku: string; quantity: number }[], tags: string[] = []): Order {
    const request = PlaceOrderRequestSchema.parse({
      customer: { customerId: 'c-1' },
      currency: 'USD',
      lines: lines.map((l) => ({ ...l, unitPrice: 1000 })),
      delivery: {
        method: 'ship',
        address: {
          name: 'Sam',
          line1: '1 Main St',
          city: 'X',
          postalCode: '12345',
          country: 'US',
          geo: { lat: 0, lon: 0 },
        },
      },
      tags,
    });
    const order = newOrder({
      orderId: ids.orderId(),
      channel: 'web',
      request,
      now: clock.now().toISOString(),
    });
    orders.add(order);
    return order;
  }

  /** One round as the state machine runs it: allocate, then request every planned shipment. */
  async function round(orderId: string, loop: FulfilmentLoop) {
    const allocation = await steps.allocate({ orderId, correlationId: 'c', loop });
    for (const shipment of allocation.shipments) {
      await steps.requestShipment({
        orderId,
        correlationId: 'c',
        round: loop.round,
        shipment,
        roundShipments: allocation.shipments,
        taskToken: `token-${shipment.shipmentId}`,
      });
    }
    return allocation;
  }

  const report = (caller: Caller, shipmentId: string, body: Record<string, unknown>) =>
    record({ caller, shipmentId, body, correlationId: 'c' });
  const ship = (caller: Caller, shipmentId: string, eventId = `ev-${shipmentId}-shipped`) =>
    report(caller, shipmentId, {
      type: 'shipped',
      eventId,
      tracking: { carrier: 'ups', trackingNumber: '1Z999' },
    });

  /** on hand ≥ reserved, and reserved = the sum of the active reservations at each position. */
  function assertInventoryInvariants() {
    for (const position of inventory.positions.values()) {
      const reserved = [...inventory.reservations.values()]
        .filter((r) => r.sku === position.sku && r.locationId === position.locationId)
        .reduce((sum, r) => sum + r.quantity, 0);
      expect(position.reserved, `${position.sku}@${position.locationId}`).toBe(reserved);
      expect(position.onHand).toBeGreaterThanOrEqual(position.reserved);
    }
  }

  const allEvents = () => [...orders.events, ...shipments.events];
  const eventTypes = () => allEvents().map((e) => e.type);

  return {
    inventory,
    locations,
    orders,
    shipments,
    engine,
    clock,
    ids,
    steps,
    placeOrder,
    round,
    report,
    ship,
    cancelOrder,
    cancelFulfilment,
    releaseHold,
    assertInventoryInvariants,
    allEvents,
    eventTypes,
  };
}
