import { makeDynamoInventoryStore } from '../../shared/adapters/aws/dynamo-inventory-store.ts';
import { makeDynamoLocationRepository } from '../../shared/adapters/aws/dynamo-location-repository.ts';
import { bucketConfigFromEnv, INVENTORY_BUCKETS_ENV } from '../../shared/adapters/aws/inventory-buckets.ts';
import { documents } from './clients.ts';
import { config } from './config.ts';

/** Inventory and location ports, wired once per execution environment. */
export const inventory = makeDynamoInventoryStore(documents, {
  tableName: config.tableName,
  // Hot-SKU buckets (docs/inventory.md): e.g. INVENTORY_BUCKETS='{"skus":{"HOT-1":8}}'; unset = none.
  buckets: bucketConfigFromEnv(process.env[INVENTORY_BUCKETS_ENV]),
});
export const locations = makeDynamoLocationRepository(documents, { tableName: config.tableName });
