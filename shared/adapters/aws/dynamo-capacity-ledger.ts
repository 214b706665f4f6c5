import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CapacityCharge, CapacityRefund, CapacityUsage } from '../../domain/capacity.ts';
import type { CapacityDayKey, CapacityTake } from '../../ports/inventory-store.ts';
import { batchGetItems, type Item, queryAll, type TransactItem } from './dynamo-helpers.ts';
import { inventoryKeys } from './inventory-keys.ts';

/** Day counters are kept this long after their day for ops history, then DynamoDB TTL deletes them. */
export const CAPACITY_DAY_RETENTION_SECONDS = 90 * 86_400;

const names = (...attributes: string[]) => Object.fromEntries(attributes.map((a) => [`#${a}`, a]));
const dayEnd = (day: string) => Math.floor(Date.parse(`${day}T00:00:00.000Z`) / 1000) + 2 * 86_400;

/**
 * Location capacity in the single table (docs/inventory.md, "Location capacity"): a counter item per
 * location and local day, and a charge item per order, location and day. The inventory store joins
 * the write items built here into the transaction that reserves (or releases) the units, so capacity
 * and stock can never disagree.
 */
export function makeCapacityLedger(doc: DynamoDBDocumentClient, options: { tableName: string }) {
  const TableName = options.tableName;

  /** The day counter rises; refused if the enforced measure would pass the limit. */
  function dayTake(take: CapacityTake, at: string): TransactItem {
    const added = take.measure === 'units' ? take.units : take.shipments;
    const max = take.limit - added;
    // A missing counter means nothing used yet, which fits unless this take alone is over the limit.
    const condition =
      added === 0
        ? undefined
        : max >= 0
          ? `attribute_not_exists(#${take.measure}) OR #${take.measure} <= :max`
          : `#${take.measure} <= :max`;
    return {
      Update: {
        TableName,
        Key: inventoryKeys.capacityDay(take.locationId, take.day),
        UpdateExpression:
          'SET #entity = :entity, #locationId = :locationId, #day = :day, ' +
          '#units = if_not_exists(#units, :zero) + :units, #shipments = if_not_exists(#shipments, :zero) + :shipments, ' +
          '#updatedAt = :at, #expiresAt = :ttl',
        ...(condition === undefined ? {} : { ConditionExpression: condition }),
        ExpressionAttributeNames: {
          ...names('entity', 'locationId', 'day', 'units', 'shipments', 'updatedAt', 'expiresAt'),
        },
        ExpressionAttributeValues: {
          ':entity': 'CAPACITY_DAY',
          ':locationId': take.locationId,
          ':day': take.day,
          ':zero': 0,
          ':units': take.units,
          ':shipments': take.shipments,
          ':at': at,
          ':ttl': dayEnd(take.day) + CAPACITY_DAY_RETENTION_SECONDS,
          ...(condition === undefined ? {} : { ':max': max }),
        },
      },
    };
  }

  /** The order's charge rises, only if it is as read (absent, or at the units and shipments read). */
  function chargeTake(orderId: string, take: CapacityTake, at: string): TransactItem {
    const expected = take.expected;
    return {
      Update: {
        TableName,
        Key: inventoryKeys.capacityCharge(orderId, take.locationId, take.day),
        UpdateExpression:
          'SET #entity = :entity, #orderId = :orderId, #locationId = :locationId, #day = :day, ' +
          '#units = if_not_exists(#units, :zero) + :units, #shipments = if_not_exists(#shipments, :zero) + :shipments, ' +
          '#updatedAt = :at',
        // The charge is the record of what this order took: a concurrent run that read the same
        // state fails here instead of taking the same capacity twice.
        ConditionExpression:
          expected === undefined ? 'attribute_not_exists(PK)' : '#units = :eu AND #shipments = :es',
        ExpressionAttributeNames: names(
          'entity',
          'orderId',
          'locationId',
          'day',
          'units',
          'shipments',
          'updatedAt',
        ),
        ExpressionAttributeValues: {
          ':entity': 'CAPACITY_CHARGE',
          ':orderId': orderId,
          ':locationId': take.locationId,
          ':day': take.day,
          ':zero': 0,
          ':units': take.units,
          ':shipments': take.shipments,
          ':at': at,
          ...(expected === undefined ? {} : { ':eu': expected.units, ':es': expected.shipments }),
        },
      },
    };
  }

  return {
    /** Write items taking capacity: the location's day counter and the order's charge. */
    takeItems(orderId: string, takes: readonly CapacityTake[], at: string): TransactItem[] {
      return takes.flatMap((take) => [dayTake(take, at), chargeTake(orderId, take, at)]);
    },

    /**
     * Write items giving capacity back. The charge is pinned to its state as read, so a refund is
     * made once; the day counter is not conditioned, so a release of stock is never blocked by it.
     */
    refundItems(orderId: string, refunds: readonly CapacityRefund[], at: string): TransactItem[] {
      return refunds.flatMap((refund): TransactItem[] => {
        const values = { ':units': refund.units, ':shipments': refund.shipments, ':at': at };
        return [
          {
            Update: {
              TableName,
              Key: inventoryKeys.capacityCharge(orderId, refund.locationId, refund.day),
              UpdateExpression:
                'SET #units = #units - :units, #shipments = #shipments - :shipments, #updatedAt = :at',
              ConditionExpression: '#units = :eu AND #shipments = :es',
              ExpressionAttributeNames: names('units', 'shipments', 'updatedAt'),
              ExpressionAttributeValues: {
                ...values,
                ':eu': refund.expected.units,
                ':es': refund.expected.shipments,
              },
            },
          },
          {
            Update: {
              TableName,
              Key: inventoryKeys.capacityDay(refund.locationId, refund.day),
              UpdateExpression:
                'SET #units = if_not_exists(#units, :zero) - :units, #shipments = if_not_exists(#shipments, :zero) - :shipments, #updatedAt = :at',
              ExpressionAttributeNames: names('units', 'shipments', 'updatedAt'),
              ExpressionAttributeValues: { ...values, ':zero': 0 },
            },
          },
        ];
      });
    },

    async getUsage(keys: readonly CapacityDayKey[]): Promise<CapacityUsage[]> {
      const items = await batchGetItems(
        doc,
        TableName,
        keys.map((k) => inventoryKeys.capacityDay(k.locationId, k.day)),
      );
      return keys.map((k) => {
        const key = inventoryKeys.capacityDay(k.locationId, k.day);
        const item = items.get(`${key.PK}|${key.SK}`);
        return {
          locationId: k.locationId,
          day: k.day,
          units: Number(item?.units ?? 0),
          shipments: Number(item?.shipments ?? 0),
        };
      });
    },

    async listCharges(orderId: string): Promise<CapacityCharge[]> {
      const items = await queryAll(doc, {
        TableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: {
          ':pk': inventoryKeys.orderPartition(orderId),
          ':prefix': inventoryKeys.capacityChargePrefix,
        },
        ConsistentRead: true,
      });
      return items.map((item: Item) => ({
        orderId,
        locationId: String(item.locationId),
        day: String(item.day),
        units: Number(item.units),
        shipments: Number(item.shipments),
        updatedAt: String(item.updatedAt),
      }));
    },
  };
}

export type CapacityLedger = ReturnType<typeof makeCapacityLedger>;
