import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Order, StatusChange } from '../../domain/order.ts';
import type { DomainEvent } from '../../events/envelope.ts';
import {
  type CreateOrderCommand,
  type CreateOrderResult,
  InvalidCursorError,
  type ListOrdersOptions,
  type OrderListQuery,
  type OrderRepository,
  type Page,
  type UpdateOrderCommand,
} from '../../ports/order-repository.ts';
import {
  cancellationReasons,
  type Item,
  queryAll,
  type TransactItem,
  transactWrite,
} from './dynamo-helpers.ts';
import { IDEMPOTENCY_RETENTION_DAYS, keys, ORDER_INDEXES } from './order-keys.ts';

export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

const ORDER_KEY_ATTRIBUTES = [
  'PK',
  'SK',
  'entity',
  'GSI1PK',
  'GSI1SK',
  'GSI2PK',
  'GSI2SK',
  'GSI3PK',
  'GSI3SK',
];

function orderItem(order: Order): Item {
  const sort = keys.orderSort(order.createdAt, order.orderId);
  return {
    ...keys.order(order.orderId),
    entity: 'ORDER',
    GSI1PK: keys.byCustomer(order.customer.customerId),
    GSI1SK: sort,
    GSI2PK: keys.byStatus(order.status),
    GSI2SK: sort,
    GSI3PK: keys.byChannel(order.channel),
    GSI3SK: sort,
    ...order,
  };
}

function toOrder(item: Item): Order {
  const copy: Item = { ...item };
  for (const key of ORDER_KEY_ATTRIBUTES) delete copy[key];
  return copy as Order;
}

function historyItems(
  TableName: string,
  orderId: string,
  version: number,
  history: StatusChange[],
): TransactItem[] {
  return history.map((change, seq) => ({
    Put: {
      TableName,
      Item: { ...keys.history(orderId, change.at, seq, version), entity: 'HISTORY', ...change },
      // Append-only: a history entry is never overwritten.
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  }));
}

/**
 * Outbox records live in the order's partition, so their stream records stay in order per order.
 * `publishedAt` is set by the publisher; until then the record is pending.
 */
function outboxItems(TableName: string, events: DomainEvent[]): TransactItem[] {
  return events.map((event) => ({
    Put: {
      TableName,
      Item: { ...keys.outbox(event.orderId ?? 'none', event.eventId), entity: 'OUTBOX', event },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  }));
}

/**
 * The one TransactWriteItems that captures an order: the idempotency claim (index 0, so a refused
 * claim is recognised by position), the order item (its lines embedded), its first history entry,
 * its outbox records, and the external-id claim (last) when the order has an externalId. Every Put is
 * conditional on the item being new. Exported so bench:capture can time exactly this transaction raw.
 */
export function createOrderTransaction(command: CreateOrderCommand, TableName: string): TransactItem[] {
  const { order } = command;
  const now = Math.floor(Date.parse(order.createdAt) / 1000);
  const items: TransactItem[] = [
    {
      Put: {
        TableName,
        Item: {
          ...keys.idempotency(order.channel, command.idempotency.key),
          entity: 'IDEMPOTENCY',
          orderId: order.orderId,
          requestHash: command.idempotency.requestHash,
          createdAt: order.createdAt,
          expiresAt: now + IDEMPOTENCY_RETENTION_DAYS * 86_400,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    { Put: { TableName, Item: orderItem(order), ConditionExpression: 'attribute_not_exists(PK)' } },
    ...historyItems(TableName, order.orderId, order.version, [command.history]),
    ...outboxItems(TableName, command.events),
  ];
  if (order.externalId !== undefined) {
    items.push({
      Put: {
        TableName,
        Item: {
          ...keys.externalId(order.channel, order.externalId),
          entity: 'EXTERNALID',
          orderId: order.orderId,
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    });
  }
  return items;
}

export interface DynamoOrderRepositoryOptions {
  tableName: string;
  /** For consumed-capacity accounting (bench:cost); off by default. */
  returnConsumedCapacity?: boolean;
}

export function makeDynamoOrderRepository(
  doc: DynamoDBDocumentClient,
  options: DynamoOrderRepositoryOptions,
): OrderRepository {
  const TableName = options.tableName;

  async function getItem(key: Item, consistent = false): Promise<Item | undefined> {
    const out = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: consistent }));
    return out.Item;
  }

  return {
    async create(command: CreateOrderCommand): Promise<CreateOrderResult> {
      const { order } = command;
      const items = createOrderTransaction(command, TableName);
      const claimKey = keys.idempotency(order.channel, command.idempotency.key);
      // The external-id claim, when there is one, is the last item.
      const externalIndex = items.length - 1;
      const reasons = await transactWrite(doc, items, { attempts: 8 });
      if (reasons === undefined) return { outcome: 'created' };
      if (reasons[0] === 'ConditionalCheckFailed') {
        const claim = await getItem(claimKey, true);
        if (claim) {
          return {
            outcome: 'idempotency-key-exists',
            orderId: String(claim.orderId),
            requestHash: String(claim.requestHash),
          };
        }
      }
      if (order.externalId !== undefined && reasons[externalIndex] === 'ConditionalCheckFailed') {
        const existing = await getItem(keys.externalId(order.channel, order.externalId), true);
        return { outcome: 'external-id-exists', orderId: String(existing?.orderId ?? 'unknown') };
      }
      throw new Error(`order capture transaction cancelled: ${reasons.join(', ')}`);
    },

    async get(orderId) {
      const item = await getItem(keys.order(orderId), true);
      return item ? toOrder(item) : undefined;
    },

    async history(orderId) {
      const items = await queryAll(doc, {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.order(orderId).PK, ':prefix': keys.historyPrefix },
        ConsistentRead: true,
      });
      return items.map(({ PK: _pk, SK: _sk, entity: _e, ...change }) => change as StatusChange);
    },

    async update(command: UpdateOrderCommand) {
      if (command.order.version !== command.expectedVersion + 1) {
        throw new Error('update: order.version must be expectedVersion + 1');
      }
      const items: TransactItem[] = [
        {
          Put: {
            TableName,
            Item: orderItem(command.order),
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':expected': command.expectedVersion },
          },
        },
        ...historyItems(TableName, command.order.orderId, command.order.version, command.history),
        ...outboxItems(TableName, command.events),
      ];
      try {
        const reasons = await transactWrite(doc, items, { attempts: 8 });
        return reasons === undefined ? 'updated' : 'version-conflict';
      } catch (error) {
        // Still racing after the retries: report it as a conflict so the use case re-reads and re-decides.
        if (cancellationReasons(error)?.includes('TransactionConflict')) return 'version-conflict';
        throw error;
      }
    },

    async list(query: OrderListQuery, options: ListOrdersOptions): Promise<Page<Order>> {
      const [index, pkAttr, skAttr, pk] =
        query.by === 'customer'
          ? [ORDER_INDEXES.byCustomer, 'GSI1PK', 'GSI1SK', keys.byCustomer(query.customerId)]
          : query.by === 'status'
            ? [ORDER_INDEXES.byStatus, 'GSI2PK', 'GSI2SK', keys.byStatus(query.status)]
            : [ORDER_INDEXES.byChannel, 'GSI3PK', 'GSI3SK', keys.byChannel(query.channel)];
      let startKey = options.cursor === undefined ? undefined : decodeCursor(options.cursor, pkAttr, pk);

      const names: Record<string, string> = { '#pk': pkAttr };
      const values: Item = { ':pk': pk };
      let condition = '#pk = :pk';
      // Sort keys start with the ISO creation time, so a time window is a key range.
      if (options.createdFrom !== undefined || options.createdTo !== undefined) names['#sk'] = skAttr;
      if (options.createdFrom !== undefined && options.createdTo !== undefined) {
        condition += ' AND #sk BETWEEN :from AND :to';
        values[':from'] = options.createdFrom;
        values[':to'] = `${options.createdTo}~`;
      } else if (options.createdFrom !== undefined) {
        condition += ' AND #sk >= :from';
        values[':from'] = options.createdFrom;
      } else if (options.createdTo !== undefined) {
        condition += ' AND #sk <= :to';
        values[':to'] = `${options.createdTo}~`;
      }
      let filter: string | undefined;
      if (options.onlyChannel !== undefined && query.by !== 'channel') {
        filter = '#channel = :channel';
        names['#channel'] = 'channel';
        values[':channel'] = options.onlyChannel;
      }

      // A filter may drop items, so keep reading until the page is full or the index is exhausted.
      const items: Item[] = [];
      let exhausted = false;
      while (items.length < options.limit) {
        const input: QueryCommandInput = {
          TableName,
          IndexName: index,
          KeyConditionExpression: condition,
          FilterExpression: filter,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: filter ? Math.max(options.limit * 2, 25) : options.limit - items.length + 1,
          ExclusiveStartKey: startKey,
        };
        const page = await doc.send(new QueryCommand(input));
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
        if (!startKey) {
          exhausted = true;
          break;
        }
      }
      const pageItems = items.slice(0, options.limit);
      const hasMore = items.length > options.limit || !exhausted;
      const last = pageItems.at(-1);
      return {
        items: pageItems.map(toOrder),
        ...(hasMore && last
          ? {
              nextCursor: encodeCursor({
                PK: last.PK,
                SK: last.SK,
                [pkAttr]: last[pkAttr],
                [skAttr]: last[skAttr],
              }),
            }
          : {}),
      };
    },
  };
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor is only accepted for the partition it came from, so it cannot widen what a caller sees. */
function decodeCursor(cursor: string, pkAttr: string, pk: string): Item {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      key !== null &&
      typeof key === 'object' &&
      (key as Item)[pkAttr] === pk &&
      Object.values(key).every((v) => typeof v === 'string') &&
      Object.keys(key).length === 4
    ) {
      return key as Item;
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
