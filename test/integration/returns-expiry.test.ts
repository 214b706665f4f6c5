import { ulid } from 'ulid';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import type { HistoryEvent } from '../../local/stepfunctions/execution-store.ts';
import {
  documentClient,
  makeDynamoOrderRepository,
} from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * An RMA nobody sends back expires: the receipt task's TimeoutSeconds (30 days, the RMA's validity)
 * runs 1,000,000× faster here (~2.6 s). At that speed the fulfilment workflow's partner deadlines are
 * milliseconds, so the shipped order is set up through the order repository instead (no event
 * fan-out, so no fulfilment run), and the returns execution is started as the starter would (name =
 * RMA id, input { rmaId, orderId }); returns.test.ts covers the real ReturnAuthorized → starter path.
 */
const TIME_SCALE = 0.000001;
let stack: TestStack;
let returnsArn: string;

beforeAll(async () => {
  stack = await startTestStack({ stepFunctions: { timeScale: TIME_SCALE } });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machine = stack.runtime.stepFunctions.listStateMachines().find((m) => m.name.endsWith('-Returns'));
  if (!machine) throw new Error('no returns state machine in the template');
  returnsArn = machine.stateMachineArn;
});
afterAll(async () => {
  await stack?.close();
});

const as = (channel: string) => apiClient(stack.api, stack.runtime.keyFor(channel));

/** A web order whose only line (2 units) shipped an hour ago, written as the fulfilment workflow would leave it. */
async function shippedOrder(): Promise<Order> {
  const now = new Date();
  const shippedAt = new Date(now.getTime() - 3_600_000).toISOString();
  const base = newOrder({
    orderId: `ord_${ulid()}`,
    channel: 'web',
    now: new Date(now.getTime() - 7_200_000).toISOString(),
    request: PlaceOrderRequestSchema.parse(
      demoOrder({ lines: [{ sku: 'MUG-WHT', quantity: 2, unitPrice: 1250 }] }),
    ),
  });
  const order: Order = {
    ...base,
    status: 'SHIPPED',
    lines: base.lines.map((l) => ({
      ...l,
      status: 'SHIPPED',
      quantities: { ...l.quantities, allocated: 2, shipped: 2 },
    })),
    updatedAt: shippedAt,
  };
  const orders = makeDynamoOrderRepository(documentClient(stack.dynamodb), { tableName: stack.ordersTable });
  const outcome = await orders.create({
    order,
    history: {
      at: shippedAt,
      from: 'RELEASED',
      to: 'SHIPPED',
      by: { type: 'system', id: 'test' },
      reason: 'test setup',
    },
    events: [],
    idempotency: { key: `expiry-${order.orderId}`, requestHash: 'test' },
  });
  expect(outcome).toEqual({ outcome: 'created' });
  return order;
}

test('an RMA nothing is received for expires at its deadline and its units become returnable again', async () => {
  const order = await shippedOrder();
  const body = { method: 'mail', lines: [{ lineId: '1', quantity: 2, reason: 'changed-mind' }] };
  const created = await as('web')('POST', `/orders/${order.orderId}/returns`, body, {
    idempotencyKey: 'exp-1',
  });
  expect(created.status).toBe(201);
  const { rmaId } = created.body as { rmaId: string };
  expect(
    (await as('web')('POST', `/orders/${order.orderId}/returns`, body, { idempotencyKey: 'exp-2' })).status,
  ).toBe(409);

  const { executionArn } = await stack.runtime.stepFunctions.startExecution({
    stateMachineArn: returnsArn,
    name: rmaId,
    input: JSON.stringify({ rmaId, orderId: order.orderId }),
  });
  const record = await stack.runtime.stepFunctions.waitForExecution(executionArn);
  expect(record.status).toBe('SUCCEEDED');
  const { events } = await stack.runtime.stepFunctions.getExecutionHistory({ executionArn });
  const entered = events
    .filter((e: HistoryEvent) => e.type.endsWith('StateEntered'))
    .map((e) => (e as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails?.name);
  expect(entered).toEqual(['Wait for receipt', 'Expire RMA', 'Expired']);
  expect(events.some((e) => e.type === 'TaskTimedOut')).toBe(true);

  const rma = (await as('web')('GET', `/returns/${rmaId}`)).body as {
    status: string;
    failure?: { error: string };
  };
  expect(rma).toMatchObject({ status: 'EXPIRED', failure: { error: 'States.Timeout' } });
  // A late receipt is refused; the units can be returned on a new RMA.
  const late = await as('ops')('POST', `/returns/${rmaId}/events`, {
    type: 'received',
    eventId: 'late',
    lines: [{ lineId: '1', quantity: 2, disposition: 'restock' }],
  });
  expect(late.status).toBe(409);
  expect(
    (await as('web')('POST', `/orders/${order.orderId}/returns`, body, { idempotencyKey: 'exp-3' })).status,
  ).toBe(201);
}, 60_000);
