/**
 * Inventory buckets for hot SKUs: the stock of one SKU × location position split across N items, so
 * that reservations spread their writes over N items instead of one (DynamoDB serves a single item
 * about 1,000 write units per second). See "Hot SKUs" in docs/inventory.md.
 *
 * Bucket 0 is the position item itself (it also keeps the sync sequence, inbound stock and the
 * bucket count); buckets 1…N−1 are items of their own partition (`SKU#<sku>#BUCKET#<i>`). Each bucket
 * holds a share of on hand and safety stock and its own `reserved`, and keeps the invariant
 * `reserved ≤ onHand − safetyStock` for itself; the position is their sum.
 *
 * A reservation item records the units it took from buckets 1…N−1 as `bucket_<i>` attributes; the
 * rest of its quantity is in bucket 0, so reservations made before a position was bucketed need no
 * migration.
 */

/** Buckets per position: `default` for every SKU, `skus` per SKU. 1 (the default) means no buckets. */
export interface InventoryBucketConfig {
  default?: number;
  skus?: Record<string, number>;
}

/** Upper bound: a sync writes every bucket of a position in one transaction (≤ 100 items). */
export const MAX_INVENTORY_BUCKETS = 32;

/** Environment variable the inventory handlers read the bucket configuration from. */
export const INVENTORY_BUCKETS_ENV = 'INVENTORY_BUCKETS';

/**
 * Parses `INVENTORY_BUCKETS`: a number (every SKU) or JSON `{"default": 1, "skus": {"SKU-1": 8}}`.
 * Unset or empty means no buckets.
 */
export function bucketConfigFromEnv(value: string | undefined): InventoryBucketConfig {
  if (value === undefined || value.trim() === '') return {};
  const parsed: unknown = JSON.parse(value);
  const config: InventoryBucketConfig =
    typeof parsed === 'number' ? { default: parsed } : (parsed as InventoryBucketConfig);
  const check = (n: unknown, what: string) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_INVENTORY_BUCKETS) {
      throw new Error(`${INVENTORY_BUCKETS_ENV}: ${what} must be an integer 1…${MAX_INVENTORY_BUCKETS}`);
    }
  };
  if (config.default !== undefined) check(config.default, 'default');
  for (const [sku, n] of Object.entries(config.skus ?? {})) check(n, `skus.${sku}`);
  return config;
}

export function configuredBuckets(config: InventoryBucketConfig, sku: string): number {
  return config.skus?.[sku] ?? config.default ?? 1;
}

export interface BucketState {
  index: number;
  onHand: number;
  reserved: number;
  safetyStock: number;
}

export const bucketFree = (b: BucketState) => b.onHand - b.reserved - b.safetyStock;

/** `total` split into `n` near-equal integer shares, the larger ones first. */
export function evenShares(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  const rest = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < rest ? 1 : 0));
}

/**
 * On hand per bucket for an absolute on hand `onHand` and safety stock shares: each bucket first
 * covers its own reserved units and safety stock, the rest is spread evenly. When there is not
 * enough (a WMS count below what is reserved), buckets are filled in order: the position is
 * oversold, as an unbucketed one would be.
 */
export function distributeOnHand(
  onHand: number,
  reserved: readonly number[],
  safetyStock: readonly number[],
): number[] {
  const base = reserved.map((r, i) => r + (safetyStock[i] ?? 0));
  const needed = base.reduce((a, b) => a + b, 0);
  if (needed <= onHand) {
    const extra = evenShares(onHand - needed, base.length);
    return base.map((b, i) => b + extra[i]!);
  }
  let left = onHand;
  return base.map((b) => {
    const take = Math.min(b, left);
    left -= take;
    return take;
  });
}

/**
 * Units to take per bucket for `quantity`, starting at bucket `start` and moving on while a bucket
 * cannot cover the rest. Undefined when all buckets together cannot.
 */
export function pickBuckets(
  buckets: readonly BucketState[],
  quantity: number,
  start: number,
): Map<number, number> | undefined {
  const takes = new Map<number, number>();
  let remaining = quantity;
  for (let k = 0; k < buckets.length && remaining > 0; k++) {
    const bucket = buckets[(start + k) % buckets.length]!;
    const take = Math.min(Math.max(0, bucketFree(bucket)), remaining);
    if (take > 0) {
      takes.set(bucket.index, take);
      remaining -= take;
    }
  }
  return remaining > 0 ? undefined : takes;
}

/**
 * Spreads a delta of on hand over buckets: additions evenly, removals from the buckets with the most
 * units not reserved, never below a bucket's reserved units. Undefined when that is impossible.
 */
export function spreadDelta(buckets: readonly BucketState[], delta: number): Map<number, number> | undefined {
  const out = new Map<number, number>();
  if (delta >= 0) {
    evenShares(delta, buckets.length).forEach((share, i) => {
      if (share > 0) out.set(buckets[i]!.index, share);
    });
    return out;
  }
  let remaining = -delta;
  const byRoom = [...buckets].sort((a, b) => b.onHand - b.reserved - (a.onHand - a.reserved));
  for (const bucket of byRoom) {
    const take = Math.min(Math.max(0, bucket.onHand - bucket.reserved), remaining);
    if (take > 0) {
      out.set(bucket.index, -take);
      remaining -= take;
    }
  }
  return remaining > 0 ? undefined : out;
}

const BUCKET_ATTRIBUTE = /^bucket_(\d+)$/;
export const bucketAttribute = (index: number) => `bucket_${index}`;
export const isBucketAttribute = (name: string) => BUCKET_ATTRIBUTE.test(name);

/** Units of a reservation item per bucket: `bucket_<i>` for i ≥ 1, the rest of its quantity in 0. */
export function reservationBuckets(item: Record<string, unknown>): Map<number, number> {
  const out = new Map<number, number>();
  let elsewhere = 0;
  for (const [name, value] of Object.entries(item)) {
    const match = BUCKET_ATTRIBUTE.exec(name);
    if (!match || Number(value) <= 0) continue;
    out.set(Number(match[1]), Number(value));
    elsewhere += Number(value);
  }
  const head = Number(item.quantity ?? 0) - elsewhere;
  if (head > 0) out.set(0, head);
  return out;
}

/** Takes `quantity` units out of per-bucket amounts (highest bucket first); what was taken where. */
export function takeFrom(amounts: ReadonlyMap<number, number>, quantity: number): Map<number, number> {
  const out = new Map<number, number>();
  let remaining = quantity;
  for (const [index, amount] of [...amounts].sort((a, b) => b[0] - a[0])) {
    const take = Math.min(amount, remaining);
    if (take > 0) {
      out.set(index, take);
      remaining -= take;
    }
  }
  if (remaining > 0) out.set(0, (out.get(0) ?? 0) + remaining);
  return out;
}

/** FNV-1a of a string, for a starting bucket that differs per order (random would do as well). */
export function hashOf(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
