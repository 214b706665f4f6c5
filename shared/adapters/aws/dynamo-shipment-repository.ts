import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { LIVE_SHIPMENT_STATUSES, type Shipment, unitsLeft } from '../../domain/shipment.ts';
import type { DomainEvent } from '../../events/envelope.ts';
import { InvalidCursorError } from '../../ports/order-repository.ts';
import type { BackorderWaiter, OrderWaiter, ShipmentRepository } from '../../ports/shipment-repository.ts';
import { type Item, queryAll, type TransactItem, transactWrite } from './dynamo-helpers.ts';
import { keys, SHIPMENT_INDEXES } from './order-keys.ts';

/**
 * Shipments live in their order's partition (`ORDER#id` / `SHIPMENT#shipmentId`), so an order's
 * shipments are one query; a pointer item `SHIPMENT#shipmentId` / `SHIPMENT` finds the order from a
 * partner's callback. Waiters (`ORDER#id` / `WAIT#kind`) hold order-level task tokens; a backorder
 * waiter is also on each of its SKUs' waitlists (`BACKORDER#sku` / `<orderedAt>#<orderId>`).
 * An open shipment is also in the sparse GSI4 (`OPENSHIPMENTS#locationId` / `<requestedAt>#<id>`).
 */
export const shipmentKeys = {
  shipment: (orderId: string, shipmentId: string) => ({
    PK: `ORDER#${orderId}`,
    SK: `SHIPMENT#${shipmentId}`,
  }),
  shipmentPrefix: 'SHIPMENT#',
  pointer: (shipmentId: string) => ({ PK: `SHIPMENT#${shipmentId}`, SK: 'SHIPMENT' }),
  waiter: (orderId: string, kind: string) => ({ PK: `ORDER#${orderId}`, SK: `WAIT#${kind}` }),
  waiterPrefix: 'WAIT#',
  /** A SKU's backorder waitlist, sorted by when the order was placed (first come, first served). */
  waitlist: (sku: string, orderedAt: string, orderId: string) => ({
    PK: `BACKORDER#${sku}`,
    SK: `${orderedAt}#${orderId}`,
  }),
  waitlistPartition: (sku: string) => `BACKORDER#${sku}`,
};

function outbox(events: DomainEvent[], TableName: string): TransactItem[] {
  return events.map((event) => ({
    Put: {
      TableName,
      Item: { ...keys.outbox(event.orderId ?? 'none', event.eventId), entity: 'OUTBOX', event },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  }));
}

/** Waiting at a pickup counter, or given up as not collected and not yet settled. */
const pickupDue = (s: Shipment) =>
  s.pickupBy !== undefined && (s.status === 'READY_FOR_PICKUP' || s.notCollectedPending === true);

/** The stored item without its keys (index keys included: they follow the status on every write). */
const strip = ({ PK: _pk, SK: _sk, entity: _e, GSI4PK: _gpk, GSI4SK: _gsk, ...rest }: Item) => rest;

export function makeDynamoShipmentRepository(
  doc: DynamoDBDocumentClient,
  options: { tableName: string },
): ShipmentRepository {
  const TableName = options.tableName;
  const getWaiter = async (orderId: string, kind: OrderWaiter['kind']) => {
    const out = await doc.send(
      new GetCommand({ TableName, Key: shipmentKeys.waiter(orderId, kind), ConsistentRead: true }),
    );
    return out.Item ? (strip(out.Item) as OrderWaiter) : undefined;
  };
  const item = (shipment: Shipment): Item => ({
    ...shipmentKeys.shipment(shipment.orderId, shipment.shipmentId),
    entity: 'SHIPMENT',
    ...strip(shipment),
    // Every write puts the whole item, so a shipment that stops being open drops out of the index.
    ...(LIVE_SHIPMENT_STATUSES.includes(shipment.status)
      ? {
          GSI4PK: keys.openShipmentsAt(shipment.locationId),
          GSI4SK: keys.openShipmentSort(shipment.requestedAt, shipment.shipmentId),
        }
      : pickupDue(shipment)
        ? {
            GSI4PK: keys.pickupsDue,
            GSI4SK: keys.pickupDueSort(shipment.pickupBy!, shipment.shipmentId),
          }
        : {}),
  });

  /** Reads `input` until `limit` items passed the filter (or the partition ends), one beyond to know. */
  async function pageOf(
    input: QueryCommandInput,
    limit: number,
    from?: Item,
  ): Promise<{ items: Item[]; more: boolean }> {
    const items: Item[] = [];
    let startKey: Item | undefined = from;
    for (;;) {
      const out = await doc.send(
        new QueryCommand({ ...input, Limit: limit + 1 - items.length, ExclusiveStartKey: startKey }),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
      if (items.length > limit) return { items: items.slice(0, limit), more: true };
      if (!startKey) return { items, more: false };
    }
  }

  return {
    async get(shipmentId) {
      const pointer = await doc.send(
        new GetCommand({ TableName, Key: shipmentKeys.pointer(shipmentId), ConsistentRead: true }),
      );
      const orderId = pointer.Item?.orderId as string | undefined;
      if (orderId === undefined) return undefined;
      const out = await doc.send(
        new GetCommand({ TableName, Key: shipmentKeys.shipment(orderId, shipmentId), ConsistentRead: true }),
      );
      return out.Item ? (strip(out.Item) as Shipment) : undefined;
    },

    async listByOrder(orderId) {
      const items = await queryAll(doc, {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':prefix': shipmentKeys.shipmentPrefix },
        ConsistentRead: true,
      });
      return items.map((i) => strip(i) as Shipment);
    },

    async pageByOrder(orderId, options) {
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'shipment');
      const pk = `ORDER#${orderId}`;
      const locations = options.locationIds ?? [];
      const values: Item = { ':pk': pk, ':prefix': shipmentKeys.shipmentPrefix };
      locations.forEach((l, i) => {
        values[`:l${i}`] = l;
      });
      let filter: string | undefined;
      if (options.locationIds !== undefined) {
        filter =
          locations.length === 0
            ? 'attribute_not_exists(PK)'
            : `locationId IN (${locations.map((_, i) => `:l${i}`).join(', ')})`;
      }
      const { items, more } = await pageOf(
        {
          TableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ...(filter === undefined ? {} : { FilterExpression: filter }),
          ExpressionAttributeValues: values,
          ConsistentRead: true,
        },
        options.limit,
        after === undefined ? undefined : shipmentKeys.shipment(orderId, after),
      );
      const shipments = items.map((i) => strip(i) as Shipment);
      const last = shipments.at(-1);
      return {
        items: shipments,
        ...(more && last ? { nextCursor: encodeCursor('shipment', last.shipmentId) } : {}),
      };
    },

    async pageOpenAt(locationIds, options) {
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'open');
      // One query per location, each from the cursor's sort key on; merged, the first `limit` are
      // the page. The sort key orders every location alike, so one key is the whole cursor.
      const pages = await Promise.all(
        [...new Set(locationIds)].map((locationId) =>
          pageOf(
            {
              TableName,
              IndexName: SHIPMENT_INDEXES.openByLocation,
              KeyConditionExpression:
                after === undefined ? 'GSI4PK = :pk' : 'GSI4PK = :pk AND GSI4SK > :after',
              ExpressionAttributeValues: {
                ':pk': keys.openShipmentsAt(locationId),
                ...(after === undefined ? {} : { ':after': after }),
              },
            },
            options.limit,
          ),
        ),
      );
      const merged = pages
        .flatMap((p) => p.items)
        .sort((a, b) => String(a.GSI4SK).localeCompare(String(b.GSI4SK)));
      const items = merged.slice(0, options.limit);
      const more = merged.length > options.limit || pages.some((p) => p.more);
      const last = items.at(-1);
      return {
        items: items.map((i) => strip(i) as Shipment),
        ...(more && last ? { nextCursor: encodeCursor('open', String(last.GSI4SK)) } : {}),
      };
    },

    async listPickupsDue(now, limit) {
      const { items } = await pageOf(
        {
          TableName,
          IndexName: SHIPMENT_INDEXES.pickupsDue,
          // '#' sorts before every character of an id: every key whose deadline is ≤ now.
          KeyConditionExpression: 'GSI4PK = :pk AND GSI4SK <= :until',
          ExpressionAttributeValues: { ':pk': keys.pickupsDue, ':until': `${now}#\uffff` },
        },
        limit,
      );
      return items.map((i) => strip(i) as Shipment);
    },

    async request(shipment, events) {
      const reasons = await transactWrite(doc, [
        { Put: { TableName, Item: item(shipment), ConditionExpression: 'attribute_not_exists(PK)' } },
        {
          Put: {
            TableName,
            Item: {
              ...shipmentKeys.pointer(shipment.shipmentId),
              entity: 'SHIPMENT_POINTER',
              orderId: shipment.orderId,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        // A hold and a release exclude each other (the port's note): not ON_HOLD, version moves.
        {
          Update: {
            TableName,
            Key: keys.order(shipment.orderId),
            UpdateExpression: 'SET #v = #v + :one',
            ConditionExpression: 'attribute_exists(PK) AND #s <> :hold',
            ExpressionAttributeNames: { '#v': 'version', '#s': 'status' },
            ExpressionAttributeValues: { ':one': 1, ':hold': 'ON_HOLD' },
          },
        } satisfies TransactItem,
        ...outbox(events, TableName),
      ]);
      if (reasons === undefined) return 'created';
      if (reasons[0] !== 'ConditionalCheckFailed' && reasons[2] === 'ConditionalCheckFailed')
        return 'order-on-hold';
      // A retried step: the workflow now waits on the retry's token.
      await transactWrite(doc, [
        {
          Update: {
            TableName,
            Key: shipmentKeys.shipment(shipment.orderId, shipment.shipmentId),
            UpdateExpression: 'SET taskToken = :t, updatedAt = :u, version = version + :one',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: {
              ':t': shipment.taskToken,
              ':u': shipment.updatedAt,
              ':one': 1,
            },
          },
        },
      ]);
      return 'token-replaced';
    },

    async update(shipment, expectedVersion, events) {
      // Units leaving the location (shipped, delivered, collected): the order can no longer be cancelled.
      const leaves = unitsLeft(shipment.status);
      const reasons = await transactWrite(doc, [
        {
          Put: {
            TableName,
            Item: item(shipment),
            ConditionExpression: '#v = :expected',
            ExpressionAttributeNames: { '#v': 'version' },
            ExpressionAttributeValues: { ':expected': expectedVersion },
          },
        },
        // Units leaving the building and a cancellation exclude each other: the order must not be
        // CANCELLED, and its version moves, so a cancel that read the order before this write (and
        // the shipments as they were) fails its version condition, re-reads and sees the shipment.
        ...(leaves
          ? [
              {
                Update: {
                  TableName,
                  Key: keys.order(shipment.orderId),
                  UpdateExpression: 'SET #v = #v + :one',
                  ConditionExpression: 'attribute_exists(PK) AND #s <> :cancelled',
                  ExpressionAttributeNames: { '#v': 'version', '#s': 'status' },
                  ExpressionAttributeValues: { ':one': 1, ':cancelled': 'CANCELLED' },
                },
              } satisfies TransactItem,
            ]
          : []),
        ...outbox(events, TableName),
      ]);
      if (reasons === undefined) return 'updated';
      if (leaves && reasons[1] === 'ConditionalCheckFailed') return 'order-cancelled';
      return 'conflict';
    },

    async putWaiter(waiter) {
      const waiterItem = { ...shipmentKeys.waiter(waiter.orderId, waiter.kind), entity: 'WAITER', ...waiter };
      if (waiter.kind !== 'backorder' || !waiter.orderedAt) {
        await doc.send(new PutCommand({ TableName, Item: waiterItem }));
        return;
      }
      const orderedAt = waiter.orderedAt;
      // SKUs the previous wait listed but this one does not leave their waitlists.
      const previous = await getWaiter(waiter.orderId, waiter.kind);
      const listed = new Set((waiter.backordered ?? []).map((b) => b.sku));
      const dropped = (previous?.backordered ?? []).filter((b) => !listed.has(b.sku));
      await transactWrite(doc, [
        { Put: { TableName, Item: waiterItem } },
        ...(waiter.backordered ?? []).map(
          (b): TransactItem => ({
            Put: {
              TableName,
              Item: {
                ...shipmentKeys.waitlist(b.sku, orderedAt, waiter.orderId),
                entity: 'BACKORDER_WAITER',
                orderId: waiter.orderId,
                sku: b.sku,
                quantity: b.quantity,
                orderedAt,
                taskToken: waiter.taskToken,
              },
            },
          }),
        ),
        ...dropped.map(
          (b): TransactItem => ({
            Delete: {
              TableName,
              Key: shipmentKeys.waitlist(b.sku, previous?.orderedAt ?? orderedAt, waiter.orderId),
            },
          }),
        ),
      ]);
    },

    async listWaiters(orderId) {
      const items = await queryAll(doc, {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':prefix': shipmentKeys.waiterPrefix },
        ConsistentRead: true,
      });
      return items.map((i) => strip(i) as OrderWaiter);
    },

    async deleteWaiter(orderId, kind, taskToken) {
      const waiter = await getWaiter(orderId, kind);
      if (!waiter || (taskToken !== undefined && waiter.taskToken !== taskToken)) return;
      // Only the wait as read: a newer one (another token) stored meanwhile is kept.
      const sameToken = {
        ConditionExpression: 'taskToken = :t',
        ExpressionAttributeValues: { ':t': waiter.taskToken },
      };
      await transactWrite(doc, [
        { Delete: { TableName, Key: shipmentKeys.waiter(orderId, kind), ...sameToken } },
        ...(waiter.orderedAt
          ? (waiter.backordered ?? []).map(
              (b): TransactItem => ({
                Delete: { TableName, Key: shipmentKeys.waitlist(b.sku, waiter.orderedAt!, orderId) },
              }),
            )
          : []),
      ]);
    },

    async listBackorderWaiters(sku, limit) {
      const out = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': shipmentKeys.waitlistPartition(sku) },
          ScanIndexForward: true,
          Limit: limit,
          ConsistentRead: true,
        }),
      );
      return (out.Items ?? []).map((i) => strip(i) as BackorderWaiter);
    },
  };
}

/** Cursors name their listing, so one listing's cursor is refused by the other. */
function encodeCursor(listing: 'shipment' | 'open', after: string): string {
  return Buffer.from(JSON.stringify({ listing, after })).toString('base64url');
}

function decodeCursor(cursor: string, listing: 'shipment' | 'open'): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      value !== null &&
      typeof value === 'object' &&
      (value as Item).listing === listing &&
      typeof (value as Item).after === 'string' &&
      Object.keys(value).length === 2
    ) {
      return (value as { after: string }).after;
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
