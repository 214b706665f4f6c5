import { matchesEventPattern } from '../eventbridge/event-pattern.ts';
import { invocationError } from '../eventbridge/lambda-async.ts';
import type { InvokeResult, LambdaService } from '../lambda/lambda-service.ts';
import type { StreamRecord, StreamsClient } from './streams-client.ts';

export interface StreamMappingConfig {
  logicalId: string;
  functionName: string;
  /** Real stream ARN in DynamoDB Local. */
  streamArn: string;
  /** The ARN the template names (what Lambda would put in eventSourceARN). */
  templateStreamArn: string;
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  batchSize: number;
  filters: Record<string, unknown>[];
  bisectOnError: boolean;
  reportBatchItemFailures: boolean;
  /** -1 = until the record expires (capped locally). */
  maximumRetryAttempts: number;
  onFailure?: (invocationRecord: unknown) => void;
  region: string;
}

/** Retries when the template says "infinite": locally a stuck batch must not block forever. */
const LOCAL_RETRY_CAP = 10;

/**
 * Lambda's DynamoDB Streams event source mapping, locally: polls each shard, filters with the
 * mapping's criteria, invokes in batches, honours batchItemFailures (retry from the first failure),
 * bisects on function errors, and after the retry budget sends the batch's description to the
 * on-failure destination, then moves on (as Lambda does).
 */
export class StreamPoller {
  private readonly iterators = new Map<string, string | null>();
  /** Sequence number of the last record read per shard, to resume after an iterator is refused. */
  private readonly lastSequence = new Map<string, string>();
  private running = false;
  private loop?: Promise<void>;
  readonly delivered: StreamRecord[] = [];

  constructor(
    private readonly client: StreamsClient,
    private readonly lambda: LambdaService,
    readonly config: StreamMappingConfig,
    private readonly pollIntervalMs = 100,
    private readonly onError: (error: Error) => void = () => {},
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.pollOnce();
        } catch (error) {
          this.onError(error as Error);
        }
        await new Promise((r) => setTimeout(r, this.pollIntervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async pollOnce(): Promise<void> {
    for (const shardId of await this.client.shardIds(this.config.streamArn)) {
      if (!this.iterators.has(shardId)) {
        this.iterators.set(
          shardId,
          await this.client.iterator(this.config.streamArn, shardId, this.config.startingPosition),
        );
      }
    }
    for (const [shardId, iterator] of this.iterators) {
      if (!iterator || !this.running) continue;
      let page: { records: StreamRecord[]; next?: string };
      try {
        page = await this.client.records(iterator);
      } catch (error) {
        // An iterator DynamoDB no longer honours (expired, or pointing at trimmed records): Lambda
        // gets a fresh one and goes on, after the last record it read (else from the trim horizon).
        if (!/ExpiredIterator|TrimmedDataAccess/.test(String((error as Error).message ?? error))) throw error;
        const last = this.lastSequence.get(shardId);
        this.onError(
          new Error(
            `shard ${shardId}: ${(error as Error).message}; re-reading after ${last ?? 'the trim horizon'}`,
          ),
        );
        this.iterators.set(
          shardId,
          await this.client
            .iterator(this.config.streamArn, shardId, last ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON', last)
            .catch(() => this.client.iterator(this.config.streamArn, shardId, 'TRIM_HORIZON')),
        );
        continue;
      }
      const { records, next } = page;
      const lastRecord = records.at(-1);
      if (lastRecord) this.lastSequence.set(shardId, lastRecord.dynamodb.SequenceNumber);
      this.iterators.set(shardId, next ?? null);
      const events = records.map((r) => this.toLambdaRecord(r)).filter((r) => this.matches(r));
      for (let i = 0; i < events.length; i += this.config.batchSize) {
        await this.process(events.slice(i, i + this.config.batchSize), shardId);
      }
    }
  }

  /**
   * Re-processes the stream range an on-failure record names (its DDBStreamBatchInfo), as an operator
   * does on AWS, where a stream mapping's on-failure destination has no built-in redrive: read the
   * shard (within the stream's 24 h retention), take the mapping's matching records from start to end
   * sequence number, and invoke the function with the mapping's batch size, retries and on-failure
   * destination. Returns the number of records sent. Local helper; idempotent consumers make it safe.
   */
  async reprocess(info: {
    shardId: string;
    startSequenceNumber?: string;
    endSequenceNumber?: string;
  }): Promise<number> {
    const start = BigInt(info.startSequenceNumber ?? '0');
    const end = info.endSequenceNumber === undefined ? undefined : BigInt(info.endSequenceNumber);
    let iterator: string | undefined = await this.client.iterator(
      this.config.streamArn,
      info.shardId,
      'TRIM_HORIZON',
    );
    const picked: StreamRecord[] = [];
    for (let page = 0; iterator && page < 1000; page++) {
      const { records, next }: { records: StreamRecord[]; next?: string } =
        await this.client.records(iterator);
      for (const record of records) {
        const sequence = BigInt(record.dynamodb.SequenceNumber);
        if (sequence >= start && (end === undefined || sequence <= end)) picked.push(record);
      }
      const last = records.at(-1);
      if (!last || (end !== undefined && BigInt(last.dynamodb.SequenceNumber) >= end)) break;
      iterator = next;
    }
    const events = picked.map((r) => this.toLambdaRecord(r)).filter((r) => this.matches(r));
    for (let i = 0; i < events.length; i += this.config.batchSize) {
      await this.process(events.slice(i, i + this.config.batchSize), info.shardId);
    }
    return events.length;
  }

  private toLambdaRecord(record: StreamRecord): StreamRecord & { eventSourceARN: string } {
    return {
      ...record,
      eventVersion: record.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.config.region,
      eventSourceARN: this.config.templateStreamArn,
    };
  }

  private matches(record: StreamRecord): boolean {
    return (
      this.config.filters.length === 0 || this.config.filters.some((f) => matchesEventPattern(f, record))
    );
  }

  private async process(batch: StreamRecord[], shardId: string, attempt = 0): Promise<void> {
    if (batch.length === 0) return;
    // An invocation that cannot run (e.g. the function's init fails) is a function error, as on AWS.
    const result: InvokeResult = await this.lambda
      .invoke(this.config.functionName, { Records: batch })
      .catch((error: unknown) => ({ ok: false as const, error: invocationError(error) }));
    let remaining: StreamRecord[] = [];
    let functionError = false;
    if (!result.ok) {
      remaining = batch;
      functionError = true;
    } else if (this.config.reportBatchItemFailures) {
      const failures = (result.payload as { batchItemFailures?: { itemIdentifier?: string }[] } | null)
        ?.batchItemFailures;
      const first = failures?.length
        ? batch.findIndex((r) => failures.some((f) => f.itemIdentifier === r.dynamodb.SequenceNumber))
        : -1;
      // Lambda resumes from the lowest failed sequence number; an unknown identifier fails the batch.
      if (failures?.length) remaining = first >= 0 ? batch.slice(first) : batch;
    }
    if (remaining.length === 0) {
      this.delivered.push(...batch);
      return;
    }
    this.delivered.push(...batch.slice(0, batch.length - remaining.length));
    const budget =
      this.config.maximumRetryAttempts < 0
        ? LOCAL_RETRY_CAP
        : Math.min(this.config.maximumRetryAttempts, LOCAL_RETRY_CAP);
    if (functionError && this.config.bisectOnError && remaining.length > 1 && attempt < budget) {
      const half = Math.ceil(remaining.length / 2);
      await this.process(remaining.slice(0, half), shardId, attempt + 1);
      await this.process(remaining.slice(half), shardId, attempt + 1);
      return;
    }
    if (attempt < budget) {
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 1000)));
      await this.process(remaining, shardId, attempt + 1);
      return;
    }
    this.config.onFailure?.({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: attempt + 1,
        functionArn: this.config.functionName,
      },
      responseContext: result.ok ? { statusCode: 200 } : { functionError: result.error.errorType },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: remaining[0]?.dynamodb.SequenceNumber,
        endSequenceNumber: remaining.at(-1)?.dynamodb.SequenceNumber,
        batchSize: remaining.length,
        streamArn: this.config.templateStreamArn,
      },
    });
  }
}
