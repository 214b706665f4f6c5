import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PARTNER_METADATA } from '../../infra/template-metadata.ts';
import { StreamPoller } from '../dynamodb/stream-poller.ts';
import { StreamsClient } from '../dynamodb/streams-client.ts';
import type { LambdaService, LocalFunction } from '../lambda/lambda-service.ts';
import { LocalQueue } from '../sqs/local-queue.ts';
import { QueueConsumer } from '../sqs/queue-consumer.ts';
import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';
import type { CfnTargetInput } from './input-transformer.ts';
import { asyncInvokeConfigs, LambdaAsyncInvoker } from './lambda-async.ts';
import { type BusEvent, LocalEventBus, type LocalTarget } from './local-bus.ts';
import { templatePatterns } from './template-patterns.ts';

/** Local stand-ins for a partner: where to send and which secret to use (the config names real ones). */
export interface PartnerOverride {
  url: string;
  /** The secret string: `whsec_…` for signed delivery; the key, or `{"username","password"}` JSON, for API destinations. */
  secret: string;
}

export interface FanoutOptions {
  partners?: Record<string, PartnerOverride>;
  /** SQS visibility timeout locally (the template's is minutes); default 1 s. */
  visibilityTimeoutMs?: number;
  pollIntervalMs?: number;
  /** Backoff between EventBridge target retries locally (also between Lambda async-invocation retries). */
  targetRetryDelayMs?: (attempt: number) => number;
  /**
   * Runs a rule's AWS::StepFunctions::StateMachine target: StartExecution of `stateMachineArn` (the
   * template's resolved ARN) with `input`, the target's transformed input (a JSON string, as the
   * StartExecution API takes it). Resolves once the execution is started (not finished); a rejection
   * is a failed delivery, retried per the target's RetryPolicy and then dead-lettered, as on AWS.
   * Without it, state machine targets are not emulated (a warning says so).
   * The local runtime passes its Step Functions service here.
   */
  startExecution?: (stateMachineArn: string, input: string) => Promise<unknown>;
}

/** An event an EventBridge target gave up on, kept so a local redrive can send it to that target again. */
export interface DeadLetteredEvent {
  bus: LocalEventBus;
  ruleArn: string;
  targetId: string;
  event: BusEvent;
}

export interface LocalFanout {
  buses: LocalEventBus[];
  queues: LocalQueue[];
  /** Dead-letter queues (logical id) and what uses each: redrive policies, rule targets, on-failure destinations. */
  deadLetterQueues: Map<string, string[]>;
  /** Rule-target dead letters by SQS message id (see LocalEventBus.redeliver). */
  deadLettered: Map<string, DeadLetteredEvent>;
  pollers: StreamPoller[];
  secrets: Map<string, string>;
  bus(nameOrLogicalId: string): LocalEventBus;
  queue(logicalIdPrefix: string): LocalQueue;
  warnings: string[];
  /** Serves the AWS JSON APIs the functions call locally (EventBridge PutEvents, Secrets Manager). */
  handleAwsCall(target: string, body: Record<string, unknown>): { status: number; body: unknown };
  start(): void;
  close(): Promise<void>;
}

const idOf = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    return v.Ref ?? v['Fn::GetAtt']?.[0];
  }
  return undefined;
};

/** Resolves `{{resolve:secretsmanager:name:SecretString:field::}}` against the local secret store. */
function resolveDynamicSecret(value: string, secrets: Map<string, string>): string {
  return value.replace(
    /\{\{resolve:secretsmanager:([^:}]+)(?::SecretString:([^:}]*))?[^}]*\}\}/g,
    (_m, name: string, field?: string) => {
      const secret = secrets.get(name);
      if (secret === undefined)
        throw new Error(`secret ${name} has no local value (set it with the partners option)`);
      if (!field) return secret;
      return String((JSON.parse(secret) as Record<string, unknown>)[field] ?? '');
    },
  );
}

/**
 * Event fan-out from the template: DynamoDB stream and SQS event source mappings, EventBridge buses
 * with their archives and rules, SQS queues with redrive, API destinations with their connections.
 */
export async function fanoutFromTemplate(args: {
  ctx: IntrinsicContext;
  lambda: LambdaService;
  functions: LocalFunction[];
  dynamoEndpoint: string;
  functionName(logicalId: string): string;
  tableName(logicalId: string): string;
  options: FanoutOptions;
}): Promise<LocalFanout> {
  const { ctx, lambda, options } = args;
  const template = ctx.template;
  const warnings: string[] = [];
  const secrets = new Map<string, string>();
  const resolved = (v: unknown) => resolveIntrinsics(v, ctx);
  // Parsed and validated up front: a pattern deploy would reject stops the load, naming its resource.
  const patterns = templatePatterns(ctx);

  // Partner overrides: sender functions (signed) by their PARTNER_ID environment.
  const partners = options.partners ?? {};
  const overridden = new Set<string>();
  for (const fn of args.functions) {
    const id = fn.environment.PARTNER_ID;
    if (!id) continue;
    const override = partners[id];
    if (!override) {
      warnings.push(
        `Partner ${id}: no local override; its sender would call ${fn.environment.PARTNER_ENDPOINT} and has no secret locally.`,
      );
      continue;
    }
    fn.environment.PARTNER_ENDPOINT = override.url;
    if (fn.environment.PARTNER_SECRET_ID) secrets.set(fn.environment.PARTNER_SECRET_ID, override.secret);
    overridden.add(id);
  }

  // Queues, then their redrive policies.
  const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId]) => {
    const arn = String(resolved({ 'Fn::GetAtt': [logicalId, 'Arn'] }));
    return new LocalQueue(
      logicalId,
      arn,
      String(resolved({ 'Fn::GetAtt': [logicalId, 'QueueName'] })),
      options.visibilityTimeoutMs ?? 1000,
    );
  });
  const queueById = new Map(queues.map((q) => [q.logicalId, q]));
  /** Messages an EventBridge target dead-lettered, by message id: what a local redrive re-delivers. */
  const deadLettered = new Map<string, DeadLetteredEvent>();
  const deadLetterQueues = new Map<string, string[]>();
  const usesDeadLetter = (queue: LocalQueue, use: string) =>
    deadLetterQueues.set(queue.logicalId, [...(deadLetterQueues.get(queue.logicalId) ?? []), use]);
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::SQS::Queue')) {
    const redrive = resource.Properties?.RedrivePolicy as
      | { deadLetterTargetArn?: unknown; maxReceiveCount?: number }
      | undefined;
    const dlq = queueById.get(idOf(redrive?.deadLetterTargetArn) ?? '');
    const queue = queueById.get(logicalId);
    if (queue && dlq && redrive?.maxReceiveCount) {
      queue.deadLetter = { queue: dlq, maxReceiveCount: redrive.maxReceiveCount };
      usesDeadLetter(dlq, `redrive policy of queue ${queue.name}`);
    }
  }
  if (queues.length)
    warnings.push(
      `SQS queues are in memory: visibility timeouts are ${options.visibilityTimeoutMs ?? 1000} ms locally (minutes in the template); retention, encryption and TLS-only policies are not emulated.`,
    );

  // Connections and API destinations.
  const connections = new Map<string, { partner?: string; headers(): Record<string, string> }>();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::Connection')) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    const partner = resource.Metadata?.[PARTNER_METADATA] as string | undefined;
    const auth = (p.AuthParameters ?? {}) as Record<string, Record<string, unknown>>;
    const override = partner ? partners[partner] : undefined;
    const secretNames = JSON.stringify(auth).match(/resolve:secretsmanager:([^:}]+)/g) ?? [];
    if (override)
      for (const m of secretNames) secrets.set(m.slice('resolve:secretsmanager:'.length), override.secret);
    if (p.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS')
      warnings.push(
        `Connection ${logicalId}: OAuth client credentials are not emulated; requests go without Authorization.`,
      );
    connections.set(logicalId, {
      ...(partner ? { partner } : {}),
      headers() {
        const apiKey = auth.ApiKeyAuthParameters;
        if (apiKey)
          return {
            [String(apiKey.ApiKeyName)]: resolveDynamicSecret(String(resolved(apiKey.ApiKeyValue)), secrets),
          };
        const basic = auth.BasicAuthParameters;
        if (basic) {
          const user = resolveDynamicSecret(String(resolved(basic.Username)), secrets);
          const password = resolveDynamicSecret(String(resolved(basic.Password)), secrets);
          return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
        }
        return {};
      },
    });
  }
  const destinations = new Map<
    string,
    {
      url: string;
      method: string;
      connection?: string /** Partner without a local override. */;
      blocked?: string;
    }
  >();
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::ApiDestination')) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    const partner = resource.Metadata?.[PARTNER_METADATA] as string | undefined;
    const override = partner ? partners[partner] : undefined;
    if (partner && !override)
      warnings.push(
        `Partner ${partner}: no local override; its API destination (${String(p.InvocationEndpoint)}) is not called locally: deliveries fail to its DLQ (set one with --partner ${partner}=url,secret).`,
      );
    if (override) overridden.add(partner ?? '');
    const connection = idOf(p.ConnectionArn);
    destinations.set(logicalId, {
      url: override?.url ?? String(resolved(p.InvocationEndpoint)),
      ...(partner && !override ? { blocked: partner } : {}),
      method: String(p.HttpMethod ?? 'POST'),
      ...(connection ? { connection } : {}),
    });
    if (p.InvocationRateLimitPerSecond)
      warnings.push(
        `API destination ${logicalId}: the rate limit (${String(p.InvocationRateLimitPerSecond)}/s) is not enforced locally.`,
      );
  }
  for (const id of Object.keys(partners))
    if (!overridden.has(id)) warnings.push(`Partner override ${id} matches no partner in the template.`);

  // Buses, archives, rules.
  const buses = resourcesOfType(template, 'AWS::Events::EventBus').map(
    ([logicalId]) =>
      new LocalEventBus(
        logicalId,
        String(resolved({ Ref: logicalId })),
        String(resolved({ 'Fn::GetAtt': [logicalId, 'Arn'] })),
        ctx.accountId,
        ctx.region,
        options.targetRetryDelayMs,
      ),
  );
  const busById = new Map(buses.map((b) => [b.logicalId, b]));
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::Archive')) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    const bus = busById.get(idOf(p.SourceArn) ?? '');
    if (!bus) {
      warnings.push(`Archive ${logicalId} is not on a bus of this template; not emulated.`);
      continue;
    }
    bus.archives.push({
      logicalId,
      name: String(p.ArchiveName ?? logicalId),
      ...(patterns.eventPatterns.has(logicalId) ? { pattern: patterns.eventPatterns.get(logicalId)! } : {}),
      events: [],
    });
    warnings.push(
      `Archive ${logicalId}: kept in memory for the runtime's life (retention ${String(p.RetentionDays ?? 'indefinite')} days on AWS).`,
    );
  }

  const deadLetterTo = (
    config: unknown,
    bus: LocalEventBus,
    ruleArn: string,
    targetId: string,
    targetArn: string,
  ) => {
    const queue = queueById.get(idOf((config as { Arn?: unknown } | undefined)?.Arn) ?? '');
    if (!queue) return undefined;
    usesDeadLetter(queue, `dead-letter queue of rule ${ruleArn} target ${targetId}`);
    return (input: string, event: BusEvent, error: Error) => {
      const messageId = queue.send(input || JSON.stringify(event), {
        ERROR_CODE: 'LocalDeliveryFailed',
        ERROR_MESSAGE: error.message,
        RULE_ARN: ruleArn,
        TARGET_ARN: targetArn,
      });
      deadLettered.set(messageId, { bus, ruleArn, targetId, event });
    };
  };

  const asyncConfigs = asyncInvokeConfigs(template, queueById, warnings);
  for (const [fnId, c] of asyncConfigs) {
    if (c.onFailure) usesDeadLetter(c.onFailure, `async on-failure destination of function ${fnId}`);
    if (c.deadLetter) usesDeadLetter(c.deadLetter, `dead-letter queue of function ${fnId}`);
  }
  const localFunctionIds = new Set(args.functions.map((f) => f.logicalId));
  let lambdaTargets = 0;
  let stateMachineTargets = 0;

  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Events::Rule')) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    // Schedule rules run in local/scheduler (scheduled-rules.ts).
    if (p.ScheduleExpression !== undefined) continue;
    const bus = busById.get(idOf(p.EventBusName) ?? '');
    if (!bus) {
      warnings.push(
        `Rule ${logicalId} is not on a bus of this template (default bus or schedule); not emulated.`,
      );
      continue;
    }
    const targets: LocalTarget[] = [];
    const ruleArn = `arn:aws:events:${ctx.region}:${ctx.accountId}:rule/${bus.name}/${logicalId}`;
    for (const t of (p.Targets ?? []) as (CfnTargetInput & Record<string, unknown>)[]) {
      const targetId = idOf(t.Arn) ?? '';
      const type = template.Resources[targetId]?.Type;
      const retry = (t.RetryPolicy ?? {}) as {
        MaximumRetryAttempts?: number;
        MaximumEventAgeInSeconds?: number;
      };
      const deadLetter = deadLetterTo(
        t.DeadLetterConfig,
        bus,
        ruleArn,
        String(t.Id),
        String(resolved(t.Arn)),
      );
      const base = {
        id: String(t.Id),
        arn: String(resolved(t.Arn)),
        ...(t.Input !== undefined ? { Input: t.Input } : {}),
        ...(t.InputPath !== undefined ? { InputPath: t.InputPath } : {}),
        ...(t.InputTransformer !== undefined
          ? { InputTransformer: resolved(t.InputTransformer) as CfnTargetInput['InputTransformer'] }
          : {}),
        retryPolicy: {
          maximumRetryAttempts: retry.MaximumRetryAttempts ?? 185,
          maximumEventAgeSeconds: retry.MaximumEventAgeInSeconds ?? 86_400,
        },
        ...(deadLetter ? { deadLetter } : {}),
      };
      if (type === 'AWS::Lambda::Function') {
        // EventBridge invokes Lambda asynchronously: the rule's retry policy and DLQ cover the hand-off;
        // function errors are retried by Lambda's async invocation (EventInvokeConfig, function DLQ).
        const functionName = args.functionName(targetId);
        if (!localFunctionIds.has(targetId))
          warnings.push(
            `Rule ${logicalId}: target ${String(t.Id)} invokes function ${targetId}, which does not run locally; deliveries fail to the rule's DLQ.`,
          );
        const invoker = new LambdaAsyncInvoker(
          lambda,
          asyncConfigs,
          (job) => bus.track(job),
          options.targetRetryDelayMs,
        );
        lambdaTargets++;
        targets.push({
          ...base,
          delivery: { deliver: async (input) => invoker.invoke(targetId, functionName, input) },
        });
      } else if (type === 'AWS::StepFunctions::StateMachine') {
        const start = options.startExecution;
        if (!start) {
          warnings.push(
            `Rule ${logicalId}: target ${String(t.Id)} starts state machine ${targetId}, which is not emulated locally (no Step Functions service was given to the fan-out).`,
          );
          continue;
        }
        stateMachineTargets++;
        const stateMachineArn = String(resolved(t.Arn));
        targets.push({
          ...base,
          delivery: { deliver: async (input) => void (await start(stateMachineArn, input)) },
        });
      } else if (type === 'AWS::SQS::Queue') {
        const queue = queueById.get(targetId)!;
        targets.push({ ...base, delivery: { deliver: async (input) => void queue.send(input) } });
      } else if (type === 'AWS::Events::ApiDestination') {
        const destination = destinations.get(targetId)!;
        const headerParams =
          (t.HttpParameters as { HeaderParameters?: Record<string, string> } | undefined)?.HeaderParameters ??
          {};
        targets.push({
          ...base,
          delivery: {
            async deliver(input, event) {
              // A real partner endpoint is never called from a developer machine.
              if (destination.blocked)
                throw new Error(
                  `partner ${destination.blocked} has no local override; its endpoint is not called`,
                );
              const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
              for (const [name, value] of Object.entries(headerParams)) {
                // Header values may be JSON paths into the event (API destinations' dynamic parameters).
                headers[name] = value.startsWith('$.')
                  ? String(
                      value
                        .slice(2)
                        .split('.')
                        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], event) ??
                        '',
                    )
                  : value;
              }
              Object.assign(
                headers,
                destination.connection ? connections.get(destination.connection)?.headers() : {},
              );
              const response = await fetch(destination.url, {
                method: destination.method,
                headers,
                body: input,
                signal: AbortSignal.timeout(5000),
              });
              await response.arrayBuffer();
              // EventBridge retries 429 and 5xx; other 4xx are not retried (they go straight to the DLQ).
              if (response.status >= 400) throw new Error(`API destination answered ${response.status}`);
            },
          },
        });
      } else {
        warnings.push(
          `Rule ${logicalId}: target ${String(t.Id)} (${type ?? 'outside the template'}) is not emulated locally.`,
        );
      }
    }
    const partner = resource.Metadata?.[PARTNER_METADATA];
    bus.rules.push({
      logicalId,
      name: String(p.Name ?? logicalId),
      arn: ruleArn,
      ...(typeof partner === 'string' ? { partner } : {}),
      pattern: patterns.eventPatterns.get(logicalId)!,
      enabled: (p.State ?? 'ENABLED') === 'ENABLED',
      targets,
    });
  }
  if (lambdaTargets)
    warnings.push(
      `${lambdaTargets} rule targets invoke Lambda asynchronously: function-error retries (EventInvokeConfig, 2 by default) back off for at most 2 s locally (1 and 2 minutes on AWS); the invocation's IAM permission is not checked.`,
    );
  if (stateMachineTargets)
    warnings.push(
      `${stateMachineTargets} rule targets start Step Functions executions locally; the target's role is not checked.`,
    );
  if (buses.length)
    warnings.push(
      'EventBridge target retries are capped at 5 locally, with a backoff of at most 2 s (185 attempts over 24 h on AWS).',
    );

  // Event source mappings.
  const pollers: StreamPoller[] = [];
  const consumers: QueueConsumer[] = [];
  const streams = new StreamsClient(args.dynamoEndpoint, ctx.region);
  const dynamodb = new DynamoDBClient({
    endpoint: args.dynamoEndpoint,
    region: ctx.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
      const p = (resource.Properties ?? {}) as Record<string, unknown>;
      const sourceId = idOf(p.EventSourceArn) ?? '';
      const sourceType = template.Resources[sourceId]?.Type;
      const functionName = args.functionName(idOf(p.FunctionName) ?? String(p.FunctionName));
      const reportFailures = ((p.FunctionResponseTypes ?? []) as string[]).includes(
        'ReportBatchItemFailures',
      );
      if (sourceType === 'AWS::SQS::Queue') {
        const queue = queueById.get(sourceId)!;
        consumers.push(
          new QueueConsumer(
            queue,
            lambda,
            functionName,
            Number(p.BatchSize ?? 10),
            reportFailures,
            ctx.region,
          ),
        );
        if ((p.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency)
          warnings.push(`Event source mapping ${logicalId}: maximum concurrency is 1 locally.`);
        continue;
      }
      if (sourceType !== 'AWS::DynamoDB::Table') {
        warnings.push(
          `Event source mapping ${logicalId} (${sourceType ?? 'external source'}) is not emulated locally.`,
        );
        continue;
      }
      const table = await dynamodb.send(new DescribeTableCommand({ TableName: args.tableName(sourceId) }));
      const streamArn = table.Table?.LatestStreamArn;
      if (!streamArn) {
        warnings.push(
          `Event source mapping ${logicalId}: table ${sourceId} has no stream locally; not emulated.`,
        );
        continue;
      }
      const onFailureId = idOf(
        (p.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
          ?.Destination,
      );
      const onFailureQueue = onFailureId ? queueById.get(onFailureId) : undefined;
      if (onFailureQueue) usesDeadLetter(onFailureQueue, `on-failure destination of ${logicalId}`);
      if (onFailureId && !onFailureQueue)
        warnings.push(
          `Event source mapping ${logicalId}: on-failure destination ${onFailureId} is not emulated.`,
        );
      const filters = patterns.filters.get(logicalId) ?? [];
      pollers.push(
        new StreamPoller(
          streams,
          lambda,
          {
            logicalId,
            functionName,
            streamArn,
            templateStreamArn: String(resolved(p.EventSourceArn)),
            startingPosition: p.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
            batchSize: Number(p.BatchSize ?? 100),
            filters,
            bisectOnError: p.BisectBatchOnFunctionError === true,
            reportBatchItemFailures: reportFailures,
            maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
            ...(onFailureQueue
              ? { onFailure: (record: unknown) => void onFailureQueue.send(JSON.stringify(record)) }
              : {}),
            region: ctx.region,
          },
          options.pollIntervalMs ?? 100,
          // A poll that fails is retried on the next tick; say so (once per distinct error), never silently.
          streamErrorReporter(logicalId),
        ),
      );
      if (p.MaximumBatchingWindowInSeconds || p.MaximumRecordAgeInSeconds)
        warnings.push(
          `Event source mapping ${logicalId}: batching window and maximum record age are not applied locally (batches are what one poll returns).`,
        );
    }
  } finally {
    dynamodb.destroy();
  }
  for (const type of ['AWS::CloudWatch::Alarm']) {
    const n = resourcesOfType(template, type).length;
    if (n) warnings.push(`${n} ${type} resources are not emulated locally (dead-letter alarms do not fire).`);
  }

  return {
    buses,
    queues,
    deadLetterQueues,
    deadLettered,
    pollers,
    secrets,
    warnings,
    bus(name) {
      const bus = buses.find((b) => b.name === name || b.logicalId === name || b.arn === name);
      if (!bus) throw new Error(`No local event bus ${name}`);
      return bus;
    },
    queue(prefix) {
      const queue = queues.find((q) => q.logicalId.startsWith(prefix));
      if (!queue) throw new Error(`No local queue ${prefix}`);
      return queue;
    },
    handleAwsCall(target, body) {
      if (target === 'AWSEvents.PutEvents') {
        const entries = (body.Entries ?? []) as { EventBusName?: string }[];
        const results = entries.map((entry) => {
          const bus = buses.find((b) => [b.name, b.arn].includes(entry.EventBusName ?? 'default'));
          if (!bus)
            return {
              ErrorCode: 'ResourceNotFoundException',
              ErrorMessage: `Event bus ${entry.EventBusName} does not exist.`,
            };
          return bus.putEvents([entry])[0]!;
        });
        return {
          status: 200,
          body: { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results },
        };
      }
      if (target === 'secretsmanager.GetSecretValue') {
        const id = String(body.SecretId);
        const value = secrets.get(id);
        if (value === undefined)
          return {
            status: 400,
            body: {
              __type: 'ResourceNotFoundException',
              message: `Secrets Manager can't find the specified secret (${id}) locally.`,
            },
          };
        return { status: 200, body: { Name: id, SecretString: value, VersionId: 'local' } };
      }
      return {
        status: 400,
        body: { __type: 'UnknownOperationException', message: `${target} is not emulated locally` },
      };
    },
    start() {
      for (const p of pollers) p.start();
      for (const c of consumers) c.start();
    },
    async close() {
      await Promise.all(pollers.map((p) => p.stop()));
      await Promise.all(consumers.map((c) => c.stop()));
      await Promise.all(buses.map((b) => b.settled()));
    },
  };
}

/** Writes a stream poller's errors to stderr, each distinct message once a minute at most. */
function streamErrorReporter(logicalId: string): (error: Error) => void {
  const lastShown = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if (now - (lastShown.get(error.message) ?? 0) < 60_000) return;
    lastShown.set(error.message, now);
    process.stderr.write(`[stream ${logicalId}] poll failed, retrying: ${error.message}\n`);
  };
}
