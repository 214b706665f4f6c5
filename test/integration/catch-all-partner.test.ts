import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../examples/partner-webhook-receiver/receiver.ts';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { DETAIL_TYPES } from '../../shared/events/catalog.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Issue 13.1: every event the flows publish reaches a catch-all partner (`eventPattern: {}`), and a
 * partner subscribed to InventoryChanged only gets each of those: real flows (inventory sync, an
 * order shipped and delivered, a drop-ship order, a held order released, a cancellation) on the
 * local runtime, signed webhooks to real local listeners, and nothing in any partner's DLQ.
 * test/fixtures/catch-all.config.json is the fulfilment fixture plus those two partners.
 */
const secretOf = (id: string) => `whsec_${Buffer.from(`local-secret-${id}`).toString('base64')}`;
let stack: TestStack;
let machineArn: string;
let everything: WebhookReceiver;
let stockFeed: WebhookReceiver;
/** The fixture's WMS partner, so its deliveries land somewhere too. */
let eastWms: WebhookReceiver;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);

/** This suite waits on real cold starts on a shared machine: generous waits, never timed assertions. */
const WAIT_MS = 120_000;
const shipmentRequested = (orderId: string) =>
  until(
    `ShipmentRequested for ${orderId}`,
    () => h.eventsOf(orderId, 'ShipmentRequested')[0]?.data as unknown as Requested | undefined,
    WAIT_MS,
  );

type Envelope = { eventId: string; type: string; orderId?: string; data: Record<string, unknown> };
const bodies = (r: WebhookReceiver) => r.received.map((w) => w.body as Envelope);

beforeAll(async () => {
  everything = await startWebhookReceiver({ secret: secretOf('everything') });
  stockFeed = await startWebhookReceiver({ secret: secretOf('stock-feed') });
  eastWms = await startWebhookReceiver({ secret: secretOf('east-wms') });
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/catch-all.config.json'),
    eventFanout: {
      partners: {
        everything: { url: everything.url, secret: secretOf('everything') },
        'stock-feed': { url: stockFeed.url, secret: secretOf('stock-feed') },
        'east-wms': { url: eastWms.url, secret: secretOf('east-wms') },
      },
      visibilityTimeoutMs: 200,
      pollIntervalMs: 50,
    },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
}, 300_000);
afterAll(async () => {
  if (process.env.FULFIL_DEBUG) {
    for (const l of stack?.logs ?? [])
      if (/Error|error|WARN/.test(l.line)) console.log(l.fn, l.line.slice(0, 600));
  }
  await stack?.close();
  await everything?.close();
  await stockFeed?.close();
  await eastWms?.close();
});

describe('a catch-all partner (eventPattern {})', () => {
  test('receives every event the flows publish, each once, InventoryChanged included; the stock feed gets every InventoryChanged', async () => {
    // An order shipped and delivered by its warehouse.
    const shippedOrder = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }]);
    const shipment = await shipmentRequested(shippedOrder);
    expect((await h.report(shipment, { type: 'accepted' })).status).toBe(200);
    expect((await h.ship(shipment)).status).toBe(200);
    expect((await h.report(shipment, { type: 'delivered' })).status).toBe(200);
    expect((await h.finished(shippedOrder)).record.status).toBe('SUCCEEDED');

    // A drop-ship order the vendor acknowledges and ships.
    const dropShipOrder = await h.placeOrder([{ sku: 'DESK-OAK', quantity: 1, unitPrice: 29900 }]);
    const po = await until(
      'DropShipRequested',
      () =>
        h.eventsOf(dropShipOrder, 'DropShipRequested')[0]?.data as { purchaseOrderId: string } | undefined,
    );
    const vendor: Requested = { shipmentId: po.purchaseOrderId, locationId: 'vendor-acme', lines: [] };
    expect((await h.report(vendor, { type: 'accepted' })).status).toBe(200);
    expect((await h.ship(vendor)).status).toBe(200);
    expect((await h.finished(dropShipOrder)).record.status).toBe('SUCCEEDED');

    // An order held for review, released by ops, then cancelled by the customer.
    const heldOrder = await h.placeOrder([{ sku: 'MUG-WHT', quantity: 1, unitPrice: 1250 }], {
      tags: ['review'],
    });
    await until('OrderOnHold', () => h.eventsOf(heldOrder, 'OrderOnHold')[0], WAIT_MS);
    expect((await h.as('ops')('POST', `/orders/${heldOrder}/release-hold`, {})).status).toBe(200);
    await shipmentRequested(heldOrder);
    const cancelled = await h.as('web')('POST', `/orders/${heldOrder}/cancel`, {
      reason: 'customer-request',
    });
    expect(cancelled.status).toBeLessThan(300);
    await h.finished(heldOrder);

    // Stock adjusted by the WMS.
    expect(
      (await h.as('wms')('PUT', '/inventory/MUG-WHT/dc-newark', { onHand: 77, sequence: 99 })).status,
    ).toBe(200);

    const fanout = stack.runtime.fanout!;
    const published = () => h.published().map((e) => e.detail as Envelope);
    // The position change is published from the table stream, a moment after the PUT answered.
    await until(
      'the InventoryChanged of the PUT on the bus',
      () =>
        published().find(
          (e) => e.type === 'InventoryChanged' && e.data.locationId === 'dc-newark' && e.data.onHand === 77,
        ),
      WAIT_MS,
    );
    // Everything published so far has reached the catch-all partner.
    await until(
      'every published event at the catch-all partner',
      async () => {
        await fanout.buses[0]!.settled();
        const got = new Set(bodies(everything).map((b) => b.eventId));
        return published().every((e) => got.has(e.eventId)) ? true : undefined;
      },
      WAIT_MS,
    );
    const publishedTypes = new Set(published().map((e) => e.type));
    const receivedTypes = new Set(bodies(everything).map((b) => b.type));
    expect([...receivedTypes].sort()).toEqual([...publishedTypes].sort());
    // The flows above emit at least these (all catalog types, so a new one is listed here too).
    expect([...receivedTypes].sort()).toEqual(
      expect.arrayContaining([
        'InventoryChanged',
        'OrderCreated',
        'OrderAllocated',
        'OrderReleased',
        'ShipmentRequested',
        'ShipmentAccepted',
        'ShipmentShipped',
        'ShipmentDelivered',
        'OrderCompleted',
        'DropShipRequested',
        'DropShipAcknowledged',
        'OrderOnHold',
        'OrderReleasedFromHold',
        'OrderCancelled',
      ]),
    );
    for (const type of receivedTypes) expect(DETAIL_TYPES).toContain(type);
    // Each event once (the receiver de-duplicates on webhook-id; its received list is unique).
    const ids = bodies(everything).map((b) => b.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    // Events without an order (InventoryChanged) carry no orderId or channel, not null.
    const stock = bodies(everything).find((b) => b.type === 'InventoryChanged')!;
    expect(stock).not.toHaveProperty('orderId');
    expect(stock).not.toHaveProperty('channel');

    // The InventoryChanged-only partner: every InventoryChanged, nothing else.
    const inventoryIds = published()
      .filter((e) => e.type === 'InventoryChanged')
      .map((e) => e.eventId);
    await until(
      'every InventoryChanged at the stock feed',
      () => (inventoryIds.every((id) => bodies(stockFeed).some((b) => b.eventId === id)) ? true : undefined),
      WAIT_MS,
    );
    expect(new Set(bodies(stockFeed).map((b) => b.type))).toEqual(new Set(['InventoryChanged']));
    expect(
      bodies(stockFeed).find((b) => b.data.locationId === 'dc-newark' && b.data.onHand === 77),
    ).toBeDefined();

    // Nobody refused anything and no partner dead-letter queue holds a message.
    expect(everything.attempts.every((a) => a.status < 300)).toBe(true);
    expect(stockFeed.attempts.every((a) => a.status < 300)).toBe(true);
    for (const id of ['EventsPartnereverythingDlq', 'EventsPartnerstockfeedDlq'])
      expect(fanout.queue(id).messages, id).toHaveLength(0);
  }, 600_000);
});
