import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CapacityRefund, capacityRefunds } from '../../domain/capacity.ts';
import type { InventoryPosition } from '../../domain/inventory.ts';
import type {
  AdjustmentBatch,
  ApplyAdjustmentsCommand,
  ApplyAdjustmentsResult,
  ConsumeReservationsCommand,
  ConsumeReservationsResult,
  Consumption,
  CreateHoldCommand,
  CreateHoldResult,
  EndHoldCommand,
  Hold,
  InventoryStore,
  PositionKey,
  PositionReservation,
  ReleaseReservationsCommand,
  Reservation,
  ReservationChange,
  ReserveForOrderCommand,
  SyncPositionCommand,
  SyncPositionResult,
  WriteOutcome,
} from '../../ports/inventory-store.ts';
import { makeCapacityLedger } from './dynamo-capacity-ledger.ts';
import {
  batchGetItems,
  type Item,
  queryAll as queryAllItems,
  type TransactItem,
  transactWrite,
} from './dynamo-helpers.ts';
import {
  type BucketState,
  bucketAttribute,
  configuredBuckets,
  distributeOnHand,
  evenShares,
  type InventoryBucketConfig,
  isBucketAttribute,
  MAX_INVENTORY_BUCKETS,
  pickBuckets,
  reservationBuckets,
  spreadDelta,
  takeFrom,
} from './inventory-buckets.ts';
import {
  ACTIVE_HOLD_SHARDS,
  ACTIVE_HOLD_TTL_GRACE_SECONDS,
  activeHoldShardOf,
  ENDED_HOLD_RETENTION_SECONDS,
  INVENTORY_INDEXES,
  inventoryKeys,
} from './inventory-keys.ts';

/** DynamoDB's limit of actions in one TransactWriteItems call. */
export const MAX_TRANSACTION_ITEMS = 100;

const KEY_ATTRIBUTES = [
  'PK',
  'SK',
  'entity',
  'GSI2PK',
  'GSI2SK',
  'expiresAt',
  'buckets',
  'bucketAllocations',
];

function strip(item: Item): Item {
  const copy: Item = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  for (const key of Object.keys(copy)) if (isBucketAttribute(key)) delete copy[key];
  return copy;
}

const toPosition = (item: Item) => strip(item) as InventoryPosition;
const toReservation = (item: Item) => strip(item) as Reservation;
const toHold = (item: Item) => strip(item) as Hold;
const toBatch = (item: Item) => strip(item) as AdjustmentBatch;

const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const positionId = (key: PositionKey) => `${key.sku}\u0000${key.locationId}`;

interface Expressions {
  UpdateExpression?: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
}

/**
 * Expressions name every attribute as `#name` (several, like `consumed` and `status`, are reserved
 * words); this fills in ExpressionAttributeNames from them.
 */
function withNames<T extends Expressions>(input: T): T {
  const names: Record<string, string> = { ...input.ExpressionAttributeNames };
  for (const expression of [input.UpdateExpression, input.ConditionExpression]) {
    for (const match of (expression ?? '').matchAll(/#(\w+)/g)) {
      const name = match[1];
      if (name !== undefined) names[`#${name}`] = name;
    }
  }
  return Object.keys(names).length === 0 ? input : { ...input, ExpressionAttributeNames: names };
}

function namedItem(item: TransactItem): TransactItem {
  if (item.Update) return { Update: withNames(item.Update) };
  if (item.Put) return { Put: withNames(item.Put) };
  return item;
}

async function transact(doc: DynamoDBDocumentClient, items: TransactItem[]): Promise<string[] | undefined> {
  return transactWrite(doc, items.map(namedItem));
}

/**
 * Packs groups of transaction items into transactions of at most `MAX_TRANSACTION_ITEMS`. A group
 * (a position with the reservation items that account for it) is never split, which is all the
 * invariant needs: each position's `reserved` moves together with the items that explain it.
 */
function packGroups(groups: TransactItem[][]): TransactItem[][] {
  const out: TransactItem[][] = [];
  let current: TransactItem[] = [];
  for (const group of groups) {
    if (group.length > MAX_TRANSACTION_ITEMS) {
      throw new Error(`a position group of ${group.length} writes exceeds one transaction`);
    }
    if (current.length + group.length > MAX_TRANSACTION_ITEMS) {
      out.push(current);
      current = [];
    }
    current.push(...group);
  }
  if (current.length > 0) out.push(current);
  return out;
}

export interface DynamoInventoryStoreOptions {
  tableName: string;
  /** Hot-SKU buckets (docs/inventory.md, "Hot SKUs"); none by default. */
  buckets?: InventoryBucketConfig;
  /** Picks the first bucket a reservation tries (tests pass a seeded one). */
  random?: () => number;
}

type Takes = Map<number, number>;

export function makeDynamoInventoryStore(
  doc: DynamoDBDocumentClient,
  options: DynamoInventoryStoreOptions,
): InventoryStore {
  const TableName = options.tableName;
  const bucketConfig = options.buckets ?? {};
  const random = options.random ?? Math.random;
  /**
   * Bucket count per position as last read, to pick the write path without a read. Only a hint:
   * unbucketed writes are conditional on the position having no buckets, and a refusal clears it.
   */
  const bucketCounts = new Map<string, number>();
  /**
   * Bucket states as last read, so a reservation right after a read (what allocation does) needs no
   * second read of every bucket: a hot bucket item's reads cap throughput too (3,000 RCU/s). Stale
   * states are harmless: every bucket write is conditional on the bucket itself.
   */
  const bucketStates = new Map<string, BucketState[]>();
  const countOf = (item: Item | undefined) => Math.max(1, Number(item?.buckets ?? 1));
  const capacity = makeCapacityLedger(doc, { tableName: TableName });

  async function getItem(key: Item): Promise<Item | undefined> {
    const out = await doc.send(new GetCommand({ TableName, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  async function queryAll(pk: string, prefix: string): Promise<Item[]> {
    return queryAllItems(doc, {
      TableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ConsistentRead: true,
    });
  }

  /** Items by `PK|SK`, read consistently. */
  const batchGet = (keys: Item[]) => batchGetItems(doc, TableName, keys);

  const bucketState = (index: number, item: Item | undefined): BucketState & { updatedAt?: string } => ({
    index,
    onHand: Number(item?.onHand ?? 0),
    reserved: Number(item?.reserved ?? 0),
    safetyStock: Number(item?.safetyStock ?? 0),
    ...(typeof item?.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}),
  });

  /** The buckets of positions whose heads were read (one state for an unbucketed position). */
  async function bucketsOf(heads: Item[]): Promise<(BucketState & { updatedAt?: string })[][]> {
    const keys = heads.flatMap((head) =>
      Array.from({ length: countOf(head) - 1 }, (_, i) =>
        inventoryKeys.positionBucket(String(head.sku), String(head.locationId), i + 1),
      ),
    );
    const items = keys.length > 0 ? await batchGet(keys) : new Map<string, Item>();
    return heads.map((head) => {
      const id = positionId({ sku: String(head.sku), locationId: String(head.locationId) });
      bucketCounts.set(id, countOf(head));
      const states = Array.from({ length: countOf(head) }, (_, index) => {
        if (index === 0) return bucketState(0, head);
        const key = inventoryKeys.positionBucket(String(head.sku), String(head.locationId), index);
        return bucketState(index, items.get(`${key.PK}|${key.SK}`));
      });
      if (states.length > 1) bucketStates.set(id, states);
      else bucketStates.delete(id);
      return states;
    });
  }

  const sum = (buckets: readonly BucketState[], field: 'onHand' | 'reserved' | 'safetyStock') =>
    buckets.reduce((total, bucket) => total + bucket[field], 0);

  /** The position as the domain sees it: the sum of its buckets. */
  function aggregate(
    head: Item,
    buckets: readonly (BucketState & { updatedAt?: string })[],
  ): InventoryPosition {
    const position = toPosition(head);
    if (buckets.length <= 1) return position;
    const updatedAt = buckets.reduce(
      (latest, b) => (b.updatedAt !== undefined && b.updatedAt > latest ? b.updatedAt : latest),
      position.updatedAt,
    );
    return {
      ...position,
      onHand: sum(buckets, 'onHand'),
      reserved: sum(buckets, 'reserved'),
      safetyStock: sum(buckets, 'safetyStock'),
      updatedAt,
    };
  }

  async function readLayout(key: PositionKey) {
    const head = await getItem(inventoryKeys.position(key.sku, key.locationId));
    if (!head) {
      bucketCounts.delete(positionId(key));
      return undefined;
    }
    const [buckets] = await bucketsOf([head]);
    return { head, buckets: buckets! };
  }

  async function bucketCount(key: PositionKey): Promise<number> {
    const cached = bucketCounts.get(positionId(key));
    if (cached !== undefined) return cached;
    const head = await getItem(inventoryKeys.position(key.sku, key.locationId));
    bucketCounts.set(positionId(key), countOf(head));
    return countOf(head);
  }

  /** Refusals may come from a stale bucket count: forget them, the use case re-reads anyway. */
  function forgetCounts<T>(outcome: T): T {
    if (outcome !== 'applied' && outcome !== undefined) {
      bucketCounts.clear();
      bucketStates.clear();
    }
    return outcome;
  }

  const NOT_BUCKETED = '(attribute_not_exists(#buckets) OR #buckets <= :one)';

  /** reserved += quantity, only while the position still has that many units to sell. */
  const reservePosition = (position: PositionReservation, at: string): TransactItem => ({
    Update: {
      TableName,
      Key: inventoryKeys.position(position.sku, position.locationId),
      UpdateExpression: 'SET #reserved = #reserved + :quantity, #updatedAt = :at',
      // No arithmetic between attributes in conditions: with onHand and safetyStock pinned to the
      // values read, `reserved <= onHand - safetyStock - quantity` becomes `reserved <= :max`.
      ConditionExpression: `attribute_exists(PK) AND #onHand = :onHand AND #safetyStock = :safetyStock AND #reserved <= :max AND ${NOT_BUCKETED}`,
      ExpressionAttributeValues: {
        ':quantity': position.quantity,
        ':at': at,
        ':onHand': position.expectedOnHand,
        ':safetyStock': position.expectedSafetyStock,
        ':max': position.expectedOnHand - position.expectedSafetyStock - position.quantity,
        ':one': 1,
      },
    },
  });

  /** The same for one bucket, pinned to the bucket's own on hand and safety stock as read. */
  const reserveBucket = (
    key: PositionKey,
    bucket: BucketState,
    quantity: number,
    at: string,
  ): TransactItem => ({
    Update: {
      TableName,
      Key: inventoryKeys.positionBucket(key.sku, key.locationId, bucket.index),
      UpdateExpression: 'SET #reserved = #reserved + :quantity, #updatedAt = :at',
      ConditionExpression:
        'attribute_exists(PK) AND #onHand = :onHand AND #safetyStock = :safetyStock AND #reserved <= :max',
      ExpressionAttributeValues: {
        ':quantity': quantity,
        ':at': at,
        ':onHand': bucket.onHand,
        ':safetyStock': bucket.safetyStock,
        ':max': bucket.onHand - bucket.safetyStock - quantity,
      },
    },
  });

  const unreservePosition = (key: PositionKey, quantity: number, at: string, bucket = 0): TransactItem => ({
    Update: {
      TableName,
      Key: inventoryKeys.positionBucket(key.sku, key.locationId, bucket),
      UpdateExpression: 'SET #reserved = #reserved - :quantity, #updatedAt = :at',
      ConditionExpression: '#reserved >= :quantity',
      ExpressionAttributeValues: { ':quantity': quantity, ':at': at },
    },
  });

  /** Reserves `quantity` of a bucketed position; undefined when its buckets changed or fall short. */
  async function reserveInBuckets(
    position: PositionReservation,
    at: string,
  ): Promise<{ items: TransactItem[]; takes: Takes } | undefined> {
    const matches = (states: readonly BucketState[]) =>
      sum(states, 'onHand') === position.expectedOnHand &&
      sum(states, 'safetyStock') === position.expectedSafetyStock;
    const cached = bucketStates.get(positionId(position));
    const buckets = cached && matches(cached) ? cached : (await readLayout(position))?.buckets;
    if (!buckets || !matches(buckets)) return undefined;
    const takes = pickBuckets(buckets, position.quantity, Math.floor(random() * buckets.length));
    if (!takes) return undefined;
    return {
      takes,
      items: [...takes].map(([index, quantity]) => reserveBucket(position, buckets[index]!, quantity, at)),
    };
  }

  /** Splits per-bucket amounts among changes, in order (each change gets exactly its quantity). */
  function splitAmong<T extends { quantity: number }>(takes: Takes, changes: readonly T[]): Map<T, Takes> {
    const left = new Map(takes);
    const out = new Map<T, Takes>();
    for (const change of changes) {
      const mine: Takes = new Map();
      let remaining = change.quantity;
      for (const [index, amount] of left) {
        const take = Math.min(amount, remaining);
        if (take <= 0) continue;
        mine.set(index, take);
        left.set(index, amount - take);
        remaining -= take;
        if (remaining === 0) break;
      }
      out.set(change, mine);
    }
    return out;
  }

  /** `, #bucket_i = …` clauses and values recording per-bucket units on a reservation item. */
  function bucketClauses(takes: Takes | undefined, sign: '+' | '-') {
    const clauses: string[] = [];
    const values: Item = {};
    for (const [index, amount] of takes ?? []) {
      if (index === 0 || amount === 0) continue;
      const name = bucketAttribute(index);
      clauses.push(
        sign === '+'
          ? `#${name} = if_not_exists(#${name}, :zero) + :${name}`
          : `#${name} = #${name} - :${name}`,
      );
      values[`:${name}`] = amount;
      if (sign === '+') values[':zero'] = 0;
    }
    return { clause: clauses.map((c) => `, ${c}`).join(''), values };
  }

  function reservationAdd(
    orderId: string,
    change: ReservationChange,
    when: string,
    takes?: Takes,
  ): TransactItem {
    const buckets = bucketClauses(takes, '+');
    return {
      Update: {
        TableName,
        Key: inventoryKeys.reservation(orderId, change.lineId, change.locationId),
        UpdateExpression:
          'SET #entity = :entity, #orderId = :orderId, #lineId = :lineId, #sku = :sku, #locationId = :locationId, ' +
          '#quantity = if_not_exists(#quantity, :zero) + :quantity, #consumed = if_not_exists(#consumed, :zero), ' +
          `#released = if_not_exists(#released, :zero), #createdAt = if_not_exists(#createdAt, :at), #updatedAt = :at${buckets.clause}`,
        // The item is the record of what was promised: a second run that read the same state
        // fails here instead of reserving the same units twice.
        ConditionExpression:
          change.expectedQuantity === undefined ? 'attribute_not_exists(PK)' : '#quantity = :expected',
        ExpressionAttributeValues: {
          ':entity': 'RESERVATION',
          ':orderId': orderId,
          ':lineId': change.lineId,
          ':sku': change.sku,
          ':locationId': change.locationId,
          ':quantity': change.quantity,
          ':zero': 0,
          ':at': when,
          ...(change.expectedQuantity === undefined ? {} : { ':expected': change.expectedQuantity }),
          ...buckets.values,
        },
      },
    };
  }

  /** quantity −= q and `field` += q on a reservation item (release or shipment), pinned to its quantity. */
  function reservationTake(
    orderId: string,
    change: ReservationChange,
    field: 'released' | 'consumed',
    when: string,
    takes?: Takes,
  ): TransactItem {
    const buckets = bucketClauses(takes, '-');
    return {
      Update: {
        TableName,
        Key: inventoryKeys.reservation(orderId, change.lineId, change.locationId),
        UpdateExpression: `SET #quantity = #quantity - :quantity, #${field} = #${field} + :quantity, #updatedAt = :at${buckets.clause}`,
        ConditionExpression: '#quantity = :expected',
        ExpressionAttributeValues: {
          ':quantity': change.quantity,
          ':expected': change.expectedQuantity ?? 0,
          ':at': when,
          ...buckets.values,
        },
      },
    };
  }

  /**
   * Per change of a bucketed position, the buckets its units come from (from the reservation items,
   * read consistently); undefined when an item is no longer at the quantity the use case read.
   */
  async function reservationTakes(
    orderId: string,
    changes: readonly ReservationChange[],
  ): Promise<Map<ReservationChange, Takes> | undefined> {
    const keys = changes.map((c) => inventoryKeys.reservation(orderId, c.lineId, c.locationId));
    const items = await batchGet(keys);
    const out = new Map<ReservationChange, Takes>();
    for (const [i, change] of changes.entries()) {
      const key = keys[i]!;
      const item = items.get(`${key.PK}|${key.SK}`);
      if (!item || Number(item.quantity) !== (change.expectedQuantity ?? 0)) return undefined;
      out.set(change, takeFrom(reservationBuckets(item), change.quantity));
    }
    return out;
  }

  const addTakes = (into: Takes, takes: Takes) => {
    for (const [index, amount] of takes) into.set(index, (into.get(index) ?? 0) + amount);
  };

  /** Runs position groups in as few transactions as fit; stops at the first refused one. */
  async function runGroups(groups: TransactItem[][]): Promise<WriteOutcome> {
    for (const items of packGroups(groups)) {
      if ((await transact(doc, items)) !== undefined) return forgetCounts('changed');
    }
    return 'applied';
  }

  function groupByPosition<T extends PositionKey>(entries: readonly T[]): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const entry of entries) {
      const id = positionId(entry);
      const group = groups.get(id);
      if (group) group.push(entry);
      else groups.set(id, [entry]);
    }
    return groups;
  }

  /**
   * The capacity a release gives back (see `capacityRefunds`), from the order's charges and its
   * reservations as the release leaves them; undefined when a reservation is no longer as the
   * command read it. No charges (a pickup order, or one from before capacity) costs one query.
   */
  async function capacityRefundsFor(
    command: ReleaseReservationsCommand,
  ): Promise<CapacityRefund[] | undefined> {
    const charges = await capacity.listCharges(command.orderId);
    if (charges.length === 0) return [];
    const reservations = await queryAll(
      inventoryKeys.orderPartition(command.orderId),
      inventoryKeys.reservationPrefix,
    );
    const after = new Map(
      reservations.map((item) => [`${item.lineId}\u0000${item.locationId}`, toReservation(item)]),
    );
    for (const change of command.reservations) {
      const r = after.get(`${change.lineId}\u0000${change.locationId}`);
      if (r === undefined || r.quantity !== (change.expectedQuantity ?? 0)) return undefined;
      after.set(`${change.lineId}\u0000${change.locationId}`, {
        ...r,
        quantity: r.quantity - change.quantity,
      });
    }
    return capacityRefunds(charges, [...after.values()]);
  }

  /** Sync of a bucketed (or to-be-bucketed) position: head and every bucket in one transaction. */
  async function syncBuckets(command: SyncPositionCommand, wanted: number): Promise<SyncPositionResult> {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const layout = await readLayout(command);
      const head = layout?.head;
      if (head && Number(head.syncSequence ?? 0) >= command.sequence) {
        return { outcome: 'stale', storedSequence: Number(head.syncSequence ?? 0) };
      }
      const n = Math.min(MAX_INVENTORY_BUCKETS, Math.max(wanted, countOf(head)));
      const existing = layout?.buckets ?? [];
      const stored = Array.from({ length: n }, (_, i) => existing[i] ?? bucketState(i, undefined));
      const safetyStock = command.safetyStock ?? sum(existing, 'safetyStock');
      const safety = evenShares(safetyStock, n);
      const onHand = distributeOnHand(
        command.onHand,
        stored.map((b) => b.reserved),
        safety,
      );
      const inbound = command.inbound ?? (head?.inbound as InventoryPosition['inbound'] | undefined) ?? [];
      const items: TransactItem[] = stored.map((bucket, index): TransactItem => {
        const exists = index === 0 ? head !== undefined : index < existing.length;
        const values: Item = {
          ':sku': command.sku,
          ':locationId': command.locationId,
          ':onHand': onHand[index]!,
          ':safetyStock': safety[index]!,
          ':at': command.at,
          ':zero': 0,
          ...(exists ? { ':reserved': bucket.reserved } : {}),
        };
        const sets = [
          '#entity = :entity',
          '#sku = :sku',
          '#locationId = :locationId',
          '#onHand = :onHand',
          '#safetyStock = :safetyStock',
          '#reserved = if_not_exists(#reserved, :zero)',
          '#updatedAt = :at',
        ];
        let condition = exists ? '#reserved = :reserved' : 'attribute_not_exists(PK)';
        if (index === 0) {
          values[':entity'] = 'POSITION';
          values[':sequence'] = command.sequence;
          values[':inbound'] = inbound;
          values[':buckets'] = n;
          sets.push('#syncSequence = :sequence', '#inbound = :inbound', '#buckets = :buckets');
          if (exists) condition += ' AND #syncSequence < :sequence';
        } else {
          values[':entity'] = 'POSITION_BUCKET';
          values[':bucket'] = index;
          sets.push('#bucket = :bucket');
        }
        return {
          Update: {
            TableName,
            Key: inventoryKeys.positionBucket(command.sku, command.locationId, index),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: condition,
            ExpressionAttributeValues: values,
          },
        };
      });
      const codes = await transact(doc, items);
      if (codes === undefined) {
        bucketCounts.set(positionId(command), n);
        return {
          outcome: 'applied',
          created: head === undefined,
          position: {
            sku: command.sku,
            locationId: command.locationId,
            onHand: command.onHand,
            reserved: sum(stored, 'reserved'),
            safetyStock,
            inbound,
            syncSequence: command.sequence,
            updatedAt: command.at,
          },
        };
      }
      // A reservation moved a bucket meanwhile (or a newer sync won): read again.
      await sleep(Math.random() * 5 * attempt);
    }
    throw new Error(
      `sync of ${command.sku} at ${command.locationId}: buckets kept changing; the feed should retry`,
    );
  }

  return {
    async listPositions(sku) {
      const heads = await queryAll(inventoryKeys.positionPartition(sku), inventoryKeys.positionPrefix);
      const buckets = await bucketsOf(heads);
      return heads.map((head, i) => aggregate(head, buckets[i]!));
    },

    async getPosition(key) {
      const layout = await readLayout(key);
      return layout ? aggregate(layout.head, layout.buckets) : undefined;
    },

    async syncPosition(command: SyncPositionCommand): Promise<SyncPositionResult> {
      const wanted = configuredBuckets(bucketConfig, command.sku);
      if (wanted > 1 || (bucketCounts.get(positionId(command)) ?? 1) > 1) {
        return syncBuckets(command, wanted);
      }
      const values: Item = {
        ':entity': 'POSITION',
        ':sku': command.sku,
        ':locationId': command.locationId,
        ':onHand': command.onHand,
        ':sequence': command.sequence,
        ':at': command.at,
        ':zero': 0,
        ':one': 1,
      };
      const sets = [
        '#entity = :entity',
        '#sku = :sku',
        '#locationId = :locationId',
        '#onHand = :onHand',
        '#syncSequence = :sequence',
        '#updatedAt = :at',
        '#reserved = if_not_exists(#reserved, :zero)',
      ];
      if (command.safetyStock === undefined) sets.push('#safetyStock = if_not_exists(#safetyStock, :zero)');
      else {
        sets.push('#safetyStock = :safetyStock');
        values[':safetyStock'] = command.safetyStock;
      }
      values[':inbound'] = command.inbound ?? [];
      sets.push(
        command.inbound === undefined
          ? '#inbound = if_not_exists(#inbound, :inbound)'
          : '#inbound = :inbound',
      );
      try {
        const out = await doc.send(
          new UpdateCommand(
            withNames({
              TableName,
              Key: inventoryKeys.position(command.sku, command.locationId),
              UpdateExpression: `SET ${sets.join(', ')}`,
              ConditionExpression: `(attribute_not_exists(PK) OR #syncSequence < :sequence) AND ${NOT_BUCKETED}`,
              ExpressionAttributeValues: values,
              ReturnValues: 'ALL_OLD',
            }),
          ),
        );
        const old = out.Attributes;
        bucketCounts.set(positionId(command), 1);
        const position: InventoryPosition = {
          sku: command.sku,
          locationId: command.locationId,
          onHand: command.onHand,
          reserved: Number(old?.reserved ?? 0),
          safetyStock: command.safetyStock ?? Number(old?.safetyStock ?? 0),
          inbound: command.inbound ?? (old?.inbound as InventoryPosition['inbound'] | undefined) ?? [],
          syncSequence: command.sequence,
          updatedAt: command.at,
        };
        return { outcome: 'applied', position, created: old === undefined };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const stored = await getItem(inventoryKeys.position(command.sku, command.locationId));
        const storedSequence = Number(stored?.syncSequence ?? 0);
        // Bucketed since (by another configuration or process): sync its buckets.
        if (countOf(stored) > 1 && storedSequence < command.sequence) return syncBuckets(command, 1);
        return { outcome: 'stale', storedSequence };
      }
    },

    async applyAdjustments(command: ApplyAdjustmentsCommand): Promise<ApplyAdjustmentsResult> {
      const { batch } = command;
      const at = batch.appliedAt;
      const items: TransactItem[] = [
        {
          Put: {
            TableName,
            Item: { ...inventoryKeys.adjustmentBatch(batch.batchId), entity: 'ADJUSTMENT', ...batch },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ];
      for (const position of command.positions) {
        const key = inventoryKeys.position(position.sku, position.locationId);
        if (position.expectedOnHand === undefined) {
          const n = configuredBuckets(bucketConfig, position.sku);
          const shares = evenShares(position.delta, n);
          const created: InventoryPosition = {
            sku: position.sku,
            locationId: position.locationId,
            onHand: shares[0]!,
            reserved: 0,
            safetyStock: 0,
            inbound: [],
            syncSequence: 0,
            updatedAt: at,
          };
          items.push({
            Put: {
              TableName,
              Item: { ...key, entity: 'POSITION', ...created, ...(n > 1 ? { buckets: n } : {}) },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          });
          for (let index = 1; index < n; index++) {
            items.push({
              Put: {
                TableName,
                Item: {
                  ...inventoryKeys.positionBucket(position.sku, position.locationId, index),
                  entity: 'POSITION_BUCKET',
                  sku: position.sku,
                  locationId: position.locationId,
                  bucket: index,
                  onHand: shares[index]!,
                  reserved: 0,
                  safetyStock: 0,
                  updatedAt: at,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            });
          }
        } else if ((await bucketCount(position)) > 1) {
          const layout = await readLayout(position);
          if (!layout || sum(layout.buckets, 'onHand') !== position.expectedOnHand) {
            return forgetCounts({ outcome: 'changed' });
          }
          const deltas = spreadDelta(layout.buckets, position.delta);
          if (!deltas) return { outcome: 'changed' };
          for (const [index, delta] of deltas) {
            const bucket = layout.buckets[index]!;
            items.push({
              Update: {
                TableName,
                Key: inventoryKeys.positionBucket(position.sku, position.locationId, index),
                UpdateExpression: 'SET #onHand = :onHand, #updatedAt = :at',
                ConditionExpression: '#onHand = :expected AND #reserved <= :onHand',
                ExpressionAttributeValues: {
                  ':onHand': bucket.onHand + delta,
                  ':expected': bucket.onHand,
                  ':at': at,
                },
              },
            });
          }
        } else {
          const onHand = position.expectedOnHand + position.delta;
          items.push({
            Update: {
              TableName,
              Key: key,
              UpdateExpression: 'SET #onHand = :onHand, #updatedAt = :at',
              // Pinned to the on hand read; reserved may move concurrently but must stay covered.
              ConditionExpression: `#onHand = :expected AND #reserved <= :onHand AND ${NOT_BUCKETED}`,
              ExpressionAttributeValues: {
                ':onHand': onHand,
                ':expected': position.expectedOnHand,
                ':at': at,
                ':one': 1,
              },
            },
          });
        }
      }
      if (items.length > MAX_TRANSACTION_ITEMS)
        throw new Error('an adjustment batch exceeds one transaction');
      const codes = await transact(doc, items);
      if (codes === undefined) return { outcome: 'applied' };
      if (codes[0] === 'ConditionalCheckFailed') {
        const stored = await getItem(inventoryKeys.adjustmentBatch(batch.batchId));
        if (stored) return { outcome: 'batch-exists', batch: toBatch(stored) };
      }
      return forgetCounts({ outcome: 'changed' });
    },

    async getAdjustmentBatch(batchId) {
      const item = await getItem(inventoryKeys.adjustmentBatch(batchId));
      return item ? toBatch(item) : undefined;
    },

    async listReservations(orderId) {
      const items = await queryAll(inventoryKeys.orderPartition(orderId), inventoryKeys.reservationPrefix);
      return items.map(toReservation);
    },

    async reserveForOrder(command: ReserveForOrderCommand) {
      const { orderId } = command;
      const when = command.at;
      const changes = groupByPosition(command.reservations);
      const positionIds = new Set(command.positions.map(positionId));
      if (command.reservations.some((change) => !positionIds.has(positionId(change)))) {
        throw new Error('reserveForOrder: every reservation change needs its position in the same command');
      }
      const counts = await Promise.all(command.positions.map((position) => bucketCount(position)));
      const groups: TransactItem[][] = [];
      for (const [i, position] of command.positions.entries()) {
        const lineChanges = changes.get(positionId(position)) ?? [];
        if (counts[i]! <= 1) {
          groups.push([
            reservePosition(position, when),
            ...lineChanges.map((change) => reservationAdd(orderId, change, when)),
          ]);
          continue;
        }
        const picked = await reserveInBuckets(position, when);
        if (!picked) return forgetCounts('changed');
        const perChange = splitAmong(picked.takes, lineChanges);
        groups.push([
          ...picked.items,
          ...lineChanges.map((change) => reservationAdd(orderId, change, when, perChange.get(change))),
        ]);
      }
      // Capacity goes first: if an order too big for one transaction is cut short, the location
      // has been charged for units it did not get, never given units it was not charged for; the
      // next release of the order evens the charge out (capacityRefunds).
      const takes = capacity.takeItems(orderId, command.capacity ?? [], when);
      return runGroups(takes.length > 0 ? [takes, ...groups] : groups);
    },

    async releaseReservations(command: ReleaseReservationsCommand) {
      const { at, orderId } = command;
      const refunds = await capacityRefundsFor(command);
      if (refunds === undefined) return forgetCounts('changed');
      const groups: TransactItem[][] = [];
      for (const changes of groupByPosition(command.reservations).values()) {
        const first = changes[0]!;
        if ((await bucketCount(first)) <= 1) {
          const total = changes.reduce((total, change) => total + change.quantity, 0);
          groups.push([
            unreservePosition(first, total, at),
            ...changes.map((change) => reservationTake(orderId, change, 'released', at)),
          ]);
          continue;
        }
        const takes = await reservationTakes(orderId, changes);
        if (!takes) return forgetCounts('changed');
        const perBucket: Takes = new Map();
        for (const t of takes.values()) addTakes(perBucket, t);
        groups.push([
          ...[...perBucket].map(([index, quantity]) => unreservePosition(first, quantity, at, index)),
          ...changes.map((change) => reservationTake(orderId, change, 'released', at, takes.get(change))),
        ]);
      }
      // Capacity comes back last, so it is never given back for units still reserved.
      const refundItems = capacity.refundItems(orderId, refunds, at);
      return runGroups(refundItems.length > 0 ? [...groups, refundItems] : groups);
    },

    getCapacityUsage: (keys) => capacity.getUsage(keys),
    listCapacityCharges: (orderId) => capacity.listCharges(orderId),

    async consumeReservations(command: ConsumeReservationsCommand): Promise<ConsumeReservationsResult> {
      const { at, orderId } = command;
      const items: TransactItem[] = [
        {
          Put: {
            TableName,
            Item: {
              ...inventoryKeys.consumption(orderId, command.shipmentId),
              entity: 'CONSUMPTION',
              orderId,
              shipmentId: command.shipmentId,
              reservations: command.reservations.map(({ lineId, sku, locationId, quantity }) => ({
                lineId,
                sku,
                locationId,
                quantity,
              })),
              confirmedAt: at,
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      ];
      const changes = groupByPosition(command.reservations);
      for (const position of command.positions) {
        const mine = changes.get(positionId(position)) ?? [];
        if ((await bucketCount(position)) <= 1) {
          items.push(...mine.map((change) => reservationTake(orderId, change, 'consumed', at)), {
            Update: {
              TableName,
              Key: inventoryKeys.position(position.sku, position.locationId),
              UpdateExpression: 'SET #onHand = :onHand, #reserved = #reserved - :quantity, #updatedAt = :at',
              ConditionExpression: `#onHand = :expected AND #reserved >= :quantity AND ${NOT_BUCKETED}`,
              ExpressionAttributeValues: {
                ':onHand': Math.max(0, position.expectedOnHand - position.quantity),
                ':expected': position.expectedOnHand,
                ':quantity': position.quantity,
                ':at': at,
                ':one': 1,
              },
            },
          });
          continue;
        }
        const layout = await readLayout(position);
        const takes = await reservationTakes(orderId, mine);
        if (!layout || !takes || sum(layout.buckets, 'onHand') !== position.expectedOnHand) {
          return forgetCounts('changed');
        }
        const perBucket: Takes = new Map();
        for (const t of takes.values()) addTakes(perBucket, t);
        items.push(
          ...mine.map((change) => reservationTake(orderId, change, 'consumed', at, takes.get(change))),
        );
        for (const [index, quantity] of perBucket) {
          const bucket = layout.buckets[index] ?? bucketState(index, undefined);
          items.push({
            Update: {
              TableName,
              Key: inventoryKeys.positionBucket(position.sku, position.locationId, index),
              UpdateExpression: 'SET #onHand = :onHand, #reserved = #reserved - :quantity, #updatedAt = :at',
              ConditionExpression: '#onHand = :expected AND #reserved >= :quantity',
              ExpressionAttributeValues: {
                ':onHand': Math.max(0, bucket.onHand - quantity),
                ':expected': bucket.onHand,
                ':quantity': quantity,
                ':at': at,
              },
            },
          });
        }
      }
      if (items.length > MAX_TRANSACTION_ITEMS)
        throw new Error('a shipment confirmation exceeds one transaction');
      const codes = await transact(doc, items);
      if (codes === undefined) return 'applied';
      return codes[0] === 'ConditionalCheckFailed' ? 'already-confirmed' : forgetCounts('changed');
    },

    async getConsumption(orderId, shipmentId) {
      const item = await getItem(inventoryKeys.consumption(orderId, shipmentId));
      return item ? (strip(item) as Consumption) : undefined;
    },

    async createHold(command: CreateHoldCommand): Promise<CreateHoldResult> {
      const { hold } = command;
      const positionItems: TransactItem[] = [];
      const bucketAllocations: (PositionKey & { bucket: number; quantity: number })[] = [];
      for (const position of command.positions) {
        if ((await bucketCount(position)) <= 1) {
          positionItems.push(reservePosition(position, hold.createdAt));
          continue;
        }
        const picked = await reserveInBuckets(position, hold.createdAt);
        if (!picked) return forgetCounts({ outcome: 'changed' });
        positionItems.push(...picked.items);
        for (const [bucket, quantity] of picked.takes) {
          bucketAllocations.push({ sku: position.sku, locationId: position.locationId, bucket, quantity });
        }
      }
      const items: TransactItem[] = [
        {
          Put: {
            TableName,
            Item: {
              ...inventoryKeys.hold(hold.holdId),
              entity: 'HOLD',
              GSI2PK: inventoryKeys.activeHoldShard(activeHoldShardOf(hold.holdId)),
              GSI2SK: inventoryKeys.activeHoldSort(hold.heldUntil, hold.holdId),
              expiresAt: epochSeconds(hold.heldUntil) + ACTIVE_HOLD_TTL_GRACE_SECONDS,
              ...hold,
              ...(bucketAllocations.length > 0 ? { bucketAllocations } : {}),
            },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
        ...positionItems,
      ];
      if (items.length > MAX_TRANSACTION_ITEMS) throw new Error('a hold exceeds one transaction');
      const codes = await transact(doc, items);
      if (codes === undefined) return { outcome: 'created' };
      if (codes[0] === 'ConditionalCheckFailed') {
        const stored = await getItem(inventoryKeys.hold(hold.holdId));
        if (stored) return { outcome: 'exists', hold: toHold(stored) };
      }
      return forgetCounts({ outcome: 'changed' });
    },

    async getHold(holdId) {
      const item = await getItem(inventoryKeys.hold(holdId));
      return item ? toHold(item) : undefined;
    },

    async endHold(command: EndHoldCommand) {
      const { hold, at } = command;
      // Units taken from buckets are recorded on the hold item (not part of the domain's Hold).
      const stored = await getItem(inventoryKeys.hold(hold.holdId));
      const inBuckets = (stored?.bucketAllocations ?? []) as (PositionKey & {
        bucket: number;
        quantity: number;
      })[];
      const bucketed = new Set(inBuckets.map(positionId));
      const items: TransactItem[] = [
        {
          Update: {
            TableName,
            Key: inventoryKeys.hold(hold.holdId),
            // Leaving the sparse index is what takes the hold out of the sweep.
            UpdateExpression:
              'SET #status = :status, #endedAt = :at, #expiresAt = :ttl REMOVE GSI2PK, GSI2SK',
            ConditionExpression: '#status = :active',
            ExpressionAttributeValues: {
              ':status': command.status,
              ':active': 'active',
              ':at': at,
              ':ttl': epochSeconds(at) + ENDED_HOLD_RETENTION_SECONDS,
            },
          },
        },
        ...hold.allocations
          .filter((allocation) => !bucketed.has(positionId(allocation)))
          .map((allocation) => unreservePosition(allocation, allocation.quantity, at)),
        ...inBuckets.map((allocation) =>
          unreservePosition(allocation, allocation.quantity, at, allocation.bucket),
        ),
      ];
      const codes = await transact(doc, items);
      if (codes === undefined) return 'ended';
      if (codes[0] === 'ConditionalCheckFailed') return 'not-active';
      throw new Error(
        `hold ${hold.holdId}: a position holds fewer reserved units than the hold (${codes.join(',')})`,
      );
    },

    async listExpiredHolds(now, limit) {
      const pages = await Promise.all(
        Array.from({ length: ACTIVE_HOLD_SHARDS }, (_, shard) =>
          doc.send(
            new QueryCommand({
              TableName,
              IndexName: INVENTORY_INDEXES.activeHolds,
              KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :upTo',
              // '~' sorts after every id character, so holds expiring exactly at `now` are included.
              ExpressionAttributeValues: { ':pk': inventoryKeys.activeHoldShard(shard), ':upTo': `${now}#~` },
              Limit: limit,
            }),
          ),
        ),
      );
      return pages
        .flatMap((page) => (page.Items ?? []).map(toHold))
        .filter((hold) => hold.status === 'active')
        .sort((a, b) => (a.heldUntil < b.heldUntil ? -1 : a.heldUntil > b.heldUntil ? 1 : 0))
        .slice(0, limit);
    },
  };
}
