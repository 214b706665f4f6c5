import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  documentClient,
  makeDynamoOrderRepository,
} from '../../shared/adapters/aws/dynamo-order-repository.ts';
import type { Caller } from '../../shared/domain/caller.ts';
import type { Order, StatusChange } from '../../shared/domain/order.ts';
import type { Clock } from '../../shared/ports/clock.ts';
import { ulidIdGenerator } from '../../shared/ports/id-generator.ts';
import type { OrderRepository } from '../../shared/ports/order-repository.ts';
import { makePlaceOrder } from '../../shared/usecases/place-order.ts';
import { createTestTable, dropTestTable } from '../support/dynamo-table.ts';

/** History entries are keyed by time: two writes of one order in the same millisecond must both land. */
const TABLE = `qm-hist-${randomUUID()}`;
const caller: Caller = { channel: 'web', admin: false, scopes: ['orders'] };
const AT = '2025-06-01T12:00:00.000Z';
const frozen: Clock = { now: () => new Date(AT) };

let client: DynamoDBClient;
let orders: OrderRepository;

beforeAll(async () => {
  client = await createTestTable(TABLE, { orderIndexes: true });
  orders = makeDynamoOrderRepository(documentClient(client), { tableName: TABLE });
});

afterAll(async () => {
  await dropTestTable(client, TABLE);
});

describe('order history on DynamoDB Local', () => {
  it('two updates of one order in the same millisecond both land, each with its history entry', async () => {
    const { order } = await makePlaceOrder({ orders, clock: frozen, ids: ulidIdGenerator() })({
      caller,
      idempotencyKey: randomUUID(),
      correlationId: 'test',
      body: {
        customer: { customerId: 'c-1' },
        currency: 'EUR',
        lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: 1999 }],
        delivery: {
          method: 'ship',
          address: {
            name: 'A Customer',
            line1: '1 Main St',
            city: 'Somewhere',
            postalCode: '10115',
            country: 'DE',
          },
        },
      },
    });
    const change = (from: Order['status'], to: Order['status']): StatusChange => ({
      at: AT,
      from,
      to,
      by: { type: 'system', id: 'test' },
      reason: `${from} → ${to}`,
    });
    const held: Order = { ...order, status: 'ON_HOLD', version: order.version + 1 };
    expect(
      await orders.update({
        order: held,
        expectedVersion: order.version,
        history: [change('CREATED', 'ON_HOLD')],
        events: [],
      }),
    ).toBe('updated');
    const released: Order = { ...held, status: 'CREATED', version: held.version + 1 };
    expect(
      await orders.update({
        order: released,
        expectedVersion: held.version,
        history: [change('ON_HOLD', 'CREATED')],
        events: [],
      }),
    ).toBe('updated');
    const history = await orders.history(order.orderId);
    expect(history.map((c) => [c.from, c.to])).toEqual([
      [null, 'CREATED'],
      ['CREATED', 'ON_HOLD'],
      ['ON_HOLD', 'CREATED'],
    ]);
  });
});
