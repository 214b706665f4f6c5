import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, NativeAttributeValue>;
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Per-item cancellation codes of a cancelled transaction (`ConditionalCheckFailed`, `TransactionConflict`, `None`…). */
export function cancellationReasons(error: unknown): string[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
}

/**
 * DynamoDB Local serialises transactions with item locks and, when one waits too long behind others
 * on a hot item (a location's capacity counter under a burst of orders), answers 500 "timed out
 * because it too long waiting for a lock", adding that AWS would accept the request. DynamoDB itself
 * cancels such a transaction with `TransactionConflict` instead, so both are retried the same way.
 */
export function isLocalLockTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'InternalServerError' &&
    error.message.includes('waiting for a lock')
  );
}

/**
 * Runs one transaction. Returns undefined on success, or the per-item codes when a condition was
 * false. Transactions racing on the same item are cancelled with `TransactionConflict` although no
 * condition failed; those are retried with jittered backoff, since the same conditions may pass a
 * moment later (as are DynamoDB Local's lock timeouts, its form of the same race). A retry is safe
 * even if the first try was applied after all: every write is conditional on the state read, so a
 * repeat is refused rather than applied twice.
 */
export async function transactWrite(
  doc: DynamoDBDocumentClient,
  items: TransactItem[],
  options: { attempts?: number } = {},
): Promise<string[] | undefined> {
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await doc.send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      if (isLocalLockTimeout(error) && attempt < attempts) {
        await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
        continue;
      }
      const codes = cancellationReasons(error);
      if (codes === undefined) throw error;
      if (codes.includes('ConditionalCheckFailed')) return codes;
      if (!codes.includes('TransactionConflict') || attempt >= attempts) throw error;
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
}

/** Every item a query matches, following LastEvaluatedKey. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Items by `PK|SK`, read consistently (BatchGetItem in pages of 100, following UnprocessedKeys). */
export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Item[],
): Promise<Map<string, Item>> {
  const out = new Map<string, Item>();
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] | undefined = keys.slice(i, i + 100);
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round > 0) await sleep(Math.min(200, 10 * 2 ** round));
      const page = await doc.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      for (const item of page.Responses?.[tableName] ?? []) out.set(`${item.PK}|${item.SK}`, item);
      pending = page.UnprocessedKeys?.[tableName]?.Keys as Item[] | undefined;
    }
  }
  return out;
}
