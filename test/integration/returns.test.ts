import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import type { BusEvent } from '../../local/eventbridge/local-bus.ts';
import type { HistoryEvent } from '../../local/stepfunctions/execution-store.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Returns end to end through the local HTTP API: an order is shipped through the real fulfilment
 * workflow (partners report through POST /fulfillments/{id}/events), then POST /orders/{id}/returns
 * authorises an RMA; ReturnAuthorized (outbox → bus → rule → queue → starter) starts the returns
 * execution named by the RMA id; the return location reports receipt with inspection and the payment
 * service (admin key) the refund, through POST /returns/{rmaId}/events. Time runs 5,000× faster (the 1-day shipment heartbeat is ~17 s, so a loaded machine still ships in time).
 */
const TIME_SCALE = 0.0002;
let stack: TestStack;
let fulfilmentArn: string;
let returnsArn: string;
let seq = 0;

const PARTNER_BY_LOCATION: Record<string, string> = {
  'dc-newark': 'partner-east',
  'store-nyc-soho': 'partner-east',
  'dc-reno': 'partner-west',
};

beforeAll(async () => {
  stack = await startTestStack({
    eventFanout: { partners: {}, visibilityTimeoutMs: 200, pollIntervalMs: 50 },
    stepFunctions: { timeScale: TIME_SCALE },
  });
  await seedDemoInventory(stack.api, (channel) => stack.runtime.keyFor(channel));
  const machines = stack.runtime.stepFunctions.listStateMachines();
  const find = (suffix: string) => {
    const machine = machines.find((m) => m.name.endsWith(suffix));
    if (!machine) throw new Error(`no ${suffix} state machine in the template`);
    return machine.stateMachineArn;
  };
  fulfilmentArn = find('-OrderFulfilment');
  returnsArn = find('-Returns');
});
afterAll(async () => {
  await stack?.close();
});

const as = (channel: string) => apiClient(stack.api, stack.runtime.keyFor(channel));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 25_000) {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function published(): BusEvent[] {
  return stack.runtime.fanout?.buses.flatMap((bus) => bus.archives.flatMap((a) => a.events)) ?? [];
}
const eventsOf = (orderId: string, type: string) =>
  published()
    .map((e) => e.detail as { type: string; orderId?: string; data: Record<string, unknown> })
    .filter((d) => d.orderId === orderId && d.type === type);

interface Requested {
  shipmentId: string;
  locationId: string;
}

async function execution(machineArn: string, name: string) {
  const arn = `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  await until(`execution ${name}`, async () =>
    (await stack.runtime.stepFunctions.listExecutions({ stateMachineArn: machineArn })).executions.find(
      (e) => e.executionArn === arn,
    ),
  );
  return arn;
}
async function finished(machineArn: string, name: string) {
  const arn = await execution(machineArn, name);
  const record = await stack.runtime.stepFunctions.waitForExecution(arn);
  const { events } = await stack.runtime.stepFunctions.getExecutionHistory({ executionArn: arn });
  return { record, events };
}
const statesEntered = (events: HistoryEvent[]) =>
  events
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e as { stateEnteredEventDetails?: { name: string } }).stateEnteredEventDetails?.name);

type Network = {
  positions: { locationId: string; onHand: number; reserved: number; safetyStock: number; ats: number }[];
};
async function inventory(sku: string): Promise<Network> {
  return (await as('ops')('GET', `/inventory/${sku}`)).body as Network;
}
const at = async (sku: string, locationId: string) =>
  (await inventory(sku)).positions.find((p) => p.locationId === locationId) ?? {
    onHand: 0,
    reserved: 0,
    safetyStock: 0,
    ats: 0,
  };
/** on hand ≥ reserved ≥ 0 and ATS = max(0, on hand − reserved − safety stock) at every location. */
async function assertInventoryInvariants(skus: string[]) {
  for (const sku of skus) {
    for (const p of (await inventory(sku)).positions) {
      expect(p.reserved, `${sku}@${p.locationId}`).toBeGreaterThanOrEqual(0);
      expect(p.onHand, `${sku}@${p.locationId}`).toBeGreaterThanOrEqual(p.reserved);
      expect(p.ats, `${sku}@${p.locationId}`).toBe(Math.max(0, p.onHand - p.reserved - p.safetyStock));
    }
  }
}

interface OrderView {
  status: string;
  lines: { lineId: string; status: string; quantities: Record<string, number> }[];
  history: { from: string | null; to: string; reason: string }[];
}
const order = async (orderId: string) => (await as('web')('GET', `/orders/${orderId}`)).body as OrderView;

/** An order of `quantity` units shipped through the real fulfilment workflow (completed). */
async function shippedOrder(sku: string, quantity: number, unitPrice = 1999) {
  const placed = await as('web')('POST', '/orders', demoOrder({ lines: [{ sku, quantity, unitPrice }] }), {
    idempotencyKey: `returns-order-${Date.now()}-${seq++}`,
  });
  expect(placed.status).toBe(201);
  const orderId = (placed.body as { orderId: string }).orderId;
  const shipments = await until('ShipmentRequested', () => {
    const requested = eventsOf(orderId, 'ShipmentRequested').map((d) => d.data as unknown as Requested);
    return requested.length ? requested : undefined;
  });
  for (const shipment of shipments) {
    const shipped = await as(PARTNER_BY_LOCATION[shipment.locationId] ?? 'ops')(
      'POST',
      `/fulfillments/${shipment.shipmentId}/events`,
      {
        eventId: `${shipment.shipmentId}-shipped`,
        type: 'shipped',
        tracking: { carrier: 'ups', trackingNumber: `1Z${seq++}` },
      },
    );
    expect(shipped.status).toBe(200);
  }
  expect((await finished(fulfilmentArn, orderId)).record.status).toBe('SUCCEEDED');
  const view = await order(orderId);
  expect(view.lines[0]?.quantities.shipped).toBe(quantity);
  return orderId;
}

interface RmaView {
  rmaId: string;
  status: string;
  returnLocationId: string;
  method: string;
  lines: { lineId: string; quantity: number; received?: number; restocked?: number; disposed?: number }[];
  refund?: { refundId: string; amount: number; providerReference?: string };
}
const createReturn = (orderId: string, body: unknown, key = `rma-${Date.now()}-${seq++}`) =>
  as('web')('POST', `/orders/${orderId}/returns`, body, { idempotencyKey: key });
const reportReturn = (rmaId: string, channel: string, body: Record<string, unknown>) =>
  as(channel)('POST', `/returns/${rmaId}/events`, body);
const rma = async (rmaId: string) => (await as('web')('GET', `/returns/${rmaId}`)).body as RmaView;

describe('returns (local runtime)', () => {
  test('returning more than was shipped is refused naming the field; nothing is authorised', async () => {
    const orderId = await shippedOrder('MUG-WHT', 1);
    const response = await createReturn(orderId, {
      method: 'mail',
      lines: [{ lineId: '1', quantity: 2, reason: 'changed-mind' }],
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((response.body as { errors: { field: string; message: string }[] }).errors).toEqual([
      expect.objectContaining({ field: 'lines[0].quantity', message: expect.stringContaining('1 shipped') }),
    ]);
    // An order that has shipped nothing has nothing returnable either.
    const placed = await as('web')('POST', '/orders', demoOrder(), { idempotencyKey: `unshipped-${seq++}` });
    const unshipped = (placed.body as { orderId: string }).orderId;
    const none = await createReturn(unshipped, {
      method: 'mail',
      lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
    });
    expect(none.status).toBe(409);
    const items = await stack.scanAll();
    expect(items.filter((i) => String(i.SK).startsWith('RMA#'))).toEqual([]);
    expect(eventsOf(orderId, 'ReturnAuthorized')).toEqual([]);
    await assertInventoryInvariants(['MUG-WHT']);
  });

  test('return by mail: receipt with inspection, restock at the receiving warehouse, refund, complete', async () => {
    const orderId = await shippedOrder('TSHIRT-BLK-M', 2);
    const created = await createReturn(orderId, {
      method: 'mail',
      returnLocationId: 'dc-newark',
      lines: [{ lineId: '1', quantity: 2, reason: 'wrong-size' }],
    });
    expect(created.status).toBe(201);
    const { rmaId } = created.body as RmaView;
    expect(created.body).toMatchObject({
      status: 'AUTHORIZED',
      method: 'mail',
      returnLocationId: 'dc-newark',
    });
    expect(created.text).not.toMatch(/taskToken/i);
    // The RMA's units are no longer returnable.
    const again = await createReturn(orderId, {
      method: 'mail',
      lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
    });
    expect(again.status).toBe(409);

    // ReturnAuthorized started the execution named by the RMA id; it waits for the receipt.
    const arn = await execution(returnsArn, rmaId);
    await until('the receipt task token', async () =>
      (await stack.runtime.stepFunctions.getExecutionHistory({ executionArn: arn })).events.some(
        (e) => e.type === 'TaskSubmitted' || e.type === 'TaskSucceeded',
      )
        ? true
        : undefined,
    );
    const before = await at('TSHIRT-BLK-M', 'dc-newark');

    // Another partner cannot report on it; a sales channel is not a partner.
    const wrong = await reportReturn(rmaId, 'partner-west', {
      type: 'received',
      eventId: 'x',
      lines: [{ lineId: '1', quantity: 2, disposition: 'restock' }],
    });
    expect(wrong.status).toBe(404);
    const notAPartner = await reportReturn(rmaId, 'web', {
      type: 'received',
      eventId: 'x',
      lines: [{ lineId: '1', quantity: 2, disposition: 'restock' }],
    });
    expect(notAPartner.status).toBe(403);
    const invalid = await reportReturn(rmaId, 'partner-east', { type: 'received', eventId: 'x', lines: [] });
    expect(invalid.status).toBe(400);
    expect((invalid.body as { errors: { field: string }[] }).errors[0]?.field).toBe('lines');

    const receipt = {
      type: 'received',
      eventId: `${rmaId}-received`,
      lines: [
        { lineId: '1', quantity: 1, disposition: 'restock' },
        { lineId: '1', quantity: 1, disposition: 'dispose', note: 'stained' },
      ],
    };
    const received = await reportReturn(rmaId, 'partner-east', receipt);
    expect(received.status).toBe(202);
    expect(received.body).toMatchObject({
      status: 'RECEIVED',
      lines: [{ received: 2, restocked: 1, disposed: 1 }],
    });
    expect(received.text).not.toMatch(/taskToken/i);
    expect((await reportReturn(rmaId, 'partner-east', receipt)).status).toBe(200); // replay

    // Restocked and asked for the refund: 2 × 19.99.
    await until('REFUND_REQUESTED', async () =>
      (await rma(rmaId)).status === 'REFUND_REQUESTED' ? true : undefined,
    );
    expect((await at('TSHIRT-BLK-M', 'dc-newark')).onHand).toBe(before.onHand + 1);
    const requested = await until(
      'RefundRequested on the bus',
      () => eventsOf(orderId, 'RefundRequested')[0],
    );
    expect(requested.data).toMatchObject({ amount: 3998, currency: 'USD', reason: 'return', rmaId });

    // The payment service fails once (retryable): the state machine retries the refund step with
    // backoff, which asks again with a new RefundRequested for the same refund id.
    // The payment service reports with its own key (scope payments).
    const failed = await reportReturn(rmaId, 'payments', {
      type: 'refund-failed',
      eventId: `${rmaId}-refund-failed`,
      reason: 'provider-error',
      retryable: true,
    });
    expect(failed.status).toBe(202);
    const second = await until('a second RefundRequested', () => eventsOf(orderId, 'RefundRequested')[1]);
    expect(second.data.refundId).toBe(requested.data.refundId);
    await until('the retried refund step waiting', async () =>
      (await stack.runtime.stepFunctions.getExecutionHistory({ executionArn: arn })).events.filter(
        (e) => e.type === 'TaskSubmitted',
      ).length >= 3
        ? true
        : undefined,
    );

    const issued = await reportReturn(rmaId, 'payments', {
      type: 'refund-issued',
      eventId: `${rmaId}-refund`,
      providerReference: 're_test_1',
    });
    expect(issued.status).toBe(202);

    const { record, events } = await finished(returnsArn, rmaId);
    expect(record.status).toBe('SUCCEEDED');
    expect(events.filter((e) => e.type === 'TaskFailed')).toHaveLength(1); // RefundFailed, then retried
    expect(statesEntered(events)).toEqual([
      'Wait for receipt',
      'Restock inspected units',
      'Request refund and wait',
      'Complete return',
      'Returned',
    ]);
    const done = await rma(rmaId);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      refund: { amount: 3998, providerReference: 're_test_1' },
    });
    const view = await order(orderId);
    expect(view.lines[0]).toMatchObject({ status: 'RETURNED', quantities: { shipped: 2, returned: 2 } });
    expect(view.history.at(-1)?.reason).toContain(
      `return ${rmaId} completed: 2 unit(s) received at dc-newark`,
    );
    await until('the return and refund events on the bus', () =>
      ['ReturnAuthorized', 'ReturnReceived', 'ReturnInspected', 'RefundIssued'].every(
        (t) => eventsOf(orderId, t).length > 0,
      )
        ? true
        : undefined,
    );
    // A second start for the same RMA (a redelivered ReturnAuthorized) would be refused by name.
    const executions = (await stack.runtime.stepFunctions.listExecutions({ stateMachineArn: returnsArn }))
      .executions;
    expect(executions.filter((e) => e.executionArn.endsWith(`:${rmaId}`))).toHaveLength(1);
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('return in store (BORIS): the store reports, the unit goes back on hand at the store', async () => {
    const orderId = await shippedOrder('TSHIRT-BLK-M', 1);
    const created = await createReturn(orderId, {
      method: 'store',
      returnLocationId: 'store-nyc-soho',
      lines: [{ lineId: '1', quantity: 1, reason: 'changed-mind' }],
    });
    expect(created.status).toBe(201);
    const { rmaId } = created.body as RmaView;
    await execution(returnsArn, rmaId);
    // A redelivered ReturnAuthorized reaches the starter again but starts no second execution (same
    // name and input while RUNNING returns the running one, as on AWS; otherwise ExecutionAlreadyExists).
    const authorized = published().find(
      (e) => (e.detail as { type: string; data: { rmaId?: string } }).data.rmaId === rmaId,
    );
    const bus = stack.runtime.fanout?.buses.find((b) => b.archives.length > 0);
    if (!authorized || !bus) throw new Error('ReturnAuthorized not on the bus');
    bus.putEvents([
      {
        Source: authorized.source,
        DetailType: authorized['detail-type'],
        Detail: JSON.stringify(authorized.detail),
      },
    ]);
    await until('the starter to see the duplicate', () => {
      const lines = stack.logs.filter(
        (l) => l.line.includes('returns workflow start') && l.line.includes(rmaId),
      );
      return lines.length >= 2 ? lines : undefined;
    });
    const runs = (await stack.runtime.stepFunctions.listExecutions({ stateMachineArn: returnsArn }))
      .executions;
    expect(runs.filter((e) => e.name === rmaId)).toHaveLength(1);
    const before = await at('TSHIRT-BLK-M', 'store-nyc-soho');
    const received = await reportReturn(rmaId, 'partner-east', {
      type: 'received',
      eventId: `${rmaId}-in-store`,
      lines: [{ lineId: '1', quantity: 1, disposition: 'restock' }],
    });
    expect(received.status).toBe(202);
    await until('REFUND_REQUESTED', async () =>
      (await rma(rmaId)).status === 'REFUND_REQUESTED' ? true : undefined,
    );
    expect((await at('TSHIRT-BLK-M', 'store-nyc-soho')).onHand).toBe(before.onHand + 1);
    expect(
      (
        await reportReturn(rmaId, 'ops', {
          type: 'refund-issued',
          eventId: `${rmaId}-rf`,
          providerReference: 're_s',
        })
      ).status,
    ).toBe(202);
    expect((await finished(returnsArn, rmaId)).record.status).toBe('SUCCEEDED');
    expect(await rma(rmaId)).toMatchObject({
      status: 'COMPLETED',
      method: 'store',
      returnLocationId: 'store-nyc-soho',
    });
    await assertInventoryInvariants(['TSHIRT-BLK-M']);
  });

  test('malformed returns and return events are 4xx problems naming a field, never a 5xx', async () => {
    const orderId = await shippedOrder('MUG-WHT', 1);
    const bad: unknown[] = [
      {},
      [],
      'x',
      { method: 'boat', lines: [{ lineId: '1', quantity: 1, reason: 'other' }] },
      { method: 'mail', lines: 'all' },
      { method: 'mail', lines: [] },
      { method: 'mail', lines: [{ lineId: '1', quantity: 0, reason: 'other' }] },
      { method: 'mail', lines: [{ lineId: '1', quantity: 1.5, reason: 'other' }] },
      { method: 'mail', lines: [{ lineId: '1', quantity: 1, reason: 'bored' }] },
      { method: 'mail', lines: [{ lineId: '1', quantity: 1, reason: 'other', extra: true }] },
      {
        method: 'mail',
        returnLocationId: 'no such place',
        lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
      },
      {
        method: 'mail',
        returnLocationId: 'store-nyc-soho',
        lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
      },
    ];
    for (const body of bad) {
      const response = await createReturn(orderId, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((response.body as { errors?: unknown[] }).errors?.length, JSON.stringify(body)).toBeGreaterThan(
        0,
      );
    }
    const noKey = await as('web')('POST', `/orders/${orderId}/returns`, {
      method: 'mail',
      lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
    });
    expect(noKey.status).toBe(400);
    expect(
      (
        await createReturn('ord_NOTANORDER', {
          method: 'mail',
          lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
        })
      ).status,
    ).toBe(404);
    expect((await as('web')('GET', '/returns/rma_01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await as('web')('GET', '/returns/not-an-rma')).status).toBe(404);

    const created = await createReturn(orderId, {
      method: 'mail',
      lines: [{ lineId: '1', quantity: 1, reason: 'other' }],
    });
    const { rmaId } = created.body as RmaView;
    const badEvents: unknown[] = [
      {},
      { type: 'lost', eventId: 'e' },
      { type: 'received', eventId: 'e' },
      { type: 'received', eventId: ' ', lines: [{ lineId: '1', quantity: 1, disposition: 'restock' }] },
      { type: 'received', eventId: 'e', lines: [{ lineId: '1', quantity: 1, disposition: 'burn' }] },
      { type: 'refund-issued', eventId: 'e' },
      { type: 'refund-failed', eventId: 'e' },
    ];
    for (const body of badEvents) {
      const response = await reportReturn(rmaId, 'partner-east', body as Record<string, unknown>);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    // Well-formed but not matching the RMA: 409 naming the line; a refund before any receipt: 409.
    const tooMany = await reportReturn(rmaId, 'partner-east', {
      type: 'received',
      eventId: 'e2',
      lines: [{ lineId: '1', quantity: 2, disposition: 'restock' }],
    });
    expect(tooMany.status).toBe(409);
    expect((tooMany.body as { errors: { field: string }[] }).errors[0]?.field).toBe('lines[0].quantity');
    const early = await reportReturn(rmaId, 'ops', {
      type: 'refund-issued',
      eventId: 'e3',
      providerReference: 'x',
    });
    expect(early.status).toBe(409);
    expect(
      (
        await reportReturn('rma_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'ops', {
          type: 'refund-issued',
          eventId: 'e',
          providerReference: 'x',
        })
      ).status,
    ).toBe(404);
    expect((await rma(rmaId)).status).toBe('AUTHORIZED');
    await assertInventoryInvariants(['MUG-WHT']);
  });
});
