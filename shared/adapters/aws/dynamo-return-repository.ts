import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Rma } from '../../domain/return.ts';
import type { DomainEvent } from '../../events/envelope.ts';
import type { ReturnRepository } from '../../ports/return-repository.ts';
import { type Item, queryAll, type TransactItem, transactWrite } from './dynamo-helpers.ts';
import { IDEMPOTENCY_RETENTION_DAYS, keys } from './order-keys.ts';

/**
 * RMAs live in their order's partition (`ORDER#id` / `RMA#rmaId`), so an order's returns are one
 * query; a pointer `RMA#rmaId` / `RMA` finds the order from a partner's callback. The order's
 * returns ledger (`ORDER#id` / `RETURNS`) carries a version that every RMA creation advances, so two
 * concurrent authorisations cannot both promise the same shipped units back. See docs/data-model.md.
 */
export const returnKeys = {
  rma: (orderId: string, rmaId: string) => ({ PK: `ORDER#${orderId}`, SK: `RMA#${rmaId}` }),
  rmaPrefix: 'RMA#',
  pointer: (rmaId: string) => ({ PK: `RMA#${rmaId}`, SK: 'RMA' }),
  ledger: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'RETURNS' }),
  idempotency: (channel: string, key: string) => ({
    PK: `RETURN-IDEMPOTENCY#${channel}#${key}`,
    SK: 'IDEMPOTENCY',
  }),
};

/** History sequence slot of return entries, apart from the status changes written at the same instant. */
const RETURN_HISTORY_SEQ = 900;

const strip = ({ PK: _pk, SK: _sk, entity: _e, ...rest }: Item) => rest;

export function makeDynamoReturnRepository(
  doc: DynamoDBDocumentClient,
  options: { tableName: string },
): ReturnRepository {
  const TableName = options.tableName;
  const item = (rma: Rma): Item => ({ ...returnKeys.rma(rma.orderId, rma.rmaId), entity: 'RMA', ...rma });
  const outbox = (events: DomainEvent[]): TransactItem[] =>
    events.map((event) => ({
      Put: {
        TableName,
        Item: { ...keys.outbox(event.orderId ?? 'none', event.eventId), entity: 'OUTBOX', event },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    }));

  return {
    async get(rmaId) {
      const pointer = await doc.send(
        new GetCommand({ TableName, Key: returnKeys.pointer(rmaId), ConsistentRead: true }),
      );
      const orderId = pointer.Item?.orderId as string | undefined;
      if (orderId === undefined) return undefined;
      const out = await doc.send(
        new GetCommand({ TableName, Key: returnKeys.rma(orderId, rmaId), ConsistentRead: true }),
      );
      return out.Item ? (strip(out.Item) as Rma) : undefined;
    },

    async listByOrder(orderId) {
      const items = await queryAll(doc, {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':prefix': returnKeys.rmaPrefix },
        ConsistentRead: true,
      });
      return items.map((i) => strip(i) as Rma);
    },

    async ledgerVersion(orderId) {
      const out = await doc.send(
        new GetCommand({ TableName, Key: returnKeys.ledger(orderId), ConsistentRead: true }),
      );
      return (out.Item?.version as number | undefined) ?? 0;
    },

    async idempotencyClaim(channel, key) {
      const claim = await doc.send(
        new GetCommand({ TableName, Key: returnKeys.idempotency(channel, key), ConsistentRead: true }),
      );
      return claim.Item
        ? { rmaId: String(claim.Item.rmaId), requestHash: String(claim.Item.requestHash) }
        : undefined;
    },

    async create({ rma, events, expectedLedgerVersion, idempotency }) {
      const claimKey = returnKeys.idempotency(idempotency.channel, idempotency.key);
      const reasons = await transactWrite(doc, [
        {
          Put: {
            TableName,
            Item: {
              ...claimKey,
              entity: 'IDEMPOTENCY',
              rmaId: rma.rmaId,
              requestHash: idempotency.requestHash,
              createdAt: rma.createdAt,
              expiresAt: Math.floor(Date.parse(rma.createdAt) / 1000) + IDEMPOTENCY_RETENTION_DAYS * 86_400,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        {
          Put: {
            TableName,
            Item: {
              ...returnKeys.ledger(rma.orderId),
              entity: 'RETURNS',
              version: expectedLedgerVersion + 1,
            },
            ...(expectedLedgerVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(PK)' }
              : {
                  ConditionExpression: '#v = :expected',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedLedgerVersion },
                }),
          },
        },
        { Put: { TableName, Item: item(rma), ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Put: {
            TableName,
            Item: { ...returnKeys.pointer(rma.rmaId), entity: 'RMA_POINTER', orderId: rma.orderId },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        ...outbox(events),
      ]);
      if (reasons === undefined) return { outcome: 'created' };
      if (reasons[0] === 'ConditionalCheckFailed') {
        const claim = await doc.send(new GetCommand({ TableName, Key: claimKey, ConsistentRead: true }));
        if (claim.Item) {
          return {
            outcome: 'idempotency-key-exists',
            rmaId: String(claim.Item.rmaId),
            requestHash: String(claim.Item.requestHash),
          };
        }
      }
      if (reasons[1] === 'ConditionalCheckFailed') return { outcome: 'ledger-changed' };
      throw new Error(`RMA creation transaction cancelled: ${reasons.join(', ')}`);
    },

    async update(rma, expectedVersion, events) {
      const reasons = await transactWrite(doc, [
        {
          Put: {
            TableName,
            Item: item(rma),
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          },
        },
        ...outbox(events),
      ]);
      return reasons === undefined ? 'updated' : 'conflict';
    },

    async complete({ rma, expectedVersion, order, expectedOrderVersion, history, events }) {
      const reasons = await transactWrite(doc, [
        {
          Put: {
            TableName,
            Item: item(rma),
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          },
        },
        {
          // Only the order's lines and version change; its keys and index attributes stay as stored.
          Update: {
            TableName,
            Key: keys.order(order.orderId),
            UpdateExpression: 'SET #lines = :lines, updatedAt = :u, #v = :next',
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#lines': 'lines', '#v': 'version' },
            ExpressionAttributeValues: {
              ':lines': order.lines,
              ':u': order.updatedAt,
              ':next': order.version,
              ':expected': expectedOrderVersion,
            },
          },
        },
        {
          Put: {
            TableName,
            Item: {
              ...keys.history(order.orderId, history.at, RETURN_HISTORY_SEQ),
              entity: 'HISTORY',
              ...history,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        ...outbox(events),
      ]);
      return reasons === undefined ? 'updated' : 'conflict';
    },
  };
}
