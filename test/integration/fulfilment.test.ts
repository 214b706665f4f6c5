import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * The fulfilment workflow end to end: OrderCreated (outbox → bus → rule → queue → starter) starts the
 * execution named by the order id; partners answer through POST /fulfillments/{id}/events with their
 * own keys. Time runs 10,000× faster: the 1-day heartbeat is ~9 s, the 2-day shipment timeout ~17 s;
 * test/fixtures/fulfilment.config.json sets a 60 s backorder deadline (6 ms here) and the east WMS partner.
 */
const TIME_SCALE = 0.0001;
let stack: TestStack;
let machineArn: string;
/** The east WMS partner's webhook endpoint: ShipmentRequested, DropShipRequested, OrderCancelled, ShipmentCancelled. */
let eastWms: WebhookReceiver;
const EAST_SECRET = `whsec_${Buffer.from('local-secret-east-wms').toString('base64')}`;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);
const {
  as,
  published,
  eventsOf,
  shipmentRequested,
  placeOrder,
  report,
  ship,
  finished,
  statesEntered,
  order,
  inventory,
  assertInventoryInvariants,
} = h;
const at = async (sku: string, locationId: string) => (await h.at(sku, locationId))!;

beforeAll(async () => {
  eastWms = await startWebhookReceiver({ secret: EAST_SECRET });
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/fulfilment.config.json'),
    eventFanout: {
      partners: { 'east-wms': { url: eastWms.url, secret: EAST_SECRET } },
      visibilityTimeoutMs: 200,
      pollIntervalMs: 50,
    },
    stepFunctions: { timeScale: TIME_SCALE },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
  // Warm the callback function: its cold start must not eat into the (scaled) heartbeat.
  await as('partner-east')('POST', '/fulfillments/shp_warm-up/events', { type: 'accepted', eventId: 'warm' });
});
afterAll(async () => {
  if (process.env.FULFIL_DEBUG) {
    for (const l of stack?.logs ?? [])
      if (/Fulfil|fulfil|Error|error/.test(l.line)) console.log(l.fn, l.line.slice(0, 600));
  }
  await stack?.close();
  await eastWms?.close();
});

/** Webhooks the east WMS received about an order, by event type. */
const webhooks = (orderId: string, type: string) =>
  eastWms.received
    .map((w) => w.body as { type?: string; orderId?: string; data?: Record<string, unknown> })
    .filter((b) => b.orderId === orderId && b.type === type);

describe('order fulfilment workflow (local runtime)', () => {
  test('happy path: one shipment released, shipped by its partner, order completed', async () => {
    const before = await inventory('TSHIRT-BLK-M');
    const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999 }]);
    const [shipment] = await shipmentRequested(orderId);
    const reservedThere = await at('TSHIRT-BLK-M', shipment!.locationId);
    expect(reservedThere.reserved).toBe(
      before.positions.find((p) => p.locationId === shipment!.locationId)!.reserved + 2,
    );
    expect((await order(orderId)).status).toBe('RELEASED');

    const accepted = await report(shipment!, { type: 'accepted' });
    expect(accepted.status).toBe(200);
    const shipped = await ship(shipment!);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'SHIPPED', tracking: { carrier: 'ups' } });
    expect(JSON.stringify(shipped.body)).not.toMatch(/taskToken/i);

    const { record, events } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    // Allocate (with the hold check folded in) → Release shipments → Request shipment and wait →
    // Shipment shipped → Reconcile → What next? → Fulfilled (issue 10.2: no Check hold / On hold? /
    // Complete order states on the happy path).
    expect(statesEntered(events)).toEqual([
      'Allocate',
      'Anything to release?',
      'Release shipments',
      'Request shipment and wait',
      'Shipment shipped',
      'Reconcile',
      'What next?',
      'Fulfilled',
    ]);
    // The run ends once everything shipped; the order completes when the delivery is reported.
    expect((await order(orderId)).status).toBe('SHIPPED');
    expect((await report(shipment!, { type: 'delivered' })).status).toBe(200);
    const done = await order(orderId);
    expect(done.status).toBe('COMPLETED');
    expect(done.history.map((h) => h.to)).toEqual([
      'CREATED',
      'ALLOCATED',
      'RELEASED',
      'SHIPPED',
      'DELIVERED',
      'COMPLETED',
    ]);
    const after = await at('TSHIRT-BLK-M', shipment!.locationId);
    const was = before.positions.find((p) => p.locationId === shipment!.locationId)!;
    expect(after).toMatchObject({ onHand: was.onHand - 2, reserved: was.reserved });
    await until('ShipmentShipped, OrderShipped, OrderDelivered and OrderCompleted on the bus', () =>
      ['ShipmentShipped', 'OrderShipped', 'OrderDelivered', 'OrderCompleted'].every(
        (type) => eventsOf(orderId, type).length === 1,
      )
        ? true
        : undefined,
    );
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('split across two locations: each partner ships its own shipment', async () => {
    // MUG-WHT is only at dc-newark, HOODIE-GRY-L x3 only at dc-reno.
    const orderId = await placeOrder([
      { sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 },
      { sku: 'HOODIE-GRY-L', quantity: 3, unitPrice: 4999 },
    ]);
    const shipments = await shipmentRequested(orderId, 2);
    expect(shipments.map((s) => s.locationId).sort()).toEqual(['dc-newark', 'dc-reno']);
    const reno = shipments.find((s) => s.locationId === 'dc-reno')!;
    // A partner acts only on its own locations' shipments.
    const wrongPartner = await report(reno, { type: 'accepted' }, 'partner-east');
    expect(wrongPartner.status).toBe(404);
    const notAPartner = await report(reno, { type: 'accepted' }, 'web');
    expect(notAPartner.status).toBe(403);
    for (const s of shipments) expect((await ship(s)).status).toBe(200);
    const { record } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect((await order(orderId)).status).toBe('SHIPPED');
    await assertInventoryInvariants(['MUG-WHT', 'HOODIE-GRY-L']);
  });

  test('a location rejects: its reservation is released and the line is re-sourced elsewhere', async () => {
    const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }]);
    const [first] = await shipmentRequested(orderId);
    const reservedBefore = (await at('TSHIRT-BLK-M', first!.locationId)).reserved;
    const rejected = await report(first!, { type: 'rejected', reason: 'damaged-stock' });
    expect(rejected.status).toBe(200);
    const [, second] = await shipmentRequested(orderId, 2);
    expect(second!.locationId).not.toBe(first!.locationId);
    expect((await at('TSHIRT-BLK-M', first!.locationId)).reserved).toBe(reservedBefore - 1);
    expect((await ship(second!)).status).toBe(200);
    const { record, events } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect(statesEntered(events)).toContain('Release and mark failed');
    expect((await order(orderId)).status).toBe('SHIPPED');
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('a location does not answer in time: escalated (ShipmentOverdue), then timed out and re-sourced', async () => {
    const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }]);
    const [first] = await shipmentRequested(orderId);
    // Silent past the heartbeat (1 day, ~9 s here): escalated once, with a 12-hour grace (~4 s here).
    const overdue = await until('ShipmentOverdue on the bus', () => eventsOf(orderId, 'ShipmentOverdue')[0]);
    expect(overdue.data).toMatchObject({
      shipmentId: first!.shipmentId,
      locationId: first!.locationId,
      kind: 'ship',
      lines: [{ sku: 'TSHIRT-BLK-M', quantity: 1 }],
    });
    expect(
      Date.parse(overdue.data.nextDeadline as string) - Date.parse(overdue.data.escalatedAt as string),
    ).toBe(43_200_000);
    // No answer within the grace either: re-sourced elsewhere.
    const [, second] = await shipmentRequested(orderId, 2);
    expect(second!.locationId).not.toBe(first!.locationId);
    // The late partner is refused: its shipment is closed.
    expect((await ship(first!)).status).toBe(409);
    expect((await ship(second!)).status).toBe(200);
    const { record, events } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const entered = statesEntered(events);
    const escalated = entered.indexOf('Escalate overdue shipment');
    expect(escalated).toBeGreaterThan(entered.indexOf('Request shipment and wait'));
    expect(entered.indexOf('Wait after escalation')).toBeGreaterThan(escalated);
    expect(entered.indexOf('Release and mark failed')).toBeGreaterThan(
      entered.indexOf('Wait after escalation'),
    );
    expect(eventsOf(orderId, 'ShipmentOverdue')).toHaveLength(1);
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  }, 60_000);

  test('partial backorder: the stocked line ships, the deadline cancels and refunds the backordered one', async () => {
    // Nobody stocks POSTER-XL.
    const orderId = await placeOrder([
      { sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 },
      { sku: 'POSTER-XL', quantity: 2, unitPrice: 1500 },
    ]);
    const [shipment] = await shipmentRequested(orderId);
    expect(shipment!.lines.map((l) => l.sku)).toEqual(['TSHIRT-BLK-M']);
    expect((await ship(shipment!)).status).toBe(200);
    const { record, events } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect(statesEntered(events)).toEqual(
      expect.arrayContaining(['Wait for stock', 'Cancel backordered lines', 'Fulfilled']),
    );
    const done = await order(orderId);
    expect(done.status).toBe('SHIPPED');
    expect(done.history.map((h) => h.to).slice(-2)).toEqual(['PARTIALLY_SHIPPED', 'SHIPPED']);
    expect(done.lines.map((l) => [l.status, l.quantities.shipped, l.quantities.cancelled])).toEqual([
      ['SHIPPED', 1, 0],
      ['CANCELLED', 0, 2],
    ]);
    const refund = await until('RefundRequested on the bus', () => eventsOf(orderId, 'RefundRequested')[0]);
    expect(refund.data).toMatchObject({ amount: 3000, currency: 'USD', reason: 'partial-cancellation' });
    expect(eventsOf(orderId, 'OrderLinesCancelled')[0]?.data).toMatchObject({
      reason: 'backorder-deadline-passed',
    });
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('drop-ship: the vendor gets a purchase order, acknowledges and ships it', async () => {
    // DESK-OAK is stocked only by the drop-ship vendor vendor-acme (partner-west).
    const before = await at('DESK-OAK', 'vendor-acme');
    const orderId = await placeOrder([{ sku: 'DESK-OAK', quantity: 1, unitPrice: 29900 }]);
    const purchaseOrder = await until('DropShipRequested', () => {
      const data = eventsOf(orderId, 'DropShipRequested')[0]?.data as
        | { purchaseOrderId: string; vendorId: string }
        | undefined;
      return data;
    });
    expect(purchaseOrder.vendorId).toBe('vendor-acme');
    const po: Requested = {
      shipmentId: purchaseOrder.purchaseOrderId,
      locationId: purchaseOrder.vendorId,
      lines: [],
    };
    expect((await report(po, { type: 'accepted' })).status).toBe(200);
    expect((await ship(po)).status).toBe(200);
    const { record } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect((await order(orderId)).status).toBe('SHIPPED');
    const shipped = await until('ShipmentShipped', () => eventsOf(orderId, 'ShipmentShipped')[0]);
    expect(shipped.data).toMatchObject({ purchaseOrderId: po.shipmentId, locationId: 'vendor-acme' });
    expect(await at('DESK-OAK', 'vendor-acme')).toMatchObject({
      onHand: before.onHand - 1,
      reserved: before.reserved,
    });
    await assertInventoryInvariants(['DESK-OAK']);
  });

  test('an order tagged for review waits ON_HOLD until ops release it, then ships', async () => {
    const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }], {
      tags: ['review'],
    });
    await until('ON_HOLD', async () => ((await order(orderId)).status === 'ON_HOLD' ? true : undefined));
    expect(eventsOf(orderId, 'ShipmentRequested')).toEqual([]);
    const notOps = await as('web')('POST', `/orders/${orderId}/release-hold`, {});
    expect(notOps.status).toBe(403);
    const released = await as('ops')('POST', `/orders/${orderId}/release-hold`, { note: 'verified' });
    expect(released.status).toBe(200);
    const [shipment] = await shipmentRequested(orderId);
    expect((await ship(shipment!)).status).toBe(200);
    const { record, events } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect(statesEntered(events)).toContain('Wait for hold release');
    expect((await order(orderId)).history.map((h) => h.to)).toEqual([
      'CREATED',
      'ON_HOLD',
      'CREATED',
      'ALLOCATED',
      'RELEASED',
      'SHIPPED',
    ]);
  });

  test('a duplicate OrderCreated does not start a second execution', async () => {
    const orderId = await placeOrder([{ sku: 'SNEAKER-WHT-42', quantity: 1, unitPrice: 8999 }]);
    const [shipment] = await shipmentRequested(orderId);
    const created = published().find((e) => {
      const detail = e.detail as { orderId?: string; type?: string };
      return detail.orderId === orderId && detail.type === 'OrderCreated';
    })!;
    const bus = stack.runtime.fanout!.buses.find((b) => b.archives.length > 0)!;
    bus.putEvents([
      { Source: created.source, DetailType: created['detail-type'], Detail: JSON.stringify(created.detail) },
    ]);
    await until('the starter to see the duplicate', () => {
      const starts = stack.logs.filter(
        (l) => l.line.includes('fulfilment start') && l.line.includes(orderId),
      );
      return starts.length >= 2 ? starts : undefined;
    });
    const executions = (await stack.runtime.stepFunctions.listExecutions({ stateMachineArn: machineArn }))
      .executions;
    expect(executions.filter((e) => e.name === orderId)).toHaveLength(1);
    expect((await ship(shipment!)).status).toBe(200);
    expect((await finished(orderId)).record.status).toBe('SUCCEEDED');
  });

  test('cancel after release: reservations released, partner notified, the execution ends Cancelled', async () => {
    const orderId = await placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 3, unitPrice: 1999 }]);
    const [shipment] = await shipmentRequested(orderId);
    const held = await at('TSHIRT-BLK-M', shipment!.locationId);
    const cancel = await as('web')('POST', `/orders/${orderId}/cancel`, { reason: 'customer-request' });
    expect(cancel.status).toBe(200);
    const { record, events } = await finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    expect(statesEntered(events)).toContain('Cancelled');
    expect(statesEntered(events)).not.toContain('Compensate');
    expect((await order(orderId)).status).toBe('CANCELLED');
    expect((await at('TSHIRT-BLK-M', shipment!.locationId)).reserved).toBe(held.reserved - 3);
    // The partner got the request and then the cancellation, signed, through its webhook.
    await until('ShipmentRequested and OrderCancelled at the partner webhook', () =>
      webhooks(orderId, 'ShipmentRequested').length && webhooks(orderId, 'OrderCancelled').length
        ? true
        : undefined,
    );
    expect(webhooks(orderId, 'ShipmentRequested')[0]?.data).toMatchObject({
      shipmentId: shipment!.shipmentId,
      locationId: shipment!.locationId,
    });
    // ShipmentCancelled names the location, so a partner subscribed by location gets it too.
    const stop = await until(
      'ShipmentCancelled at the partner webhook',
      () => webhooks(orderId, 'ShipmentCancelled')[0],
    );
    expect(stop.data).toMatchObject({
      shipmentId: shipment!.shipmentId,
      locationId: shipment!.locationId,
      reason: 'order-cancelled',
    });
    // The location's late report is refused: the shipment is closed.
    expect((await ship(shipment!)).status).toBe(409);
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  });
});
