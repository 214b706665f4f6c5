import { invocationError } from '../eventbridge/lambda-async.ts';
import type { LambdaService } from '../lambda/lambda-service.ts';
import type { LocalQueue, QueueMessage } from './local-queue.ts';

/**
 * Lambda's SQS event source mapping, locally: receives batches, invokes, deletes what succeeded
 * (batchItemFailures name the rest), and lets failed messages reappear after the visibility timeout,
 * so the queue's redrive policy eventually moves them to its dead-letter queue.
 */
export class QueueConsumer {
  private timer?: NodeJS.Timeout;
  private busy = false;
  private stopped = false;
  private unsubscribe?: () => void;

  constructor(
    private readonly queue: LocalQueue,
    private readonly lambda: LambdaService,
    private readonly functionName: string,
    private readonly batchSize: number,
    private readonly reportBatchItemFailures: boolean,
    private readonly region: string,
  ) {}

  start(): void {
    this.unsubscribe = this.queue.onMessage(() => this.kick(0));
    this.kick(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
  }

  private kick(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.drain(), Math.max(0, delayMs));
  }

  private async drain(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      for (;;) {
        const batch = this.queue.receive(this.batchSize);
        if (batch.length === 0 || this.stopped) break;
        await this.invoke(batch);
      }
    } finally {
      this.busy = false;
    }
    const next = this.queue.nextVisibleAt();
    if (next !== undefined) this.kick(next - Date.now() + 5);
  }

  private async invoke(batch: QueueMessage[]): Promise<void> {
    // An invocation that cannot run (e.g. the function's init fails) is a failed batch, as on AWS.
    const result = await this.lambda
      .invoke(this.functionName, {
        Records: batch.map((m) => ({
          messageId: m.messageId,
          receiptHandle: m.messageId,
          body: m.body,
          attributes: {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt),
            ApproximateFirstReceiveTimestamp: String(Date.now()),
            SenderId: 'local',
            ...m.attributes,
          },
          messageAttributes: {},
          md5OfBody: '',
          eventSource: 'aws:sqs',
          eventSourceARN: this.queue.arn,
          awsRegion: this.region,
        })),
      })
      .catch((error: unknown) => ({ ok: false as const, error: invocationError(error) }));
    if (!result.ok) return; // the whole batch becomes visible again
    const failed = new Set(
      this.reportBatchItemFailures
        ? (
            (result.payload as { batchItemFailures?: { itemIdentifier: string }[] } | null)
              ?.batchItemFailures ?? []
          ).map((f) => f.itemIdentifier)
        : [],
    );
    for (const m of batch) if (!failed.has(m.messageId)) this.queue.delete(m.messageId);
  }
}
