/**
 * Keys of the inventory entities in the single table (docs/inventory.md lists the access patterns).
 * They share the order table and its attribute names; every entity has its own key prefix.
 *
 *   position      PK=SKU#<sku>            SK=LOC#<locationId>        one Query per SKU across the network
 *   bucket        PK=SKU#<sku>#BUCKET#<i> SK=LOC#<locationId>        buckets 1…N−1 of a hot position (inventory-buckets.ts)
 *   location      PK=LOCATION#<id>        SK=LOCATION                GSI3: LOCATIONS / <id> lists them
 *   reservation   PK=ORDER#<orderId>      SK=RESERVATION#<lineId>#<locationId>
 *   consumption   PK=ORDER#<orderId>      SK=CONSUMPTION#<shipmentId>   marks a confirmed shipment
 *   capacity day  PK=LOCATION#<id>        SK=CAPACITY#<day>          units and shipments given on a local day
 *   capacity charge PK=ORDER#<orderId>    SK=CAPACITY#<locationId>#<day>  what one order took of it
 *   hold          PK=HOLD#<holdId>        SK=HOLD                    GSI2 (sparse, while active): HOLDS#ACTIVE#<shard> / <heldUntil>#<holdId>
 *   adjustment    PK=ADJUSTMENT#<batchId> SK=ADJUSTMENT
 *
 * Ids never contain `#` (see the id schemas in domain/order.ts), so the separators are unambiguous.
 */
export const INVENTORY_INDEXES = {
  activeHolds: 'GSI2',
  locations: 'GSI3',
} as const;

/** Active holds are spread over this many GSI partitions so cart traffic does not pile onto one. */
export const ACTIVE_HOLD_SHARDS = 8;

/** How long an ended hold is kept before DynamoDB TTL deletes it. */
export const ENDED_HOLD_RETENTION_SECONDS = 7 * 86_400;
/**
 * TTL of an active hold, past its `heldUntil`. The sweep (expireHolds) releases holds within minutes;
 * TTL is only the garbage collector, and must never delete a hold the sweep has not released yet,
 * or its units would stay reserved forever.
 */
export const ACTIVE_HOLD_TTL_GRACE_SECONDS = 7 * 86_400;

export const inventoryKeys = {
  position: (sku: string, locationId: string) => ({ PK: `SKU#${sku}`, SK: `LOC#${locationId}` }),
  positionPartition: (sku: string) => `SKU#${sku}`,
  positionPrefix: 'LOC#',
  /** Bucket `index` ≥ 1 of a bucketed position; bucket 0 is the position item itself. */
  positionBucket: (sku: string, locationId: string, index: number) =>
    index === 0
      ? { PK: `SKU#${sku}`, SK: `LOC#${locationId}` }
      : { PK: `SKU#${sku}#BUCKET#${index}`, SK: `LOC#${locationId}` },

  location: (locationId: string) => ({ PK: `LOCATION#${locationId}`, SK: 'LOCATION' }),
  locationsPartition: 'LOCATIONS',

  reservation: (orderId: string, lineId: string, locationId: string) => ({
    PK: `ORDER#${orderId}`,
    SK: `RESERVATION#${lineId}#${locationId}`,
  }),
  orderPartition: (orderId: string) => `ORDER#${orderId}`,
  reservationPrefix: 'RESERVATION#',
  consumption: (orderId: string, shipmentId: string) => ({
    PK: `ORDER#${orderId}`,
    SK: `CONSUMPTION#${shipmentId}`,
  }),

  capacityDay: (locationId: string, day: string) => ({ PK: `LOCATION#${locationId}`, SK: `CAPACITY#${day}` }),
  capacityCharge: (orderId: string, locationId: string, day: string) => ({
    PK: `ORDER#${orderId}`,
    SK: `CAPACITY#${locationId}#${day}`,
  }),
  capacityChargePrefix: 'CAPACITY#',

  hold: (holdId: string) => ({ PK: `HOLD#${holdId}`, SK: 'HOLD' }),
  activeHoldShard: (shard: number) => `HOLDS#ACTIVE#${shard}`,
  activeHoldSort: (heldUntil: string, holdId: string) => `${heldUntil}#${holdId}`,

  adjustmentBatch: (batchId: string) => ({ PK: `ADJUSTMENT#${batchId}`, SK: 'ADJUSTMENT' }),
};

/** A stable shard per hold id (FNV-1a), so the sweep knows where every active hold is indexed. */
export function activeHoldShardOf(holdId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < holdId.length; i++) {
    hash ^= holdId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % ACTIVE_HOLD_SHARDS;
}
