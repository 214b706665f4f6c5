import { beforeEach, describe, expect, test } from 'vitest';
import { toProblem } from '../../functions/http/problem.ts';
import type { Caller } from '../../shared/domain/caller.ts';
import { conflict, DomainError } from '../../shared/domain/errors.ts';
import type { Location } from '../../shared/domain/location.ts';
import { newOrder, type Order, PlaceOrderRequestSchema } from '../../shared/domain/order.ts';
import { RETURN_DISPOSITIONS, RETURN_METHODS, type Rma } from '../../shared/domain/return.ts';
import * as catalog from '../../shared/events/catalog.ts';
import type { DomainEvent } from '../../shared/events/envelope.ts';
import type { ReturnRepository } from '../../shared/ports/return-repository.ts';
import { makeAdjustInventory } from '../../shared/usecases/adjust-inventory.ts';
import { makeCreateReturn, makeGetReturn } from '../../shared/usecases/create-return.ts';
import {
  makeRecordReturnEvent,
  type ReturnReporter,
  reporterOf,
} from '../../shared/usecases/record-return-event.ts';
import { makeReturnWorkflowSteps, type ReturnsEngine } from '../../shared/usecases/return-workflow.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
  ManualClock,
  sequentialIds,
} from '../support/in-memory-inventory.ts';

const copy = <T>(v: T): T => structuredClone(v);

/** The returns repository in memory, with the same conditions as the DynamoDB adapter. */
class InMemoryReturnRepository implements ReturnRepository {
  readonly rmas = new Map<string, Rma>();
  readonly ledgers = new Map<string, number>();
  readonly claims = new Map<string, { rmaId: string; requestHash: string }>();
  readonly events: DomainEvent[] = [];
  constructor(private readonly orders: InMemoryOrderRepository) {}
  async get(rmaId: string) {
    const rma = this.rmas.get(rmaId);
    return rma ? copy(rma) : undefined;
  }
  async listByOrder(orderId: string) {
    return [...this.rmas.values()].filter((r) => r.orderId === orderId).map(copy);
  }
  async ledgerVersion(orderId: string) {
    return this.ledgers.get(orderId) ?? 0;
  }
  async idempotencyClaim(channel: string, key: string) {
    return this.claims.get(`${channel}#${key}`);
  }
  async create(command: Parameters<ReturnRepository['create']>[0]) {
    const claimKey = `${command.idempotency.channel}#${command.idempotency.key}`;
    const claim = this.claims.get(claimKey);
    if (claim) return { outcome: 'idempotency-key-exists' as const, ...claim };
    if ((this.ledgers.get(command.rma.orderId) ?? 0) !== command.expectedLedgerVersion) {
      return { outcome: 'ledger-changed' as const };
    }
    this.claims.set(claimKey, { rmaId: command.rma.rmaId, requestHash: command.idempotency.requestHash });
    this.ledgers.set(command.rma.orderId, command.expectedLedgerVersion + 1);
    this.rmas.set(command.rma.rmaId, copy(command.rma));
    this.events.push(...copy(command.events));
    return { outcome: 'created' as const };
  }
  async update(rma: Rma, expectedVersion: number, events: DomainEvent[]) {
    if (this.rmas.get(rma.rmaId)?.version !== expectedVersion) return 'conflict' as const;
    this.rmas.set(rma.rmaId, copy(rma));
    this.events.push(...copy(events));
    return 'updated' as const;
  }
  async complete(command: Parameters<ReturnRepository['complete']>[0]) {
    if (this.rmas.get(command.rma.rmaId)?.version !== command.expectedVersion) return 'conflict' as const;
    const outcome = await this.orders.update({
      order: command.order,
      expectedVersion: command.expectedOrderVersion,
      history: [command.history],
      events: command.events,
    });
    if (outcome !== 'updated') return 'conflict' as const;
    this.rmas.set(command.rma.rmaId, copy(command.rma));
    return 'updated' as const;
  }
}

/** Records signals; `tokens` holds the tokens still waiting, like the engine's registry. */
class FakeEngine implements ReturnsEngine {
  readonly signals: { token: string; kind: 'success' | 'failure'; payload: unknown }[] = [];
  readonly waiting = new Set<string>();
  async sendTaskSuccess(taskToken: string, output: unknown) {
    if (!this.waiting.delete(taskToken)) return 'gone' as const;
    this.signals.push({ token: taskToken, kind: 'success', payload: output });
    return 'sent' as const;
  }
  async sendTaskFailure(taskToken: string, error: string, cause: string) {
    if (!this.waiting.delete(taskToken)) return 'gone' as const;
    this.signals.push({ token: taskToken, kind: 'failure', payload: { error, cause } });
    return 'sent' as const;
  }
}

const web: Caller = { channel: 'web', admin: false, scopes: ['orders'] };
const ops: ReturnReporter = { admin: true, id: 'ops' };
const warehousePartner: ReturnReporter = { admin: false, id: 'wms', locations: ['dc-returns'] };
const otherPartner: ReturnReporter = { admin: false, id: '3pl', locations: ['dc-other'] };

const location = (
  locationId: string,
  type: Location['type'],
  capabilities: Location['capabilities'],
): Location => ({
  locationId,
  name: locationId,
  type,
  geo: { lat: 40, lon: -74 },
  capabilities,
  dailyShipmentCapacity: 100,
  shipmentFixedCost: 0,
  unitHandlingCost: 0,
  status: 'active',
  transferToStores: false,
});

const SHIPPED_AT = '2025-06-01T12:00:00.000Z';

function setup() {
  const clock = new ManualClock(new Date('2025-06-02T12:00:00.000Z'));
  const ids = sequentialIds();
  const orders = new InMemoryOrderRepository();
  const returns = new InMemoryReturnRepository(orders);
  const locations = new InMemoryLocationRepository();
  const inventory = new InMemoryInventoryStore();
  const engine = new FakeEngine();
  for (const l of [
    location('dc-returns', 'warehouse', ['ship', 'returns']),
    location('dc-ship-only', 'warehouse', ['ship']),
    location('store-1', 'store', ['pickup', 'returns']),
    location('store-2', 'store', ['pickup']),
  ])
    void locations.put(l);
  inventory.seed({ sku: 'A', locationId: 'dc-returns', onHand: 5 });
  const base = newOrder({
    orderId: ids.orderId(),
    channel: 'web',
    now: '2025-05-30T10:00:00.000Z',
    request: PlaceOrderRequestSchema.parse({
      customer: { customerId: 'c' },
      currency: 'EUR',
      lines: [
        { sku: 'A', quantity: 3, unitPrice: 1000 },
        { sku: 'B', quantity: 1, unitPrice: 500 },
      ],
      delivery: { method: 'pickup', locationId: 'store-1' },
    }),
  });
  // Line 1: 2 of 3 shipped; line 2: not shipped.
  const order: Order = {
    ...base,
    status: 'PARTIALLY_SHIPPED',
    lines: base.lines.map((l, i) =>
      i === 0
        ? { ...l, status: 'SHIPPED', quantities: { ...l.quantities, allocated: 3, shipped: 2 } }
        : { ...l, status: 'ALLOCATED', quantities: { ...l.quantities, allocated: 1 } },
    ),
  };
  orders.add(order);
  orders.historyLog.set(order.orderId, [
    {
      at: SHIPPED_AT,
      from: 'RELEASED',
      to: 'PARTIALLY_SHIPPED',
      by: { type: 'system', id: 't' },
      reason: 'shipped',
    },
  ]);
  const createReturn = makeCreateReturn({ orders, returns, locations, clock, ids });
  const steps = makeReturnWorkflowSteps({
    returns,
    orders,
    adjustInventory: makeAdjustInventory({ inventory, locations, clock, ids }),
    engine,
    clock,
    ids,
  });
  const recordEvent = makeRecordReturnEvent({ returns, engine, clock, ids });
  let key = 0;
  const create = (body: unknown, caller: Caller = web) =>
    createReturn({ caller, orderId: order.orderId, idempotencyKey: `k-${++key}`, body, correlationId: 'c' });
  return { clock, orders, returns, inventory, engine, order, createReturn, create, steps, recordEvent };
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const mailOne = { method: 'mail', lines: [{ lineId: '1', quantity: 1, reason: 'wrong-size' }] };

describe('authorising a return (POST /orders/{id}/returns)', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  test('a mail return goes to a warehouse with the returns capability; RMA and ReturnAuthorized together', async () => {
    const { rma, created } = await s.create(mailOne);
    expect(created).toBe(true);
    expect(rma).toMatchObject({
      status: 'AUTHORIZED',
      method: 'mail',
      returnLocationId: 'dc-returns',
      currency: 'EUR',
      lines: [{ lineId: '1', sku: 'A', quantity: 1, unitPrice: 1000, reason: 'wrong-size' }],
      expiresAt: '2025-07-02T12:00:00.000Z',
    });
    expect(s.returns.events.map((e) => e.type)).toEqual(['ReturnAuthorized']);
    expect(() => catalog.parseEvent(s.returns.events[0])).not.toThrow();
  });

  test('returning more than was shipped is refused naming the line quantity; nothing is written', async () => {
    const error = await rejection(
      s.create({ method: 'mail', lines: [{ lineId: '1', quantity: 3, reason: 'changed-mind' }] }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.details.errors).toEqual([
      expect.objectContaining({ field: 'lines[0].quantity', message: expect.stringContaining('2 shipped') }),
    ]);
    expect(s.returns.rmas.size).toBe(0);
    expect(s.returns.events).toHaveLength(0);
  });

  test('a line that has not shipped has nothing returnable', async () => {
    const error = await rejection(
      s.create({ method: 'mail', lines: [{ lineId: '2', quantity: 1, reason: 'other' }] }),
    );
    expect(error.kind).toBe('conflict');
    expect(error.details.errors).toEqual([
      expect.objectContaining({
        field: 'lines[0].quantity',
        message: expect.stringContaining('has not shipped'),
      }),
    ]);
  });

  test('units on an open RMA are no longer returnable; an expired RMA gives them back', async () => {
    const first = await s.create({ method: 'mail', lines: [{ lineId: '1', quantity: 2, reason: 'other' }] });
    const error = await rejection(s.create(mailOne));
    expect(error.details.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('2 already returned or on an open return'),
      }),
    ]);
    await s.steps.expire({ rmaId: first.rma.rmaId });
    expect((await s.returns.get(first.rma.rmaId))?.status).toBe('EXPIRED');
    await expect(s.create(mailOne)).resolves.toMatchObject({ created: true });
  });

  test('after the return window closes, no return is authorised', async () => {
    s.clock.advance(31 * 86_400);
    const error = await rejection(s.create(mailOne));
    expect(error.kind).toBe('conflict');
    expect(error.message).toContain('return window');
  });

  test('unknown lines and bad bodies are 400s naming the field', async () => {
    const unknown = await rejection(
      s.create({ method: 'mail', lines: [{ lineId: '9', quantity: 1, reason: 'other' }] }),
    );
    expect(unknown.kind).toBe('validation');
    expect(unknown.details.errors?.[0]?.field).toBe('lines[0].lineId');
    const store = await rejection(s.create({ method: 'store', lines: mailOne.lines }));
    expect(store.details.errors?.[0]?.field).toBe('returnLocationId');
    const noKey = await rejection(
      s.createReturn({
        caller: web,
        orderId: s.order.orderId,
        idempotencyKey: undefined,
        body: mailOne,
        correlationId: 'c',
      }),
    );
    expect(noKey.details.errors?.[0]?.field).toBe('header:Idempotency-Key');
  });

  test('store returns need a store with the returns capability (BORIS)', async () => {
    const bad = await rejection(s.create({ ...mailOne, method: 'store', returnLocationId: 'store-2' }));
    expect(bad.details.errors?.[0]).toMatchObject({ field: 'returnLocationId' });
    const warehouse = await rejection(
      s.create({ ...mailOne, method: 'store', returnLocationId: 'dc-returns' }),
    );
    expect(warehouse.kind).toBe('validation');
    const { rma } = await s.create({ ...mailOne, method: 'store', returnLocationId: 'store-1' });
    expect(rma).toMatchObject({ method: 'store', returnLocationId: 'store-1' });
  });

  test('the same Idempotency-Key returns the same RMA; with another body it is refused', async () => {
    const call = (body: unknown) =>
      s.createReturn({
        caller: web,
        orderId: s.order.orderId,
        idempotencyKey: 'same',
        body,
        correlationId: 'c',
      });
    const all = { ...mailOne, lines: [{ ...mailOne.lines[0], quantity: 2 }] };
    const first = await call(all);
    // A replay after the units are on the RMA is still the same RMA, not "more than shipped".
    const again = await call(all);
    expect(again).toEqual({ rma: first.rma, created: false });
    const other = await rejection(call(mailOne));
    expect(other.kind).toBe('idempotency-key-reused');
  });

  test("another channel's order reads as not found; GET /returns/{id} is scoped the same way", async () => {
    const marketplace: Caller = { channel: 'marketplace', admin: false, scopes: ['orders'] };
    expect((await rejection(s.create(mailOne, marketplace))).kind).toBe('not-found');
    const { rma } = await s.create(mailOne);
    const getReturn = makeGetReturn({ returns: s.returns });
    await expect(getReturn({ caller: web, rmaId: rma.rmaId })).resolves.toMatchObject({ rmaId: rma.rmaId });
    expect((await rejection(getReturn({ caller: marketplace, rmaId: rma.rmaId }))).kind).toBe('not-found');
    // The return location's partner reads it too; another location's partner does not.
    const partner = (locationIds: string[]): Caller => ({
      channel: 'partner',
      admin: false,
      scopes: ['fulfillment'],
      locationIds,
    });
    await expect(getReturn({ caller: partner(['dc-returns']), rmaId: rma.rmaId })).resolves.toMatchObject({
      rmaId: rma.rmaId,
    });
    expect((await rejection(getReturn({ caller: partner(['store-1']), rmaId: rma.rmaId }))).kind).toBe(
      'not-found',
    );
  });
});

describe('returns workflow steps and partner events', () => {
  test('receipt → restock → refund → complete: stock, events, order history', async () => {
    const s = setup();
    const { rma } = await s.create({
      method: 'mail',
      lines: [{ lineId: '1', quantity: 2, reason: 'defective' }],
    });
    s.engine.waiting.add('t-receipt');
    expect(await s.steps.awaitReceipt({ rmaId: rma.rmaId, taskToken: 't-receipt' })).toEqual({
      waiting: true,
    });

    const received = {
      type: 'received',
      eventId: 'wms-1',
      lines: [
        { lineId: '1', quantity: 1, disposition: 'restock' },
        { lineId: '1', quantity: 1, disposition: 'dispose', note: 'torn' },
      ],
    };
    const out = await s.recordEvent({
      reporter: warehousePartner,
      rmaId: rma.rmaId,
      body: received,
      correlationId: 'c',
    });
    expect(out.applied).toBe(true);
    expect(out.rma.lines[0]).toMatchObject({ received: 2, restocked: 1, disposed: 1 });
    expect(s.engine.signals).toEqual([
      { token: 't-receipt', kind: 'success', payload: { received: 2, restocked: 1, disposed: 1 } },
    ]);
    // The same report again changes nothing.
    const replay = await s.recordEvent({
      reporter: warehousePartner,
      rmaId: rma.rmaId,
      body: received,
      correlationId: 'c',
    });
    expect(replay.applied).toBe(false);

    expect(await s.steps.restock({ rmaId: rma.rmaId })).toEqual({ restocked: 1 });
    expect(await s.steps.restock({ rmaId: rma.rmaId })).toEqual({ restocked: 1 }); // retried: applied once
    expect(s.inventory.position('A', 'dc-returns')?.onHand).toBe(6);

    s.engine.waiting.add('t-refund');
    expect(await s.steps.requestRefund({ rmaId: rma.rmaId, taskToken: 't-refund' })).toEqual({
      waiting: true,
      amount: 2000,
    });
    const refund = await s.recordEvent({
      reporter: ops,
      rmaId: rma.rmaId,
      body: { type: 'refund-issued', eventId: 'psp-1', providerReference: 're_1' },
      correlationId: 'c',
    });
    expect(refund.rma.refund).toEqual({
      refundId: `rf_${rma.rmaId.slice(4)}`,
      amount: 2000,
      providerReference: 're_1',
    });
    expect(s.engine.signals.at(-1)).toMatchObject({ token: 't-refund', kind: 'success' });

    await s.steps.complete({ rmaId: rma.rmaId });
    await s.steps.complete({ rmaId: rma.rmaId });
    expect((await s.returns.get(rma.rmaId))?.status).toBe('COMPLETED');
    const order = await s.orders.get(s.order.orderId);
    expect(order?.lines[0]?.quantities.returned).toBe(2);
    expect(order?.version).toBe(s.order.version + 1);
    const history = await s.orders.history(s.order.orderId);
    expect(history.at(-1)?.reason).toContain(
      `return ${rma.rmaId} completed: 2 unit(s) received at dc-returns`,
    );

    const types = s.returns.events.map((e) => e.type);
    expect(types).toEqual([
      'ReturnAuthorized',
      'ReturnReceived',
      'ReturnInspected',
      'RefundRequested',
      'RefundIssued',
    ]);
    for (const event of s.returns.events) expect(() => catalog.parseEvent(event)).not.toThrow();
    // Task tokens never reach an event.
    expect(JSON.stringify(s.returns.events)).not.toContain('t-re');
  });

  test('a receipt reported before the workflow waits completes the waiting step at once', async () => {
    const s = setup();
    const { rma } = await s.create(mailOne);
    await s.recordEvent({
      reporter: warehousePartner,
      rmaId: rma.rmaId,
      body: {
        type: 'received',
        eventId: 'e1',
        lines: [{ lineId: '1', quantity: 1, disposition: 'restock' }],
      },
      correlationId: 'c',
    });
    s.engine.waiting.add('late');
    expect(await s.steps.awaitReceipt({ rmaId: rma.rmaId, taskToken: 'late' })).toEqual({ waiting: false });
    expect(s.engine.signals).toEqual([
      { token: 'late', kind: 'success', payload: { received: 1, restocked: 1, disposed: 0 } },
    ]);
  });

  test('partners report only on RMAs at their locations; more than authorised is refused', async () => {
    const s = setup();
    const { rma } = await s.create(mailOne);
    const body = {
      type: 'received',
      eventId: 'e1',
      lines: [{ lineId: '1', quantity: 2, disposition: 'restock' }],
    };
    expect(
      (await rejection(s.recordEvent({ reporter: otherPartner, rmaId: rma.rmaId, body, correlationId: 'c' })))
        .kind,
    ).toBe('not-found');
    const channel: ReturnReporter = { admin: false, id: 'web' };
    expect(
      (await rejection(s.recordEvent({ reporter: channel, rmaId: rma.rmaId, body, correlationId: 'c' })))
        .kind,
    ).toBe('forbidden');
    const tooMany = await rejection(
      s.recordEvent({ reporter: warehousePartner, rmaId: rma.rmaId, body, correlationId: 'c' }),
    );
    expect(tooMany.kind).toBe('conflict');
    expect(tooMany.details.errors?.[0]?.field).toBe('lines[0].quantity');
    expect((await s.returns.get(rma.rmaId))?.status).toBe('AUTHORIZED');
  });

  test('a retryable refund failure fails the waiting task with RefundFailed (the state machine retries)', async () => {
    const s = setup();
    const { rma } = await s.create(mailOne);
    await s.recordEvent({
      reporter: ops,
      rmaId: rma.rmaId,
      body: {
        type: 'received',
        eventId: 'e1',
        lines: [{ lineId: '1', quantity: 1, disposition: 'dispose' }],
      },
      correlationId: 'c',
    });
    expect(await s.steps.restock({ rmaId: rma.rmaId })).toEqual({ restocked: 0 });
    expect(s.inventory.position('A', 'dc-returns')?.onHand).toBe(5);
    s.engine.waiting.add('r1');
    await s.steps.requestRefund({ rmaId: rma.rmaId, taskToken: 'r1' });
    await s.recordEvent({
      reporter: ops,
      rmaId: rma.rmaId,
      body: { type: 'refund-failed', eventId: 'p1', reason: 'provider-error', retryable: true },
      correlationId: 'c',
    });
    expect(s.engine.signals.at(-1)).toEqual({
      token: 'r1',
      kind: 'failure',
      payload: { error: 'RefundFailed', cause: 'provider-error' },
    });
    s.engine.waiting.add('r2');
    await s.steps.requestRefund({ rmaId: rma.rmaId, taskToken: 'r2' });
    expect(s.returns.events.filter((e) => e.type === 'RefundRequested')).toHaveLength(2);
    expect(s.returns.events.filter((e) => e.type === 'RefundFailed')).toHaveLength(1);
  });

  test('a key with the payments scope reports refunds on any RMA, but not receipts', async () => {
    const s = setup();
    const { rma } = await s.create(mailOne);
    const payments = reporterOf({ channel: 'payments', admin: false, scopes: ['payments'] });
    expect(payments).toEqual({ admin: false, id: 'payments', payments: true });
    expect(reporterOf({ channel: 'web', admin: false, scopes: ['orders'] }).payments).toBeUndefined();
    const receipt = {
      type: 'received',
      eventId: 'e1',
      lines: [{ lineId: '1', quantity: 1, disposition: 'dispose' }],
    };
    expect(
      (
        await rejection(
          s.recordEvent({ reporter: payments, rmaId: rma.rmaId, body: receipt, correlationId: 'c' }),
        )
      ).kind,
    ).toBe('not-found');
    await s.recordEvent({ reporter: ops, rmaId: rma.rmaId, body: receipt, correlationId: 'c' });
    await s.steps.restock({ rmaId: rma.rmaId });
    s.engine.waiting.add('r1');
    await s.steps.requestRefund({ rmaId: rma.rmaId, taskToken: 'r1' });
    const out = await s.recordEvent({
      reporter: payments,
      rmaId: rma.rmaId,
      body: { type: 'refund-issued', eventId: 'p1', providerReference: 'psp_1' },
      correlationId: 'c',
    });
    expect(out.applied).toBe(true);
    expect(s.returns.events.filter((e) => e.type === 'RefundIssued')).toHaveLength(1);
    expect(s.engine.signals.at(-1)).toMatchObject({ token: 'r1', kind: 'success' });
  });

  test('a fulfilment partner cannot report a refund, not even on a return at its own location', async () => {
    const s = setup();
    const { rma } = await s.create(mailOne);
    const receipt = {
      type: 'received',
      eventId: 'e1',
      lines: [{ lineId: '1', quantity: 1, disposition: 'dispose' }],
    };
    await s.recordEvent({ reporter: warehousePartner, rmaId: rma.rmaId, body: receipt, correlationId: 'c' });
    await s.steps.restock({ rmaId: rma.rmaId });
    s.engine.waiting.add('r1');
    await s.steps.requestRefund({ rmaId: rma.rmaId, taskToken: 'r1' });
    for (const body of [
      { type: 'refund-issued', eventId: 'p1', providerReference: 'psp_1' },
      { type: 'refund-failed', eventId: 'p2', reason: 'provider-error', retryable: false },
    ]) {
      const refused = await rejection(
        s.recordEvent({ reporter: warehousePartner, rmaId: rma.rmaId, body, correlationId: 'c' }),
      );
      expect(refused.kind).toBe('not-found');
    }
    expect((await s.returns.get(rma.rmaId))?.status).toBe('REFUND_REQUESTED');
    expect(s.returns.events.filter((e) => e.type === 'RefundIssued' || e.type === 'RefundFailed')).toEqual(
      [],
    );
    expect(s.engine.signals.filter((signal) => signal.token === 'r1')).toEqual([]);
  });

  test('fail records the error on the RMA and drops the task token', async () => {
    const s = setup();
    const { rma } = await s.create(mailOne);
    s.engine.waiting.add('t');
    await s.steps.awaitReceipt({ rmaId: rma.rmaId, taskToken: 't' });
    await s.steps.fail({ rmaId: rma.rmaId, error: { Error: 'Boom', Cause: 'it broke' } });
    const failed = await s.returns.get(rma.rmaId);
    expect(failed).toMatchObject({ status: 'FAILED', failure: { error: 'Boom', cause: 'it broke' } });
    expect(failed?.taskToken).toBeUndefined();
  });
});

test('return methods and dispositions agree with the event catalog', () => {
  expect(RETURN_METHODS).toEqual(catalog.RETURN_METHODS);
  expect(RETURN_DISPOSITIONS).toEqual(catalog.RETURN_DISPOSITIONS);
});

test("a conflict's details never replace the problem's HTTP status (was a 502 for { status: 'SHIPPED' })", () => {
  const problem = toProblem(conflict('Order is SHIPPED', { status: 'SHIPPED', rmaStatus: 'AUTHORIZED' }));
  expect(problem.status).toBe(409);
  expect(problem.rmaStatus).toBe('AUTHORIZED');
});
