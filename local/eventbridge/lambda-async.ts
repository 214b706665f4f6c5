import { randomUUID } from 'node:crypto';
import type { LambdaError, LambdaService } from '../lambda/lambda-service.ts';
import type { LocalQueue } from '../sqs/local-queue.ts';
import { type CfnTemplate, resourcesOfType } from '../template/template.ts';

/**
 * A LambdaService.invoke that rejected (the sandbox could not start: init error, closed service) as the
 * function error Lambda reports for it, so event sources apply their retry and failure handling to it.
 */
export function invocationError(error: unknown): LambdaError {
  const message = error instanceof Error ? error.message : String(error);
  return {
    errorType: /^Init error/.test(message) ? 'Runtime.InitError' : 'Runtime.Unknown',
    errorMessage: message,
  };
}

/** Lambda's limit for an asynchronous invocation's payload (Event invocation type). */
export const MAX_ASYNC_PAYLOAD_BYTES = 256 * 1024;

/** A function's asynchronous invocation configuration, as the template declares it. */
export interface AsyncInvokeConfig {
  /** Retries after a function error: 0–2, default 2 (AWS::Lambda::EventInvokeConfig). */
  maximumRetryAttempts: number;
  /** Events older than this are dropped (to the failure destination): default 6 h. */
  maximumEventAgeSeconds: number;
  /** EventInvokeConfig DestinationConfig.OnFailure: gets an invocation record. */
  onFailure?: LocalQueue;
  /** The function's DeadLetterConfig: gets the event itself. */
  deadLetter?: LocalQueue;
}

const idOf = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    return v.Ref ?? v['Fn::GetAtt']?.[0];
  }
  return undefined;
};

/**
 * Asynchronous invocation settings by function logical id: the function's DeadLetterConfig and its
 * AWS::Lambda::EventInvokeConfig (retries, event age, on-failure destination). Destinations that are not
 * SQS queues of this template are reported in `warnings`.
 */
export function asyncInvokeConfigs(
  template: CfnTemplate,
  queueById: Map<string, LocalQueue>,
  warnings: string[],
): Map<string, AsyncInvokeConfig> {
  const configs = new Map<string, AsyncInvokeConfig>();
  const configOf = (fnId: string) => {
    let c = configs.get(fnId);
    if (!c) {
      c = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };
      configs.set(fnId, c);
    }
    return c;
  };
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const target = (resource.Properties?.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    if (target === undefined) continue;
    const queue = queueById.get(idOf(target) ?? '');
    if (queue) configOf(logicalId).deadLetter = queue;
    else
      warnings.push(
        `Function ${logicalId}: its dead-letter target is not an SQS queue of this template; not emulated.`,
      );
  }
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')) {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    const fnId = idOf(p.FunctionName);
    if (!fnId || template.Resources[fnId]?.Type !== 'AWS::Lambda::Function') {
      warnings.push(`EventInvokeConfig ${logicalId} is not for a function of this template; not emulated.`);
      continue;
    }
    const c = configOf(fnId);
    if (typeof p.MaximumRetryAttempts === 'number') c.maximumRetryAttempts = p.MaximumRetryAttempts;
    if (typeof p.MaximumEventAgeInSeconds === 'number') c.maximumEventAgeSeconds = p.MaximumEventAgeInSeconds;
    const destinations = (p.DestinationConfig ?? {}) as Record<string, { Destination?: unknown }>;
    const onFailure = destinations.OnFailure?.Destination;
    if (onFailure !== undefined) {
      const queue = queueById.get(idOf(onFailure) ?? '');
      if (queue) c.onFailure = queue;
      else
        warnings.push(
          `EventInvokeConfig ${logicalId}: its on-failure destination is not an SQS queue of this template; not emulated.`,
        );
    }
    if (destinations.OnSuccess)
      warnings.push(`EventInvokeConfig ${logicalId}: the on-success destination is not emulated locally.`);
  }
  return configs;
}

/**
 * Lambda's asynchronous invocation (InvocationType Event), locally: `invoke` accepts the event or throws
 * (unknown function, payload over 256 KB: the caller's retry policy applies), then runs it in the
 * background; a function error is retried per the function's EventInvokeConfig, and what still fails
 * goes to its on-failure destination and/or dead-letter queue, as on AWS.
 */
export class LambdaAsyncInvoker {
  constructor(
    private readonly lambda: LambdaService,
    private readonly configs: Map<string, AsyncInvokeConfig>,
    private readonly track: (job: Promise<void>) => void,
    /** Local backoff between retries (1 min, then 2 min, on AWS). */
    private readonly retryDelayMs: (attempt: number) => number = (n) => Math.min(100 * 2 ** n, 2000),
  ) {}

  invoke(functionLogicalId: string, functionName: string, payload: string): void {
    const fn = this.lambda.resolve(functionName);
    if (Buffer.byteLength(payload) > MAX_ASYNC_PAYLOAD_BYTES)
      throw new Error(`RequestEntityTooLargeException: async payload over ${MAX_ASYNC_PAYLOAD_BYTES} bytes`);
    const event = JSON.parse(payload) as unknown;
    const config = this.configs.get(functionLogicalId) ?? {
      maximumRetryAttempts: 2,
      maximumEventAgeSeconds: 21_600,
    };
    const requestId = randomUUID();
    const queuedAt = Date.now();
    const job = (async () => {
      let attempts = 0;
      let last: { errorType: string; errorMessage: string } | undefined;
      let condition = 'RetriesExhausted';
      while (attempts <= config.maximumRetryAttempts) {
        if (Date.now() - queuedAt > config.maximumEventAgeSeconds * 1000) {
          condition = 'EventAgeExceeded';
          break;
        }
        attempts++;
        const result = await this.lambda
          .invoke(fn.name, event)
          .catch((error: unknown) => ({ ok: false as const, error: invocationError(error) }));
        if (result.ok) return;
        last = result.error;
        if (attempts <= config.maximumRetryAttempts)
          await new Promise((r) => setTimeout(r, this.retryDelayMs(attempts - 1)));
      }
      if (config.onFailure)
        config.onFailure.send(
          JSON.stringify({
            version: '1.0',
            timestamp: new Date().toISOString(),
            requestContext: {
              requestId,
              functionArn: `${fn.arn}:$LATEST`,
              condition,
              approximateInvokeCount: attempts,
            },
            requestPayload: event,
            responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
            responsePayload: last ?? null,
          }),
        );
      if (config.deadLetter)
        config.deadLetter.send(payload, {
          RequestID: requestId,
          ErrorCode: '200',
          ErrorMessage: last?.errorMessage ?? condition,
        });
    })();
    this.track(job);
  }
}
