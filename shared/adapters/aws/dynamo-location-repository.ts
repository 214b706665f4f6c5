import {
  type DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Location } from '../../domain/location.ts';
import type { LocationRepository } from '../../ports/location-repository.ts';
import { queryAll } from './dynamo-helpers.ts';
import { INVENTORY_INDEXES, inventoryKeys } from './inventory-keys.ts';

type Item = Record<string, NativeAttributeValue>;

const KEY_ATTRIBUTES = ['PK', 'SK', 'entity', 'GSI3PK', 'GSI3SK'];

function toLocation(item: Item): Location {
  const copy: Item = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  return copy as Location;
}

/** Locations as items of the single table, listed through GSI3 (`LOCATIONS`, sorted by id). */
export function makeDynamoLocationRepository(
  doc: DynamoDBDocumentClient,
  options: { tableName: string },
): LocationRepository {
  const TableName = options.tableName;

  return {
    async put(location) {
      const out = await doc.send(
        new PutCommand({
          TableName,
          Item: {
            ...inventoryKeys.location(location.locationId),
            entity: 'LOCATION',
            GSI3PK: inventoryKeys.locationsPartition,
            GSI3SK: location.locationId,
            ...location,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { created: out.Attributes === undefined };
    },

    async get(locationId) {
      const out = await doc.send(
        new GetCommand({ TableName, Key: inventoryKeys.location(locationId), ConsistentRead: true }),
      );
      return out.Item ? toLocation(out.Item) : undefined;
    },

    async all() {
      const items = await queryAll(doc, {
        TableName,
        IndexName: INVENTORY_INDEXES.locations,
        KeyConditionExpression: 'GSI3PK = :pk',
        ExpressionAttributeValues: { ':pk': inventoryKeys.locationsPartition },
      });
      return items.map(toLocation);
    },
  };
}
