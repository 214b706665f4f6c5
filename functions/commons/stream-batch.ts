import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';

/**
 * Partial batch responses for DynamoDB Streams: the records that failed, by sequence number, so the
 * event source mapping retries from the first failure instead of the whole batch.
 * (The shape of Powertools' `processPartialResponse` with `EventType.DynamoDBStreams`; swap to
 * `@aws-lambda-powertools/batch` once it is a dependency.)
 */
export function partialResponse(failed: DynamoDBRecord[]): DynamoDBBatchResponse {
  return {
    batchItemFailures: failed
      .map((r) => r.dynamodb?.SequenceNumber)
      .filter((s): s is string => s !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}
