import { randomUUID } from 'node:crypto';

export interface QueueMessage {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  visibleAt: number;
  attributes: Record<string, string>;
}

/**
 * An SQS queue in memory: visibility timeout, receive counts and redrive to a dead-letter queue after
 * maxReceiveCount receives, as the template's RedrivePolicy says.
 */
export class LocalQueue {
  readonly messages: QueueMessage[] = [];
  private listeners = new Set<() => void>();
  deadLetter?: { queue: LocalQueue; maxReceiveCount: number };

  constructor(
    readonly logicalId: string,
    readonly arn: string,
    readonly name: string,
    readonly visibilityTimeoutMs: number,
  ) {}

  send(body: string, attributes: Record<string, string> = {}): string {
    const messageId = randomUUID();
    const now = Date.now();
    this.messages.push({ messageId, body, receiveCount: 0, sentAt: now, visibleAt: now, attributes });
    for (const listener of this.listeners) listener();
    return messageId;
  }

  onMessage(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Receives up to `max` visible messages; a message over its receive limit moves to the DLQ instead. */
  receive(max: number): QueueMessage[] {
    const now = Date.now();
    const out: QueueMessage[] = [];
    for (const message of [...this.messages]) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (this.deadLetter && message.receiveCount >= this.deadLetter.maxReceiveCount) {
        this.remove(message.messageId);
        this.deadLetter.queue.send(message.body, {
          ...message.attributes,
          DeadLetterQueueSourceArn: this.arn,
        });
        continue;
      }
      message.receiveCount += 1;
      message.visibleAt = now + this.visibilityTimeoutMs;
      out.push(message);
    }
    return out;
  }

  delete(messageId: string): void {
    this.remove(messageId);
  }

  /** Moves every message of this (dead-letter) queue back to `target`, as SQS's redrive does. */
  redriveTo(target: LocalQueue): number {
    const moved = this.messages.splice(0);
    for (const m of moved) target.send(m.body, m.attributes);
    return moved.length;
  }

  /** Earliest moment a message becomes visible, or undefined if the queue is empty. */
  nextVisibleAt(): number | undefined {
    return this.messages.reduce<number | undefined>(
      (min, m) => (min === undefined || m.visibleAt < min ? m.visibleAt : min),
      undefined,
    );
  }

  private remove(messageId: string) {
    const i = this.messages.findIndex((m) => m.messageId === messageId);
    if (i >= 0) this.messages.splice(i, 1);
  }
}
