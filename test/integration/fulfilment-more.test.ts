import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * More fulfilment acceptance scenarios (issue 5), next to test/integration/fulfilment.test.ts:
 * a Task that fails twice then succeeds (deterministic Lambda fault injection), cancel before any
 * release, pickup in store, and a drop-ship vendor that never answers. Time runs 10,000× faster
 * (the 1-day heartbeat is ~9 s).
 */
const TIME_SCALE = 0.0001;
let stack: TestStack;
let machineArn: string;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);

beforeAll(async () => {
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/fulfilment.config.json'),
    eventFanout: { visibilityTimeoutMs: 200, pollIntervalMs: 50 },
    stepFunctions: { timeScale: TIME_SCALE },
    // The first two invocations of the steps function fail the way Lambda's own transient errors
    // do; the first test's order is the one that meets them.
    faults: {
      lambda: {
        rate: 0,
        failFirst: 2,
        functions: ['FulfilmentSteps'],
        when: 'before',
        errorType: 'Lambda.ServiceException',
      },
    },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
  // Warm the callback function: its cold start must not eat into the (scaled) heartbeat.
  await h.as('partner-east')('POST', '/fulfillments/shp_warm-up/events', {
    type: 'accepted',
    eventId: 'warm',
  });
});
afterAll(async () => {
  if (process.env.FULFIL_DEBUG) {
    for (const l of stack?.logs ?? [])
      if (/Fulfil|fulfil|Error|error/.test(l.line)) console.log(l.fn, l.line.slice(0, 600));
  }
  await stack?.close();
});

describe('order fulfilment workflow, more scenarios (local runtime)', () => {
  test('a Task that fails twice then succeeds: the retries are in the execution history', async () => {
    const orderId = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }]);
    const [shipment] = await h.shipmentRequested(orderId);
    expect((await h.ship(shipment!)).status).toBe(200);
    const { record } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');

    // What ops see: GET /ops/executions/{orderId}.
    const response = await h.as('ops')('GET', `/ops/executions/${orderId}`);
    expect(response.status).toBe(200);
    const body = JSON.stringify(response.body);
    // Two failed attempts of the first Task (Allocate), each with Lambda's transient error, then success.
    const failures = body.match(/Lambda\.ServiceException/g) ?? [];
    expect(failures.length).toBeGreaterThanOrEqual(2);
    const { events } = await h.finished(orderId);
    const failed = events.filter((e) => e.type === 'LambdaFunctionFailed' || e.type === 'TaskFailed');
    expect(failed).toHaveLength(2);
    const scheduled = events.filter(
      (e) => e.type === 'LambdaFunctionScheduled' || e.type === 'TaskScheduled',
    );
    expect(scheduled.length).toBeGreaterThanOrEqual(3);
    expect(h.statesEntered(events)).not.toContain('Compensate');
    expect((await h.order(orderId)).status).toBe('SHIPPED');
    await h.assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('cancel before release (on hold): nothing reserved stays, no partner asked, execution ends Cancelled', async () => {
    const orderId = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 }], {
      tags: ['review'],
    });
    await until('ON_HOLD', async () => ((await h.order(orderId)).status === 'ON_HOLD' ? true : undefined));
    const before = await h.inventory('TSHIRT-BLK-M');
    const cancel = await h.as('web')('POST', `/orders/${orderId}/cancel`, { reason: 'customer-request' });
    expect(cancel.status).toBe(200);
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const entered = h.statesEntered(events);
    expect(entered).toContain('Wait for hold release');
    expect(entered).toContain('Cancelled');
    // The hold check is Allocate's first act (issue 10.2): it raised OrderOnHold before reserving.
    expect(entered.filter((s) => s === 'Allocate')).toHaveLength(1);
    expect(entered).not.toContain('Release shipments');
    expect(entered).not.toContain('Compensate');
    expect((await h.order(orderId)).status).toBe('CANCELLED');
    expect(h.eventsOf(orderId, 'ShipmentRequested')).toEqual([]);
    expect(h.eventsOf(orderId, 'DropShipRequested')).toEqual([]);
    // Nothing was reserved for it, and nothing moved.
    expect((await h.inventory('TSHIRT-BLK-M')).positions).toEqual(before.positions);
    await h.assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('pickup in store: sourced from the pickup store, handed over by the store, order completed', async () => {
    const before = await h.at('TSHIRT-BLK-M', 'store-nyc-soho');
    const orderId = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }], {
      delivery: { method: 'pickup', locationId: 'store-nyc-soho', contact: { name: 'Alan Turing' } },
    });
    const [shipment] = await h.shipmentRequested(orderId);
    expect(shipment).toMatchObject({ locationId: 'store-nyc-soho', kind: 'pickup' });
    expect((await h.at('TSHIRT-BLK-M', 'store-nyc-soho'))!.reserved).toBe(before!.reserved + 1);
    expect((await h.report(shipment!, { type: 'accepted' })).status).toBe(200);
    // The customer collects it: the store reports the hand-over.
    const handedOver = await h.report(shipment!, { type: 'delivered' });
    expect(handedOver.status).toBe(200);
    expect(handedOver.body).toMatchObject({ status: 'PICKED_UP' });
    const delivered = await until('ShipmentDelivered', () => h.eventsOf(orderId, 'ShipmentDelivered')[0]);
    expect(delivered.data).toMatchObject({ handover: 'pickup', locationId: 'store-nyc-soho' });
    const { record } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect((await h.order(orderId)).status).toBe('COMPLETED');
    expect(await h.at('TSHIRT-BLK-M', 'store-nyc-soho')).toMatchObject({
      onHand: before!.onHand - 1,
      reserved: before!.reserved,
    });
    await h.assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('drop-ship vendor goes silent, is escalated (ShipmentOverdue), then ships within the grace: no reroute', async () => {
    // Runs before the reroute scenario below, which stocks DESK-OAK at dc-reno.
    const orderId = await h.placeOrder([{ sku: 'DESK-OAK', quantity: 1, unitPrice: 29900 }]);
    const purchaseOrder = await until(
      'DropShipRequested',
      () =>
        h.eventsOf(orderId, 'DropShipRequested')[0]?.data as
          | { purchaseOrderId: string; vendorId: string }
          | undefined,
    );
    expect(purchaseOrder.vendorId).toBe('vendor-acme');
    const vendorBefore = await h.at('DESK-OAK', 'vendor-acme');
    // Silent past the heartbeat (1 day, ~9 s here): the purchase order is escalated.
    const overdue = await until('ShipmentOverdue', () => h.eventsOf(orderId, 'ShipmentOverdue')[0]);
    expect(overdue.data).toMatchObject({
      shipmentId: purchaseOrder.purchaseOrderId,
      purchaseOrderId: purchaseOrder.purchaseOrderId,
      locationId: 'vendor-acme',
      kind: 'drop-ship',
      lines: [{ sku: 'DESK-OAK', quantity: 1 }],
    });
    // The vendor answers within the grace (12 h, ~4 s here): the callback answers the new wait.
    const po: Requested = { shipmentId: purchaseOrder.purchaseOrderId, locationId: 'vendor-acme', lines: [] };
    expect((await h.report(po, { type: 'accepted' })).status).toBe(200);
    const shipped = await h.ship(po);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'SHIPPED', escalatedAt: overdue.data.escalatedAt });
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const entered = h.statesEntered(events);
    expect(entered).toEqual(
      expect.arrayContaining(['Escalate overdue shipment', 'Wait after escalation', 'Shipment shipped']),
    );
    expect(entered).not.toContain('Release and mark failed');
    // Not rerouted: one purchase order, no shipment from own stock, a single allocation round.
    expect(h.eventsOf(orderId, 'DropShipRequested')).toHaveLength(1);
    expect(h.eventsOf(orderId, 'ShipmentRequested')).toEqual([]);
    expect(entered.filter((name) => name === 'Allocate')).toHaveLength(1);
    expect((await h.order(orderId)).status).toBe('SHIPPED');
    expect(await h.at('DESK-OAK', 'vendor-acme')).toMatchObject({
      onHand: vendorBefore!.onHand - 1,
      reserved: vendorBefore!.reserved - 1,
    });
    await h.assertInventoryInvariants(['DESK-OAK']);
  }, 60_000);

  test('drop-ship vendor never answers: escalated (ShipmentOverdue), then after the grace the line is rerouted to own stock', async () => {
    const orderId = await h.placeOrder([{ sku: 'DESK-OAK', quantity: 1, unitPrice: 29900 }]);
    const purchaseOrder = await until(
      'DropShipRequested',
      () =>
        h.eventsOf(orderId, 'DropShipRequested')[0]?.data as
          | { purchaseOrderId: string; vendorId: string }
          | undefined,
    );
    expect(purchaseOrder.vendorId).toBe('vendor-acme');
    const vendorBefore = await h.at('DESK-OAK', 'vendor-acme');
    // Meanwhile own stock arrives at the Reno DC.
    const put = await h.as('wms')('PUT', '/inventory/DESK-OAK/dc-reno', { onHand: 4, sequence: 1 });
    expect(put.status).toBeLessThan(300);
    // The vendor never acknowledges: after the heartbeat (1 day, ~9 s here) the purchase order is
    // escalated, and after the grace (12 h, ~4 s here) the line is re-sourced without the vendor.
    const overdue = await until('ShipmentOverdue', () => h.eventsOf(orderId, 'ShipmentOverdue')[0]);
    expect(overdue.data).toMatchObject({
      shipmentId: purchaseOrder.purchaseOrderId,
      locationId: 'vendor-acme',
      kind: 'drop-ship',
    });
    const [rerouted] = await h.shipmentRequested(orderId);
    expect(rerouted).toMatchObject({ locationId: 'dc-reno' });
    expect(rerouted!.lines.map((l) => [l.sku, l.quantity])).toEqual([['DESK-OAK', 1]]);
    // The vendor's reservation was given back.
    expect((await h.at('DESK-OAK', 'vendor-acme'))!.reserved).toBe(vendorBefore!.reserved - 1);
    // The late vendor is refused: its purchase order is closed.
    const po: Requested = { shipmentId: purchaseOrder.purchaseOrderId, locationId: 'vendor-acme', lines: [] };
    expect((await h.ship(po)).status).toBe(409);
    expect((await h.ship(rerouted!)).status).toBe(200);
    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect(h.statesEntered(events)).toEqual(
      expect.arrayContaining([
        'Escalate overdue shipment',
        'Wait after escalation',
        'Release and mark failed',
      ]),
    );
    expect(h.eventsOf(orderId, 'ShipmentOverdue')).toHaveLength(1);
    expect((await h.order(orderId)).status).toBe('SHIPPED');
    expect(await h.at('DESK-OAK', 'dc-reno')).toMatchObject({ onHand: 3, reserved: 0 });
    await h.assertInventoryInvariants(['DESK-OAK']);
  }, 60_000);
});
