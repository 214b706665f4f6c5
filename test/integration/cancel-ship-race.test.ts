import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { synthesizeStack } from '../../local/template/template.ts';
import { fulfilmentHarness, type Requested, until } from '../support/fulfilment-harness.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Issue 12.1: `POST /orders/{id}/cancel` racing the partner's `shipped` report for the same order,
 * against DynamoDB Local and the local runtime. The two are mutually exclusive in DynamoDB: a
 * shipped report writes the shipment and bumps the order's version in one transaction, conditioned
 * on the order not being CANCELLED; the cancel writes the order conditioned on the version it read
 * before it looked at the shipments. Whatever the interleaving, exactly one of the two wins.
 */
const ORDERS = 16;
const ROUNDS = 2;
const SKU = 'TSHIRT-BLK-M';
let stack: TestStack;
let machineArn: string;
const h = fulfilmentHarness(
  () => stack,
  () => machineArn,
);

beforeAll(async () => {
  stack = await startTestStack({
    stack: synthesizeStack({ configFile: 'test/fixtures/fulfilment.config.json' }),
    eventFanout: { visibilityTimeoutMs: 200, pollIntervalMs: 50 },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions
    .listStateMachines()
    .find((m) => m.name.endsWith('-OrderFulfilment'));
  if (!machine) throw new Error('no fulfilment state machine in the template');
  machineArn = machine.stateMachineArn;
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const totals = async () => {
  const positions = (await h.inventory(SKU)).positions;
  return {
    onHand: positions.reduce((s, p) => s + p.onHand, 0),
    reserved: positions.reduce((s, p) => s + p.reserved, 0),
  };
};

describe('cancel racing the partner’s shipped report (issue 12.1)', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    test(`round ${round}: ${ORDERS} orders, cancel and shipped sent at once for each: every order ends cancelled with nothing shipped, or shipped with the cancel refused (409)`, async () => {
      const before = await totals();
      const orderIds = await Promise.all(
        Array.from({ length: ORDERS }, () => h.placeOrder([{ sku: SKU, quantity: 1, unitPrice: 1500 }])),
      );
      const requested = new Map<string, Requested>();
      for (const orderId of orderIds) requested.set(orderId, (await h.shipmentRequested(orderId))[0]!);
      // Wait until each order is RELEASED, so both calls meet an order that may still be cancelled.
      for (const orderId of orderIds) {
        await until(`${orderId} RELEASED`, async () =>
          (await h.order(orderId)).status === 'RELEASED' ? true : undefined,
        );
      }

      const outcomes = await Promise.all(
        orderIds.map(async (orderId) => {
          const shipment = requested.get(orderId)!;
          const [cancel, shipped] = await Promise.all([
            h.as('web')('POST', `/orders/${orderId}/cancel`, { reason: 'customer-request' }),
            h.ship(shipment),
          ]);
          return { orderId, cancel: cancel.status, shipped: shipped.status };
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
          await until(`${orderId} completed`, async () =>
            (await h.order(orderId)).status === 'COMPLETED' ? true : undefined,
          );
        }
      }
      const after = await totals();
      expect(before.onHand - after.onHand).toBe(shippedUnits);
      expect(after.reserved).toBe(before.reserved);
      await h.assertInventoryInvariants([SKU]);
    }, 180_000);
  }
});
