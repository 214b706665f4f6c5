import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { makeDynamoShipmentRepository } from '../../shared/adapters/aws/dynamo-shipment-repository.ts';
import type { OrderWaiter, ShipmentRepository } from '../../shared/ports/shipment-repository.ts';
import { createTestTable, dropTestTable } from '../support/dynamo-table.ts';

/** The backorder waitlists of the DynamoDB adapter, against DynamoDB Local. */
const TABLE = `qm-waitlist-${randomUUID()}`;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let shipments: ShipmentRepository;

beforeAll(async () => {
  client = await createTestTable(TABLE);
  doc = documentClient(client);
  shipments = makeDynamoShipmentRepository(doc, { tableName: TABLE });
});
afterAll(async () => {
  await dropTestTable(client, TABLE);
});

const waiter = (
  orderId: string,
  orderedAt: string,
  backordered: { sku: string; quantity: number }[],
  taskToken = `token-${orderId}`,
): OrderWaiter => ({
  orderId,
  kind: 'backorder',
  taskToken,
  skus: backordered.map((b) => b.sku),
  createdAt: '2026-11-23T10:00:00.000Z',
  orderedAt,
  backordered,
});

describe('backorder waitlists (DynamoDB adapter)', () => {
  it('lists the orders waiting for a SKU oldest first, with the units each waits for', async () => {
    await shipments.putWaiter(waiter('ord_c', '2026-11-23T09:00:00.000Z', [{ sku: 'MUG', quantity: 1 }]));
    await shipments.putWaiter(
      waiter('ord_a', '2026-11-20T09:00:00.000Z', [
        { sku: 'MUG', quantity: 2 },
        { sku: 'LAMP', quantity: 1 },
      ]),
    );
    await shipments.putWaiter(waiter('ord_b', '2026-11-21T09:00:00.000Z', [{ sku: 'MUG', quantity: 3 }]));
    const mugs = await shipments.listBackorderWaiters('MUG', 10);
    expect(mugs.map((w) => [w.orderId, w.quantity, w.taskToken])).toEqual([
      ['ord_a', 2, 'token-ord_a'],
      ['ord_b', 3, 'token-ord_b'],
      ['ord_c', 1, 'token-ord_c'],
    ]);
    expect((await shipments.listBackorderWaiters('MUG', 2)).map((w) => w.orderId)).toEqual([
      'ord_a',
      'ord_b',
    ]);
    expect(await shipments.listBackorderWaiters('LAMP', 10)).toMatchObject([
      { orderId: 'ord_a', sku: 'LAMP', quantity: 1 },
    ]);
  });

  it('a new wait replaces the token everywhere and leaves the waitlists of SKUs it no longer waits for', async () => {
    await shipments.putWaiter(
      waiter('ord_a', '2026-11-20T09:00:00.000Z', [{ sku: 'MUG', quantity: 1 }], 'token-ord_a-2'),
    );
    expect(await shipments.listBackorderWaiters('LAMP', 10)).toEqual([]);
    expect((await shipments.listBackorderWaiters('MUG', 10))[0]).toMatchObject({
      orderId: 'ord_a',
      quantity: 1,
      taskToken: 'token-ord_a-2',
    });
  });

  it('deleting with an old token keeps the newer wait; with the current token it leaves every list', async () => {
    await shipments.deleteWaiter('ord_a', 'backorder', 'token-ord_a');
    expect((await shipments.listBackorderWaiters('MUG', 10)).map((w) => w.orderId)).toContain('ord_a');
    expect(await shipments.listWaiters('ord_a')).toHaveLength(1);

    await shipments.deleteWaiter('ord_a', 'backorder', 'token-ord_a-2');
    expect((await shipments.listBackorderWaiters('MUG', 10)).map((w) => w.orderId)).toEqual([
      'ord_b',
      'ord_c',
    ]);
    expect(await shipments.listWaiters('ord_a')).toEqual([]);

    // Without a token (the deadline passed, the order was cancelled): whatever wait there is.
    await shipments.deleteWaiter('ord_b', 'backorder');
    expect((await shipments.listBackorderWaiters('MUG', 10)).map((w) => w.orderId)).toEqual(['ord_c']);
  });
});
