import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Issue 12.1: `POST /orders/{id}/cancel` racing the partner's `shipped` report for the same order,
 * against DynamoDB Local and the local runtime. The two are mutually exclusive in DynamoDB: a
 * shipped report writes the shipment and bumps the order's version in one transaction, conditioned
 * on the order not being CANCELLED; the cancel writes the order conditioned on the version it read
 * before it looked at the shipments. Whatever the interleaving, exactly one of the two wins.
 */
const ORDERS = 10;
const ROUNDS = 2;
const LOCATION = 'dc-newark';
const STOCK = 50;
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
  });
  // Idempotent PUTs: a 504 from the local gateway on a busy machine is simply sent again.
  for (let attempt = 1; ; attempt++) {
    try {
      await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
}, 300_000);
afterAll(async () => {
  await stack?.close();
});

/**
 * A call as a client makes it: a 5xx (the local API Gateway's 504 when the shared machine is slow)
 * is retried with the same request; both calls are idempotent (cancel; shipped by its event id).
 */
async function retrying(channel: string, path: string, body: unknown): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${stack.api}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': stack.runtime.keyFor(channel), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.text();
    if (response.status < 500 || attempt >= 8) return response.status;
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
}

const totals = async (SKU: string) => {
  const positions = (await h.inventory(SKU)).positions;
  return {
    onHand: positions.reduce((s, p) => s + p.onHand, 0),
    reserved: positions.reduce((s, p) => s + p.reserved, 0),
  };
};

describe('cancel racing the partner’s shipped report (issue 12.1)', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    test(`round ${round}: ${ORDERS} orders, cancel and shipped sent at once for each: every order ends cancelled with nothing shipped, or shipped with the cancel refused (409)`, async () => {
      // A SKU of its own per round: a straggler of another round cannot move these totals.
      const SKU = `RACE-SKU-${round}`;
      const stocked = await h.as('wms')('PUT', `/inventory/${SKU}/${LOCATION}`, {
        onHand: STOCK,
        sequence: 1,
      });
      expect([200, 201]).toContain(stocked.status);
      const before = await totals(SKU);
      // Placed one by one (the shared machine is small); the race is in the calls below.
      const orderIds: string[] = [];
      for (let i = 0; i < ORDERS; i++) {
        orderIds.push(await h.placeOrder([{ sku: SKU, quantity: 1, unitPrice: 1500 }]));
      }
      const requested = new Map<string, Requested>();
      for (const orderId of orderIds) requested.set(orderId, (await h.shipmentRequested(orderId))[0]!);
      // Wait until each order is RELEASED, so both calls meet an order that may still be cancelled.
      for (const orderId of orderIds) {
        await until(
          `${orderId} RELEASED`,
          async () => ((await h.order(orderId)).status === 'RELEASED' ? true : undefined),
          90_000,
        );
      }

      const outcomes = await Promise.all(
        orderIds.map(async (orderId) => {
          const shipment = requested.get(orderId)!;
          const [cancel, shipped] = await Promise.all([
            retrying('web', `/orders/${orderId}/cancel`, { reason: 'customer-request' }),
            retrying('partner-east', `/fulfillments/${shipment.shipmentId}/events`, {
              eventId: `${shipment.shipmentId}-shipped`,
              type: 'shipped',
              tracking: { carrier: 'ups', trackingNumber: `1Z${orderId.slice(-8)}` },
            }),
          ]);
          return { orderId, cancel, shipped };
        }),
      );

      let shippedUnits = 0;
      for (const { orderId, cancel, shipped } of outcomes) {
        const order = await h.order(orderId);
        const shippedEvents = h.eventsOf(orderId, 'ShipmentShipped');
        const line = order.lines[0]!;
        const what = `${orderId}: cancel ${cancel}, shipped ${shipped}, order ${order.status}`;
        // Exactly one of the two calls wins; the loser is refused with 409.
        expect([cancel, shipped].sort(), what).toEqual([200, 409]);
        if (cancel === 200) {
          expect(order.status, what).toBe('CANCELLED');
          expect(line.quantities.shipped ?? 0, what).toBe(0);
          expect(shippedEvents, what).toHaveLength(0);
        } else {
          shippedUnits += 1;
          expect(order.status, what).not.toBe('CANCELLED');
          expect(line.quantities.shipped, what).toBe(1);
        }
      }
      // Stock follows the winners: only shipped units left on hand; nothing of these orders stays reserved
      // once the shipped orders' executions complete.
      for (const { orderId, shipped } of outcomes) {
        if (shipped === 200) {
          // The run ends once everything shipped; the order is SHIPPED until the delivery is reported.
          const { record } = await h.finished(orderId);
          expect(record.status).toBe('SUCCEEDED');
          expect((await h.order(orderId)).status).toBe('SHIPPED');
        }
      }
      const after = await totals(SKU);
      const positions = JSON.stringify((await h.inventory(SKU)).positions);
      expect(before.onHand - after.onHand, positions).toBe(shippedUnits);
      expect(after.reserved).toBe(before.reserved);
      await h.assertInventoryInvariants([SKU]);
    }, 180_000);
  }
});
