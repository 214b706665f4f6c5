import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Backordered lines wait for stock (issue 5): a position change on the table stream becomes an
 * InventoryChanged event; the rule for stock that may serve backorders wakes the orders waiting for
 * that SKU, oldest order first, as many as the available units serve. Time runs 1,000× faster and
 * the backorder deadline is 7 days (~10 min here), so nothing in this file reaches it.
 */
const TIME_SCALE = 0.001;
let stack: TestStack;
let machineArn: string;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);
let seq = 0;
const EAST = 'dc-newark';

beforeAll(async () => {
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/backorder.config.json'),
    eventFanout: { visibilityTimeoutMs: 200, pollIntervalMs: 50 },
    stepFunctions: { timeScale: TIME_SCALE },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
});
afterAll(async () => {
  await stack?.close();
});

/** A SKU nobody stocks yet, new for each test. */
const newSku = () => `PREORDER-${Date.now().toString(36)}-${seq++}`.toUpperCase();

/** The WMS counts `onHand` units of `sku` at the Newark DC (an absolute sync, with its sequence). */
async function stockArrives(sku: string, onHand: number) {
  const response = await h.as('wms')('PUT', `/inventory/${sku}/${EAST}`, {
    onHand,
    sequence: Date.now() * 100 + seq++,
  });
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
}

/** Resolves once the order's execution has stored its token in 'Wait for stock' (n-th time). */
async function waitingForStock(orderId: string, times = 1) {
  await until(`${orderId} waiting for stock (${times})`, async () => {
    const history = await stack.runtime.stepFunctions
      .getExecutionHistory({ executionArn: h.executionArn(orderId) })
      .catch(() => undefined); // not started yet
    if (!history) return undefined;
    const { events } = history;
    const entered = h.statesEntered(events).filter((s) => s === 'Wait for stock').length;
    const scheduled = events.filter((e) => e.type === 'TaskScheduled').length;
    return entered >= times && scheduled > 0 ? true : undefined;
  });
  // The token is stored by the step the wait invokes; its waiter item is what InventoryChanged finds.
  await until(`${orderId} on the waitlist`, async () => {
    const items = await stack.scanAll();
    return items.some(
      (i) =>
        (i.PK as { S?: string }).S === `ORDER#${orderId}` && (i.SK as { S?: string }).S === 'WAIT#backorder',
    )
      ? true
      : undefined;
  });
}

const inventoryChanged = (sku: string) =>
  h
    .published()
    .map((e) => e.detail as { type: string; data: Record<string, unknown> })
    .filter((d) => d.type === 'InventoryChanged' && d.data.sku === sku);

const requestedFor = (orderId: string, sku: string) =>
  h
    .eventsOf(orderId, 'ShipmentRequested')
    .map((d) => d.data as unknown as Requested)
    .filter((r) => r.lines.some((l) => l.sku === sku));

describe('backordered lines wait for stock (local runtime)', () => {
  test('partial backorder, then stock arrives: the backordered line ships and the order completes', async () => {
    const sku = newSku();
    const orderId = await h.placeOrder([
      { sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 },
      { sku, quantity: 2, unitPrice: 1500 },
    ]);
    const [first] = await h.shipmentRequested(orderId);
    expect(first!.lines.map((l) => l.sku)).toEqual(['TSHIRT-BLK-M']);
    expect((await h.ship(first!)).status).toBe(200);
    await waitingForStock(orderId);
    const waiting = await h.order(orderId);
    // Line by line: one shipped, one waiting (the order-level status stays at its release).
    expect(waiting.lines.map((l) => [l.status, l.quantities.shipped, l.quantities.backordered])).toEqual([
      ['SHIPPED', 1, 0],
      [expect.any(String), 0, 2],
    ]);

    await stockArrives(sku, 5);
    // The position change is published for stock feeds, and is what wakes the order.
    const changed = await until('InventoryChanged for the new stock', () =>
      inventoryChanged(sku).find((d) => d.data.reason === 'sync'),
    );
    expect(changed.data).toMatchObject({ sku, locationId: EAST, onHand: 5, reserved: 0, ats: 5 });

    const [second] = await until('the backordered line released', () => {
      const r = requestedFor(orderId, sku);
      return r.length > 0 ? r : undefined;
    });
    expect(second).toMatchObject({
      locationId: EAST,
      lines: [expect.objectContaining({ sku, quantity: 2 })],
    });
    // Its reservation is itself a change: published too, with what is left to sell.
    await until('InventoryChanged for the reservation', () =>
      inventoryChanged(sku).find((d) => d.data.reason === 'reservation' && d.data.reserved === 2),
    );
    expect((await h.ship(second!)).status).toBe(200);

    const { record, events } = await h.finished(orderId);
    expect(record.status).toBe('SUCCEEDED');
    const states = h.statesEntered(events);
    expect(states).toContain('Wait for stock');
    expect(states).not.toContain('Cancel backordered lines');
    expect(states.at(-1)).toBe('Fulfilled');
    const done = await h.order(orderId);
    expect(done.status).toBe('SHIPPED');
    expect(done.lines.map((l) => [l.status, l.quantities.shipped, l.quantities.backordered])).toEqual([
      ['SHIPPED', 1, 0],
      ['SHIPPED', 2, 0],
    ]);
    expect(await h.at(sku, EAST)).toMatchObject({ onHand: 3, reserved: 0, ats: 3 });
    await h.assertInventoryInvariants([sku, 'TSHIRT-BLK-M']);
  });

  test('first come, first served: stock for one order wakes the oldest; the next waits for more', async () => {
    const sku = newSku();
    const older = await h.placeOrder([{ sku, quantity: 2, unitPrice: 1500 }]);
    await waitingForStock(older);
    const newer = await h.placeOrder([{ sku, quantity: 2, unitPrice: 1500 }]);
    await waitingForStock(newer);
    expect((await h.order(older)).status).toBe('BACKORDERED');

    await stockArrives(sku, 2);
    const [olderShipment] = await until('the older order released', () => {
      const r = requestedFor(older, sku);
      return r.length > 0 ? r : undefined;
    });
    expect(olderShipment!.lines).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
    // Give the newer order every chance to (wrongly) be woken and take stock.
    await until('the reservation published', () =>
      inventoryChanged(sku).find((d) => d.data.reason === 'reservation' && d.data.ats === 0),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(requestedFor(newer, sku)).toEqual([]);
    expect((await h.order(newer)).lines[0]!.quantities.backordered).toBe(2);
    expect(await h.at(sku, EAST)).toMatchObject({ onHand: 2, reserved: 2, ats: 0 });

    // More stock: now the newer order's turn.
    await stockArrives(sku, 4);
    const [newerShipment] = await until('the newer order released', () => {
      const r = requestedFor(newer, sku);
      return r.length > 0 ? r : undefined;
    });
    for (const [orderId, shipment] of [
      [older, olderShipment!],
      [newer, newerShipment!],
    ] as const) {
      expect((await h.ship(shipment)).status).toBe(200);
      expect((await h.finished(orderId)).record.status).toBe('SUCCEEDED');
      expect((await h.order(orderId)).status).toBe('SHIPPED');
    }
    expect(await h.at(sku, EAST)).toMatchObject({ onHand: 0, reserved: 0, ats: 0 });
    await h.assertInventoryInvariants([sku]);
  });

  test('a reservation alone (stock going out) wakes nobody', async () => {
    const sku = newSku();
    await stockArrives(sku, 1);
    const holder = await h.placeOrder([{ sku, quantity: 1, unitPrice: 1500 }]);
    const [held] = await h.shipmentRequested(holder);
    const waiter = await h.placeOrder([{ sku, quantity: 1, unitPrice: 1500 }]);
    await waitingForStock(waiter);
    await until('the reservation published', () =>
      inventoryChanged(sku).find((d) => d.data.reason === 'reservation'),
    );
    // Shipping takes the unit out of on hand and reserved: a change, but no stock to sell.
    expect((await h.ship(held!)).status).toBe(200);
    await until('the shipment published', () =>
      inventoryChanged(sku).find((d) => d.data.reason === 'shipment'),
    );
    await new Promise((r) => setTimeout(r, 1000));
    const { events } = await stack.runtime.stepFunctions.getExecutionHistory({
      executionArn: h.executionArn(waiter),
    });
    expect(h.statesEntered(events).filter((s) => s === 'Wait for stock')).toHaveLength(1);
    expect(h.statesEntered(events).filter((s) => s === 'Allocate')).toHaveLength(1);
    expect((await h.order(waiter)).status).toBe('BACKORDERED');
  });
  test('held while backordered (issue 13.6): arriving stock does not wake it, nothing is released; release-hold restores BACKORDERED, it ships and completes', async () => {
    const sku = newSku();
    const orderId = await h.placeOrder([{ sku, quantity: 2, unitPrice: 1500 }]);
    await waitingForStock(orderId);
    expect((await h.order(orderId)).status).toBe('BACKORDERED');

    const hold = await h.as('ops')('POST', `/orders/${orderId}/hold`, {
      reason: 'payment-review',
      note: 'PSP flagged the card',
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(200);
    expect(hold.body).toMatchObject({
      status: 'ON_HOLD',
      hold: { previousStatus: 'BACKORDERED', reason: 'payment-review' },
    });
    const onHold = await until('OrderOnHold', () => h.eventsOf(orderId, 'OrderOnHold')[0]);
    expect(onHold.data).toMatchObject({ previousStatus: 'BACKORDERED' });

    await stockArrives(sku, 5);
    // The wake-up ran for this SKU and left the held order waiting (its log names it as held).
    await until('the wake-up skipping the held order', () =>
      stack.logs.find((l) => l.line.includes('backorders woken') && l.line.includes(orderId))
        ? true
        : undefined,
    );
    expect(requestedFor(orderId, sku)).toEqual([]);
    expect((await h.order(orderId)).status).toBe('ON_HOLD');
    expect(await h.at(sku, EAST)).toMatchObject({ onHand: 5, reserved: 0 });
    const { events: whileHeld } = await stack.runtime.stepFunctions.getExecutionHistory({
      executionArn: h.executionArn(orderId),
    });
    expect(h.statesEntered(whileHeld).filter((s) => s === 'Allocate')).toHaveLength(1);

    const released = await h.as('ops')('POST', `/orders/${orderId}/release-hold`, { note: 'card verified' });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({ status: 'BACKORDERED' });
    const [shipment] = await until('the order released after the hold', () => {
      const r = requestedFor(orderId, sku);
      return r.length > 0 ? r : undefined;
    });
    expect(shipment!.lines).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
    expect((await h.ship(shipment!)).status).toBe(200);
    expect((await h.finished(orderId)).record.status).toBe('SUCCEEDED');
    const settled = await h.order(orderId);
    expect(settled.status).toBe('SHIPPED');
    expect(settled.history.map((c) => c.to)).toEqual([
      'CREATED',
      'BACKORDERED',
      'ON_HOLD',
      'BACKORDERED',
      'ALLOCATED',
      'RELEASED',
      'SHIPPED',
    ]);
    expect(await h.at(sku, EAST)).toMatchObject({ onHand: 3, reserved: 0 });
    await h.assertInventoryInvariants([sku]);
  });

  test('an order already released to a location cannot be held: 409 problem+json saying why, nothing changes', async () => {
    const orderId = await h.placeOrder([{ sku: 'TSHIRT-BLK-M', quantity: 1, unitPrice: 1999 }]);
    const [shipment] = await h.shipmentRequested(orderId);
    await until('RELEASED', async () => ((await h.order(orderId)).status === 'RELEASED' ? true : undefined));
    const response = await fetch(`${stack.api}/orders/${orderId}/hold`, {
      method: 'POST',
      headers: { 'x-api-key': stack.runtime.keyFor('ops'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'manual' }),
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { detail: string };
    expect(problem.detail).toContain('is RELEASED');
    expect(problem.detail).toContain('a shipment was already released to a location');
    expect((await h.order(orderId)).status).toBe('RELEASED');
    expect(h.eventsOf(orderId, 'OrderOnHold')).toEqual([]);
    expect((await h.ship(shipment!)).status).toBe(200);
    expect((await h.finished(orderId)).record.status).toBe('SUCCEEDED');
  });
});
