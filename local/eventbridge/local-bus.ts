import { randomUUID } from 'node:crypto';
import { type EventPattern, matchesEventPattern } from './event-pattern.ts';
import { type CfnTargetInput, transformTargetInput } from './input-transformer.ts';

export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
  'replay-name'?: string;
}

export interface TargetDelivery {
  /** Delivers the transformed input; throws on failure (EventBridge then retries per RetryPolicy). */
  deliver(input: string, event: BusEvent): Promise<void>;
}

export interface LocalTarget extends CfnTargetInput {
  id: string;
  arn: string;
  delivery: TargetDelivery;
  retryPolicy: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  deadLetter?: (input: string, event: BusEvent, error: Error) => void;
}

export interface LocalRule {
  logicalId: string;
  name: string;
  arn: string;
  /** The partner the rule delivers to (template metadata), if any. */
  partner?: string;
  pattern: EventPattern;
  enabled: boolean;
  targets: LocalTarget[];
}

export interface LocalArchive {
  logicalId: string;
  name: string;
  pattern?: EventPattern;
  events: BusEvent[];
}

export interface PutEventsRequestEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Time?: string | number;
  Resources?: string[];
  EventBusName?: string;
}

/**
 * One EventBridge bus: PutEvents, rules (pattern, targets with input shaping, retry policy and
 * dead-letter queue), archives and replay. Target deliveries run in the background, as on AWS.
 */
export class LocalEventBus {
  readonly rules: LocalRule[] = [];
  readonly archives: LocalArchive[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly warnedMissingPaths = new Set<string>();
  /** Where the bus says loudly that AWS would deliver something else than the template suggests. */
  warn: (message: string) => void = (message) => console.warn(message);

  constructor(
    readonly logicalId: string,
    readonly name: string,
    readonly arn: string,
    private readonly account: string,
    private readonly region: string,
    /** Local backoff between target retries (EventBridge backs off over up to 24 hours). */
    private readonly retryDelayMs: (attempt: number) => number = (n) => Math.min(100 * 2 ** n, 2000),
    /** Retries attempted locally at most, whatever the policy says, so a dead partner cannot stall tests. */
    private readonly localRetryCap = 5,
  ) {}

  putEvents(
    entries: PutEventsRequestEntry[],
  ): { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[] {
    return entries.map((entry) => {
      if (!entry.Source || !entry.DetailType || !entry.Detail)
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and Detail are required' };
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      const time =
        typeof entry.Time === 'number'
          ? new Date(entry.Time * 1000)
          : entry.Time
            ? new Date(entry.Time)
            : new Date();
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.account,
        time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: entry.Resources ?? [],
        detail,
      };
      for (const archive of this.archives)
        if (!archive.pattern || matchesEventPattern(archive.pattern, event)) archive.events.push(event);
      this.route(event);
      return { EventId: event.id };
    });
  }

  /** The rule with this name, logical id or ARN. */
  findRule(nameOrArn: string): LocalRule | undefined {
    return this.rules.find((r) => [r.name, r.logicalId, r.arn].includes(nameOrArn));
  }

  /**
   * Sends one event again to one target of one rule (transform, retries, DLQ), as a replay filtered to
   * that rule would; the local redrive of an EventBridge target's dead-letter queue uses it.
   */
  redeliver(ruleNameOrArn: string, targetId: string, event: BusEvent): boolean {
    const rule = this.findRule(ruleNameOrArn);
    const target = rule?.targets.find((t) => t.id === targetId);
    if (!rule || !target) return false;
    const job = this.deliver(rule, target, event).finally(() => this.inflight.delete(job));
    this.inflight.add(job);
    return true;
  }

  /**
   * Re-sends archived events from [start, end) to the rules (all, or the named ones: name, logical id or
   * ARN, as StartReplay's Destination.FilterArns), marked with replay-name.
   */
  replay(
    archiveName: string,
    options: { replayName?: string; start?: Date; end?: Date; ruleNames?: string[] } = {},
  ) {
    const archive = this.archives.find((a) => a.name === archiveName || a.logicalId === archiveName);
    if (!archive) throw new Error(`No archive ${archiveName} on bus ${this.name}`);
    const replayName = options.replayName ?? `replay-${Date.now()}`;
    const chosen = archive.events.filter((e) => {
      const t = Date.parse(e.time);
      return (!options.start || t >= options.start.getTime()) && (!options.end || t < options.end.getTime());
    });
    for (const event of chosen) this.route({ ...event, 'replay-name': replayName }, options.ruleNames);
    return { replayName, events: chosen.length };
  }

  /** Counts background work a target started (e.g. a Lambda async invocation) until it finishes. */
  track(job: Promise<void>): void {
    const tracked: Promise<void> = job.catch(() => {}).finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  /** Resolves once every delivery started so far has finished (retries included). */
  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.all([...this.inflight]);
  }

  private route(event: BusEvent, ruleNames?: string[]): void {
    for (const rule of this.rules) {
      if (!rule.enabled) continue;
      if (ruleNames && ![rule.name, rule.logicalId, rule.arn].some((n) => ruleNames.includes(n))) continue;
      if (!matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const job = this.deliver(rule, target, event).finally(() => this.inflight.delete(job));
        this.inflight.add(job);
      }
    }
  }

  private async deliver(rule: LocalRule, target: LocalTarget, event: BusEvent): Promise<void> {
    let input: string;
    try {
      input = transformTargetInput(target, event, rule.name, {
        ruleArn: rule.arn,
        onMissingPath: (variable, path) => {
          const key = `${rule.name}/${target.id}/${variable}`;
          if (this.warnedMissingPaths.has(key)) return;
          this.warnedMissingPaths.add(key);
          this.warn(
            `EventBridge rule ${rule.name} target ${target.id}: InputPathsMap <${variable}> = ${path} is not in a ${event['detail-type']} event. ` +
              'AWS creates no variable for it and writes nothing in its place (not null), so the target gets a body it likely cannot parse.',
          );
        },
      });
    } catch (error) {
      target.deadLetter?.('', event, error as Error);
      return;
    }
    const attempts = Math.min(target.retryPolicy.maximumRetryAttempts, this.localRetryCap) + 1;
    const deadline = Date.parse(event.time) + target.retryPolicy.maximumEventAgeSeconds * 1000;
    let lastError = new Error('not attempted');
    for (let attempt = 0; attempt < attempts && Date.now() <= deadline + 60_000; attempt++) {
      try {
        await target.delivery.deliver(input, event);
        return;
      } catch (error) {
        lastError = error as Error;
        if (attempt + 1 < attempts) await new Promise((r) => setTimeout(r, this.retryDelayMs(attempt)));
      }
    }
    target.deadLetter?.(input, event, lastError);
  }
}
