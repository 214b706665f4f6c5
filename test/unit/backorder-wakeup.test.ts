import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { inventoryChangeReason } from '../../shared/domain/inventory-change.ts';
import type { Location } from '../../shared/domain/location.ts';
import { parseEvent } from '../../shared/events/catalog.ts';
import type { TaskSignalOutcome } from '../../shared/ports/workflow-engine.ts';
import {
  makeInventoryChangedEvents,
  type PositionChange,
} from '../../shared/usecases/inventory-changed-events.ts';
import { makeWakeBackorders } from '../../shared/usecases/wake-backorders.ts';
import {
  InMemoryInventoryStore,
  InMemoryLocationRepository,
  InMemoryOrderRepository,
} from '../support/in-memory-inventory.ts';
import { FakeWorkflowEngine, InMemoryShipmentRepository } from '../support/in-memory-shipments.ts';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.TABLE_NAME = 'unit-test-table';
const { positionChange } = await import('../../functions/events/publish-inventory-changes.ts');

const warehouse = (locationId: string, status: Location['status'] = 'active'): Location => ({
  locationId,
  name: locationId,
  type: 'warehouse',
  geo: { lat: 0, lon: 0 },
  capabilities: ['ship'],
  dailyShipmentCapacity: 1000,
  shipmentFixedCost: 500,
  unitHandlingCost: 100,
  status,
  transferToStores: false,
});

describe('why a position changed (from its stream images)', () => {
  const p = (onHand: number, reserved: number, syncSequence = 1, safetyStock = 0) => ({
    onHand,
    reserved,
    syncSequence,
    safetyStock,
  });
  it.each([
    ['a new position', undefined, p(5, 0), 'sync'],
    ['a newer sync with another count', p(5, 0, 1), p(8, 0, 2), 'sync'],
    ['a newer sync of the same count and safety stock', p(5, 0, 1), p(5, 0, 2), undefined],
    ['a reservation', p(5, 0), p(5, 2), 'reservation'],
    ['a release', p(5, 2), p(5, 0), 'reservation-released'],
    ['a shipment (on hand and reserved fall together)', p(5, 2), p(3, 0), 'shipment'],
    ['an adjustment', p(5, 0), p(7, 0), 'adjustment'],
    ['a timestamp only', p(5, 1), p(5, 1), undefined],
  ] as const)('%s → %s', (_what, before, after, reason) => {
    expect(inventoryChangeReason(before, after)).toBe(reason);
  });
});

describe('InventoryChanged from the table stream', () => {
  const record = (
    seq: string,
    newImage: Record<string, unknown>,
    oldImage?: Record<string, unknown>,
  ): DynamoDBRecord => ({
    eventName: oldImage ? 'MODIFY' : 'INSERT',
    dynamodb: {
      SequenceNumber: seq,
      ApproximateCreationDateTime: 1_795_000_000,
      NewImage: marshall(newImage) as never,
      ...(oldImage ? { OldImage: marshall(oldImage) as never } : {}),
    },
  });
  const position = (onHand: number, reserved: number, extra: Record<string, unknown> = {}) => ({
    PK: 'SKU#MUG',
    SK: 'LOC#WH-A',
    entity: 'POSITION',
    onHand,
    reserved,
    safetyStock: 1,
    syncSequence: 1,
    ...extra,
  });

  it('a position item carries its own totals; a bucket of a hot position is read for them', () => {
    expect(positionChange(record('10', position(5, 2), position(5, 0)))).toEqual({
      changeId: '10',
      sku: 'MUG',
      locationId: 'WH-A',
      reason: 'reservation',
      occurredAt: new Date(1_795_000_000_000).toISOString(),
      position: { onHand: 5, reserved: 2, safetyStock: 1 },
    });
    const bucket = { ...position(2, 1), PK: 'SKU#MUG#BUCKET#3', entity: 'POSITION_BUCKET' };
    const change = positionChange(record('11', bucket, { ...bucket, reserved: 0 }));
    expect(change).toMatchObject({ sku: 'MUG', locationId: 'WH-A', reason: 'reservation' });
    expect(change?.position).toBeUndefined();
    expect(positionChange(record('12', position(5, 0, { buckets: 4 })))?.position).toBeUndefined();
  });

  it('ignores what is not a position, and changes that do not move availability', () => {
    expect(positionChange(record('1', { PK: 'ORDER#x', SK: 'ORDER', entity: 'ORDER' }))).toBeUndefined();
    expect(positionChange(record('2', position(5, 0), position(5, 0)))).toBeUndefined();
    expect(positionChange({ eventName: 'REMOVE', dynamodb: { SequenceNumber: '3' } })).toBeUndefined();
  });

  it('coalesces a burst of one position into one event with its latest state; ids are stable per change', async () => {
    const inventory = new InMemoryInventoryStore();
    inventory.seed({ sku: 'HOT', locationId: 'WH-B', onHand: 40, reserved: 7, safetyStock: 2 });
    const events = makeInventoryChangedEvents({ inventory });
    const change = (changeId: string, over: Partial<PositionChange>): PositionChange => ({
      changeId,
      sku: 'MUG',
      locationId: 'WH-A',
      reason: 'reservation',
      occurredAt: '2026-11-23T10:00:00.000Z',
      position: { onHand: 5, reserved: 1, safetyStock: 0 },
      ...over,
    });
    const out = await events([
      change('1', {}),
      change('2', { sku: 'HOT', locationId: 'WH-B', position: undefined }),
      change('3', { reason: 'reservation-released', position: { onHand: 5, reserved: 0, safetyStock: 0 } }),
    ]);
    expect(out.map((e) => [e.eventId, e.data])).toEqual([
      [
        'evt_inv_2',
        { sku: 'HOT', locationId: 'WH-B', onHand: 40, reserved: 7, ats: 31, reason: 'reservation' },
      ],
      [
        'evt_inv_3',
        { sku: 'MUG', locationId: 'WH-A', onHand: 5, reserved: 0, ats: 5, reason: 'reservation-released' },
      ],
    ]);
    for (const e of out) expect(parseEvent(e).type).toBe('InventoryChanged');
    expect((await events([change('3', {})]))[0]?.eventId).toBe('evt_inv_3');
  });
});

describe('waking backordered orders', () => {
  function setup() {
    const inventory = new InMemoryInventoryStore();
    const locations = new InMemoryLocationRepository([warehouse('WH-A'), warehouse('WH-P', 'paused')]);
    const shipments = new InMemoryShipmentRepository();
    const engine = new FakeWorkflowEngine();
    const orders = new InMemoryOrderRepository();
    const wake = makeWakeBackorders({ shipments, inventory, locations, engine, orders });
    const wait = (orderId: string, orderedAt: string, quantity: number, sku = 'MUG') =>
      shipments.putWaiter({
        orderId,
        kind: 'backorder',
        taskToken: `token-${orderId}`,
        skus: [sku],
        createdAt: orderedAt,
        orderedAt,
        backordered: [{ sku, quantity }],
      });
    return { inventory, shipments, engine, wake, wait };
  }

  it('wakes the oldest orders first, as many as the available units serve, and takes them off the list', async () => {
    const t = setup();
    await t.wait('ord_new', '2026-11-22T00:00:00.000Z', 1);
    await t.wait('ord_old', '2026-11-20T00:00:00.000Z', 2);
    await t.wait('ord_mid', '2026-11-21T00:00:00.000Z', 2);
    await t.wait('ord_lamp', '2026-11-19T00:00:00.000Z', 1, 'LAMP');
    t.inventory.seed({ sku: 'MUG', locationId: 'WH-A', onHand: 5, reserved: 1, safetyStock: 1 });
    // Units at a paused location serve nobody.
    t.inventory.seed({ sku: 'MUG', locationId: 'WH-P', onHand: 50 });

    const result = await t.wake({ sku: 'MUG' });
    // 3 to sell: the oldest (2) and the next (2, partly served; it allocates what there is).
    expect(result).toEqual({ sku: 'MUG', ats: 3, woken: ['ord_old', 'ord_mid'], gone: [], held: [] });
    expect(t.engine.signals.map((s) => [s.kind, s.token])).toEqual([
      ['success', 'token-ord_old'],
      ['success', 'token-ord_mid'],
    ]);
    expect((await t.shipments.listBackorderWaiters('MUG', 10)).map((w) => w.orderId)).toEqual(['ord_new']);
    expect(await t.shipments.listBackorderWaiters('LAMP', 10)).toHaveLength(1);
  });

  it('nothing to sell wakes nobody', async () => {
    const t = setup();
    await t.wait('ord_a', '2026-11-20T00:00:00.000Z', 1);
    t.inventory.seed({ sku: 'MUG', locationId: 'WH-A', onHand: 2, reserved: 2 });
    expect(await t.wake({ sku: 'MUG' })).toEqual({ sku: 'MUG', ats: 0, woken: [], gone: [], held: [] });
    expect(t.engine.signals).toEqual([]);
    expect(await t.shipments.listBackorderWaiters('MUG', 10)).toHaveLength(1);
  });

  it('a wait that already ended is taken off the list and does not use up the stock', async () => {
    const t = setup();
    await t.wait('ord_gone', '2026-11-19T00:00:00.000Z', 1);
    await t.wait('ord_next', '2026-11-20T00:00:00.000Z', 1);
    t.inventory.seed({ sku: 'MUG', locationId: 'WH-A', onHand: 1 });
    t.engine.sendTaskSuccess = async (token: string, output: unknown): Promise<TaskSignalOutcome> => {
      t.engine.signals.push({ kind: 'success', token, detail: output });
      return token === 'token-ord_gone' ? 'gone' : 'sent';
    };
    expect(await t.wake({ sku: 'MUG' })).toMatchObject({ woken: ['ord_next'], gone: ['ord_gone'] });
    expect(await t.shipments.listBackorderWaiters('MUG', 10)).toEqual([]);
  });

  it('a woken order that already waits again (a new token) keeps its new place', async () => {
    const t = setup();
    await t.wait('ord_a', '2026-11-20T00:00:00.000Z', 2);
    t.inventory.seed({ sku: 'MUG', locationId: 'WH-A', onHand: 1 });
    // The execution is so quick that it waits again before the wake-up takes the old wait off.
    t.engine.sendTaskSuccess = async (token: string): Promise<TaskSignalOutcome> => {
      await t.shipments.putWaiter({
        orderId: 'ord_a',
        kind: 'backorder',
        taskToken: 'token-ord_a-2',
        skus: ['MUG'],
        createdAt: '2026-11-23T00:00:00.000Z',
        orderedAt: '2026-11-20T00:00:00.000Z',
        backordered: [{ sku: 'MUG', quantity: 1 }],
      });
      return token === 'token-ord_a' ? 'sent' : 'gone';
    };
    expect(await t.wake({ sku: 'MUG' })).toMatchObject({ woken: ['ord_a'] });
    expect(await t.shipments.listBackorderWaiters('MUG', 10)).toMatchObject([
      { orderId: 'ord_a', taskToken: 'token-ord_a-2', quantity: 1 },
    ]);
  });
});
