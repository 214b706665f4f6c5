import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LocalApiKey, LocalRestApi } from './apigateway/rest-api.ts';
import { restApiFromTemplate } from './apigateway/rest-api-model.ts';
import { consoleServer, isConsoleRequest } from './console/serve-console.ts';
import { createTablesFromTemplate, type LocalTable } from './dynamodb/tables-from-template.ts';
import {
  type FanoutOptions,
  fanoutFromTemplate,
  type LocalFanout,
} from './eventbridge/fanout-from-template.ts';
import { templatePatterns } from './eventbridge/template-patterns.ts';
import {
  describeFaults,
  type FaultConfig,
  type FaultProxy,
  faultBanner,
  faultRandom,
  faultsActive,
  faultsFromEnv,
  lambdaFaults,
  partnersWithFaults,
  startDynamoThrottleProxy,
} from './faults/faults.ts';
import { functionsFromTemplate } from './lambda/functions-from-template.ts';
import { LambdaService, type LogSink } from './lambda/lambda-service.ts';
import { adminKeyValues, admitLocalOps, refuseAwsProtocol } from './ops/local-admin-access.ts';
import { handleOpsRequest, isOpsRequest } from './ops/ops-endpoints.ts';
import { type ScheduledRules, scheduledRulesFromTemplate } from './scheduler/scheduled-rules.ts';
import { handleStepFunctionsCall, STEP_FUNCTIONS_TARGET_PREFIX } from './stepfunctions/aws-protocol.ts';
import { ExecutionStore } from './stepfunctions/execution-store.ts';
import { dynamoDbAdapterFromClient, type PutEventsResult } from './stepfunctions/service-integrations.ts';
import { stateMachinesFromTemplate } from './stepfunctions/state-machines-from-template.ts';
import { StepFunctionsService } from './stepfunctions/step-functions-service.ts';
import type { IntrinsicContext } from './template/intrinsics.ts';
import { localPhysicalIds } from './template/physical-ids.ts';
import { nestedStackWarnings, type SynthesizedStack } from './template/template.ts';

export interface LocalRuntimeOptions {
  dynamoEndpoint: string;
  /** 0 picks a free port (tests). */
  port?: number;
  host?: string;
  /** The local-admin endpoint's port, always on 127.0.0.1 whatever `host` is (0, the default: a free port). */
  adminPort?: number;
  /** Prefix for table names so several runtimes can share one DynamoDB Local. */
  namePrefix?: string;
  configFile?: string;
  /** An already synthesized stack (tests share one); otherwise the app is synthesized now. */
  stack?: SynthesizedStack;
  region?: string;
  accountId?: string;
  /** API key values by key name; the default is `<key name>-local-key`, lowercased. */
  apiKeyValues?: Record<string, string>;
  logSink?: LogSink;
  /** Overrides POWERTOOLS_LOG_LEVEL of every function (local only). */
  logLevel?: string;
  maxEnvironmentsPerFunction?: number;
  /**
   * Runs event fan-out (stream → publisher → bus → partner queues/API destinations). Partner endpoints
   * and secrets come from `partners` (partner id → local URL and secret), since the config names real ones.
   */
  eventFanout?: FanoutOptions;
  /**
   * Fault injection (local/faults/faults.ts): transient Lambda errors, DynamoDB throttling, slow or
   * down partners. Default: the QM_FAULTS environment variable (JSON); off when neither is set.
   * Printed loudly at startup and listed in `warnings`.
   */
  faults?: FaultConfig;
  /**
   * Runs the template's schedule rules (e.g. the cart-hold expiry sweep). Off by default in tests,
   * which call `schedules.runNow(rule)`; `timeScale` 60 runs a `rate(1 minute)` rule every second.
   */
  schedules?: { run: boolean; timeScale?: number };
  /**
   * The template's state machines (always run). `timeScale` multiplies Wait durations, task
   * TimeoutSeconds/HeartbeatSeconds and execution timeouts (0.001: a minute in 60 ms; tests);
   * `retryIntervalScale` Retry intervals (default: timeScale). `storeDirectory` keeps executions and
   * their history as JSON files across restarts (npm start: .local-data/executions).
   */
  stepFunctions?: { timeScale?: number; retryIntervalScale?: number; storeDirectory?: string };
}

export interface LocalRuntime {
  url: string;
  /**
   * The local-admin endpoint, always on 127.0.0.1: AWS-protocol emulation (the functions' and SDK
   * clients' AWS_ENDPOINT_URL_*) and /_local. The API port refuses AWS-protocol calls.
   */
  adminUrl: string;
  /** Base URL of the API stage, e.g. http://127.0.0.1:3000/v1 — the local twin of the API Gateway URL. */
  apiUrl: string;
  stack: SynthesizedStack;
  apiKeys: LocalApiKey[];
  /** The API key value of a channel (key named `<stack>-<channel>`). */
  keyFor(channel: string): string;
  tables: LocalTable[];
  tableName(logicalId: string): string;
  lambda: LambdaService;
  api: LocalRestApi;
  /** Event fan-out, when started with `eventFanout`. */
  fanout?: LocalFanout;
  /** The template's schedule rules (running only when started with `schedules.run`). */
  schedules: ScheduledRules;
  /** The template's state machines on aws-local-stepfunctions; also served as the AWS API (AWS_ENDPOINT_URL_SFN). */
  stepFunctions: StepFunctionsService;
  /** Where the local runtime differs from AWS for this template. Printed at startup; never silent. */
  warnings: string[];
  /** Active fault injection, with the proxies' counts of injected faults. */
  faults?: {
    config: FaultConfig;
    proxies: Record<string, FaultProxy>;
    /** Injected Lambda faults by function name: before the handler ran / after it ran (response lost). */
    lambda: Record<string, { before: number; after: number }>;
  };
  /**
   * Executions an earlier runtime on the same store (stepFunctions.storeDirectory) left RUNNING
   * (stopped or killed) and that this one could not resume (state machine gone or changed, or
   * recorded before executions were journalled): ABORTED with error Local.RuntimeRestarted. AWS
   * would have kept them running; their orders need ops (POST /ops/orders/{orderId}/resume).
   * Printed loudly at startup.
   */
  interruptedExecutions: InterruptedExecution[];
  /** Executions an earlier runtime left RUNNING that this one resumed where they were. */
  resumedExecutions: { executionArn: string; name: string }[];
  close(): Promise<void>;
}

export interface InterruptedExecution {
  executionArn: string;
  stateMachineArn: string;
  /** The execution name; for the fulfilment workflow, the order id. */
  name: string;
  error: 'Local.RuntimeRestarted';
  /** Why it could not be resumed. */
  cause: string;
  startDate: Date;
  stopDate?: Date;
}

function interruptedBanner(interrupted: InterruptedExecution[]): string[] {
  const shown = interrupted.slice(0, 20).map((e) => `${e.stateMachineArn.split(':').at(-1)}/${e.name}`);
  const causes = [...new Set(interrupted.map((e) => e.cause.replace(/^.*cannot resume it: /, '')))];
  return [
    `${interrupted.length === 1 ? '1 execution was' : `${interrupted.length} executions were`} RUNNING when an earlier local runtime stopped and could not be resumed (${causes.join('; ')}), so they are ABORTED (error Local.RuntimeRestarted). AWS would have kept them running.`,
    `Their orders may be stuck mid-workflow, holding reservations: ${shown.join(', ')}${interrupted.length > shown.length ? `, and ${interrupted.length - shown.length} more` : ''}.`,
    'Re-drive each: POST /ops/orders/{orderId}/resume (ops key) resumes the order from its stored state; POST /ops/reservations/reconcile resumes or releases every such order.',
  ];
}

/** Differences that hold for every template; listed with the template-specific ones. */
export const STANDING_DIVERGENCES = [
  'X-Ray tracing is off locally (POWERTOOLS_TRACE_ENABLED=false); on AWS every function and the API stage trace.',
  'CloudWatch metrics are not emitted locally (POWERTOOLS_METRICS_DISABLED=true).',
  'DynamoDB Local accepts TTL settings but expiry is not relied on: expired items may linger, as they may for up to days on AWS.',
  'IAM is not enforced locally: a handler could use table actions its role lacks; the CDK tests assert least privilege instead.',
];

/**
 * Starts the embedded runtime from the synthesized template: DynamoDB tables in DynamoDB Local,
 * Lambda functions in worker-thread sandboxes, and the REST API stage on a local HTTP server.
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const stack =
    options.stack ??
    (await import('./template/synthesize.ts')).synthesizeStack({
      ...(options.configFile ? { configFile: options.configFile } : {}),
    });
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const ids = localPhysicalIds({
    template: stack.template,
    stackName: stack.stackName,
    region,
    accountId,
    namePrefix: options.namePrefix ?? '',
  });
  const ctx: IntrinsicContext = {
    template: stack.template,
    stackName: stack.stackName,
    region,
    accountId,
    ids,
  };
  // Before anything starts: an event pattern or stream filter that deploy would reject stops startup
  // here, naming its resource, whether or not event fan-out runs (the fan-out uses the parsed ones).
  templatePatterns(ctx);
  const warnings = [...STANDING_DIVERGENCES];

  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamodb = new DynamoDBClient({ endpoint: options.dynamoEndpoint, region, credentials });
  const created = await createTablesFromTemplate(dynamodb, stack.template, ids.tableName);
  dynamodb.destroy();
  warnings.push(...created.warnings);

  // The server listens first: functions learn its URL as their EventBridge/Secrets Manager endpoint.
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server: Server = createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  // AWS-protocol emulation and /_local get their own server, on loopback only (local-admin-access.ts).
  let adminHandler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const adminServer: Server = createServer((req, res) => adminHandler(req, res));
  adminServer.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    adminServer.once('error', (error) =>
      reject(
        new Error(
          `The local-admin endpoint cannot listen on 127.0.0.1:${options.adminPort ?? 0}: ${error.message}`,
        ),
      ),
    );
    adminServer.listen(options.adminPort ?? 0, '127.0.0.1', resolve);
  });
  const adminUrl = `http://127.0.0.1:${(adminServer.address() as AddressInfo).port}`;
  const awsEndpoint = `${adminUrl}/_aws/`;

  const { functions, skipped, divergences } = functionsFromTemplate({
    ...ctx,
    functionName: ids.functionName,
  });
  for (const s of skipped) warnings.push(`Function ${s.logicalId} is not run locally: ${s.reason}`);
  warnings.push(...divergences);
  let fanout: LocalFanout | undefined;
  warnings.push(...nestedStackWarnings(stack.template));
  const fanoutTypes = ['AWS::Lambda::EventSourceMapping', 'AWS::Events::EventBus', 'AWS::Events::Rule'];
  if (options.eventFanout === undefined) {
    const declared = Object.values(stack.template.Resources).filter((r) =>
      fanoutTypes.includes(r.Type),
    ).length;
    if (declared)
      warnings.push(
        `Event fan-out is off (${declared} event source mappings, buses and rules in the template): start with eventFanout (npm start -- --events) to run it.`,
      );
  }
  const faults = options.faults ?? faultsFromEnv();
  const faultProxies: Record<string, FaultProxy> = {};
  const faultRng = faultRandom(faults?.seed);
  if (faultsActive(faults)) {
    if ((faults.dynamodb?.throttleRate ?? 0) > 0)
      faultProxies.dynamodb = await startDynamoThrottleProxy(
        options.dynamoEndpoint,
        faults.dynamodb!,
        faultRng,
      );
    warnings.push(...describeFaults(faults).map((line) => `FAULT INJECTION ON: ${line}`));
    console.error(faultBanner(faults));
  }
  const decideLambdaFault = faultsActive(faults) ? lambdaFaults(faults.lambda, faultRng) : undefined;
  const lambdaFaultCounts: Record<string, { before: number; after: number }> = {};
  const injectLambdaFaults =
    decideLambdaFault &&
    ((fn: Parameters<typeof decideLambdaFault>[0]) => {
      const decision = decideLambdaFault(fn);
      if (decision) {
        const counts = lambdaFaultCounts[fn.name] ?? { before: 0, after: 0 };
        counts[decision]++;
        lambdaFaultCounts[fn.name] = counts;
      }
      return decision;
    });
  const lambda = new LambdaService(functions, {
    baseEnvironment: {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: faultProxies.dynamodb?.url ?? options.dynamoEndpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: awsEndpoint,
      AWS_ENDPOINT_URL_SFN: awsEndpoint,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      TZ: 'UTC',
      ...(options.logLevel ? { POWERTOOLS_LOG_LEVEL: options.logLevel } : {}),
    },
    ...(options.logSink ? { logSink: options.logSink } : {}),
    ...(options.maxEnvironmentsPerFunction
      ? { maxEnvironmentsPerFunction: options.maxEnvironmentsPerFunction }
      : {}),
    ...(injectLambdaFaults ? { fault: injectLambdaFaults } : {}),
    ...(injectLambdaFaults && faults?.lambda?.errorType ? { faultErrorType: faults.lambda.errorType } : {}),
  });
  if (options.logLevel) {
    // Function environments come from the template; only the log level is overridden, and we say so.
    const changed = functions.filter((fn) => fn.environment.POWERTOOLS_LOG_LEVEL !== options.logLevel);
    for (const fn of functions) fn.environment.POWERTOOLS_LOG_LEVEL = options.logLevel;
    if (changed.length)
      warnings.push(`Log level overridden to ${options.logLevel} locally for ${changed.length} functions.`);
  }

  const schedules = scheduledRulesFromTemplate({
    ctx,
    lambda,
    functions,
    ...(options.schedules?.timeScale ? { timeScale: options.schedules.timeScale } : {}),
    onError: (schedule, error) =>
      process.stderr.write(`[schedule ${schedule.ruleLogicalId}] failed after retries: ${error}\n`),
  });
  warnings.push(...schedules.warnings);
  if (schedules.schedules.length && !options.schedules?.run)
    warnings.push(
      `Schedule rules are not running (${schedules.schedules.map((s) => `${s.ruleLogicalId} ${s.expression}`).join(', ')}): start with schedules.run (npm start does).`,
    );
  else if (options.schedules?.timeScale && options.schedules.timeScale !== 1)
    warnings.push(`Schedule rules run ${options.schedules.timeScale}× faster than their rate locally.`);
  if (options.schedules?.run) schedules.start();

  const model = restApiFromTemplate(ctx);
  warnings.push(...model.warnings);
  const apiKeys: LocalApiKey[] = model.keys
    .filter((k) => k.enabled)
    .map((k) => ({
      id: k.logicalId,
      name: k.name,
      value: options.apiKeyValues?.[k.name] ?? `${k.name}-local-key`.toLowerCase(),
    }));
  const api = new LocalRestApi(model, lambda, apiKeys, { accountId, region });

  // Step Functions: every state machine of the template, its tasks on the local services.
  const sfnStartedAt = new Date();
  const sfnDynamo = new DynamoDBClient({ endpoint: options.dynamoEndpoint, region, credentials });
  const sfnOptions = options.stepFunctions ?? {};
  const stepFunctions = new StepFunctionsService(stateMachinesFromTemplate(ctx), {
    region,
    accountId,
    lambda,
    dynamodb: dynamoDbAdapterFromClient(sfnDynamo),
    putEvents: async (entries) => {
      if (!fanout) {
        const error = new Error(
          'Event fan-out is off locally, so there is no event bus: start the runtime with eventFanout (npm start -- --events)',
        );
        error.name = 'ResourceNotFoundException';
        throw error;
      }
      return fanout.handleAwsCall('AWSEvents.PutEvents', { Entries: entries }).body as PutEventsResult;
    },
    ...(sfnOptions.timeScale !== undefined && { timeScale: sfnOptions.timeScale }),
    ...(sfnOptions.retryIntervalScale !== undefined && { retryIntervalScale: sfnOptions.retryIntervalScale }),
    ...(sfnOptions.storeDirectory && { store: new ExecutionStore({ directory: sfnOptions.storeDirectory }) }),
  });
  const machines = stepFunctions.listStateMachines();
  warnings.push(...stepFunctions.warnings.map((w) => `Step Functions: ${w}`));
  if (machines.length) {
    warnings.push(
      `Step Functions: ${machines.length} state machines run on aws-local-stepfunctions; their IAM roles are not enforced, and executions are kept ${sfnOptions.storeDirectory ? `in ${sfnOptions.storeDirectory}, journalled step by step: a restart on that directory resumes RUNNING ones where they were (same task tokens; Wait deadlines kept; an execution's TimeoutSeconds restarts from the resume)` : 'in memory (a runtime stop ABORTS running ones, error Local.RuntimeStopped)'}.`,
    );
    if (sfnOptions.timeScale !== undefined && sfnOptions.timeScale !== 1)
      warnings.push(
        `Step Functions: Wait, TimeoutSeconds and HeartbeatSeconds run ${sfnOptions.timeScale}× their duration locally.`,
      );
    const putEventsMachines = machines.filter((m) =>
      JSON.stringify(stepFunctions.stateMachine(m.stateMachineArn)?.definition ?? {}).includes(
        'arn:aws:states:::events:putEvents',
      ),
    );
    if (!options.eventFanout && putEventsMachines.length)
      warnings.push(
        `Step Functions: event fan-out is off, so events:putEvents tasks of ${putEventsMachines.map((m) => m.name).join(', ')} FAIL locally (EventBridge.ResourceNotFoundException): start with eventFanout (npm start -- --events).`,
      );
  }

  if (options.eventFanout) {
    fanout = await fanoutFromTemplate({
      ctx,
      lambda,
      functions,
      dynamoEndpoint: options.dynamoEndpoint,
      functionName: ids.functionName,
      tableName: ids.tableName,
      options: {
        ...options.eventFanout,
        ...(faultsActive(faults) && {
          partners: await partnersWithFaults(options.eventFanout.partners, faults, faultRng, faultProxies),
        }),
        startExecution: (stateMachineArn, input) => stepFunctions.startExecution({ stateMachineArn, input }),
      },
    });
    warnings.push(...fanout.warnings);
    fanout.start();
  }

  const opsConsole = consoleServer({ stageName: model.stageName });
  const adminKeys = adminKeyValues(functions, apiKeys);
  const serveLocalOps = (req: IncomingMessage, res: ServerResponse) => {
    if (admitLocalOps(req, res, adminKeys)) void handleOpsRequest(req, res, fanout);
  };
  /** Step Functions, EventBridge, SQS and Secrets Manager calls (x-amz-target); false if not one. */
  const serveAwsProtocol = (req: IncomingMessage, res: ServerResponse): boolean => {
    const amzTarget = req.headers['x-amz-target'];
    if (
      req.method === 'POST' &&
      typeof amzTarget === 'string' &&
      amzTarget.startsWith(STEP_FUNCTIONS_TARGET_PREFIX)
    ) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
        } catch {
          res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'SerializationException', message: 'The body is not JSON' }));
          return;
        }
        void handleStepFunctionsCall(stepFunctions, amzTarget, body, sfnStartedAt).then((result) => {
          res.writeHead(result.status, {
            'Content-Type': result.contentType,
            ...(result.status >= 400 && {
              'x-amzn-ErrorType': String((result.body as { __type: string }).__type),
            }),
          });
          res.end(JSON.stringify(result.body));
        });
      });
      return true;
    }
    if (req.method === 'POST' && typeof req.headers['x-amz-target'] === 'string' && fanout) {
      const local = fanout;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const result = local.handleAwsCall(
          String(req.headers['x-amz-target']),
          JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        );
        res.writeHead(result.status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(result.body));
      });
      return true;
    }
    return false;
  };
  adminHandler = (req, res) => {
    if (isOpsRequest(req)) return serveLocalOps(req, res);
    if (serveAwsProtocol(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        message: `The local-admin endpoint serves AWS-protocol calls and /_local only; the API is ${url}/${model.stageName}`,
      }),
    );
  };
  handler = (req, res) => {
    if (isOpsRequest(req)) return serveLocalOps(req, res);
    if (req.headers['x-amz-target'] !== undefined) return refuseAwsProtocol(res, adminUrl);
    if (isConsoleRequest(req)) {
      // The ops console (console/), same origin as the API stage.
      void opsConsole.handle(req, res);
      return;
    }
    api
      .handle(req, res)
      .then((handled) => {
        if (handled) return;
        const url = new URL(req.url ?? '/', 'http://local');
        if (url.pathname === '/' || url.pathname === '/_local/health') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              service: 'quartermaster-local',
              api: `/${model.stageName}`,
              routes: model.routes.map((r) => `${r.method} /${model.stageName}${r.path}`),
            }),
          );
          return;
        }
        res.writeHead(404, { 'Content-Type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'https://quartermaster.dev/problems/no-such-route',
            title: 'Not found',
            status: 404,
            detail: `Nothing is served at ${url.pathname}; the API is under /${model.stageName}`,
          }),
        );
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ message: `local runtime error: ${(error as Error).message}` }));
      });
  };

  // Last, once every service they call is up: executions an earlier runtime left RUNNING carry on.
  const carriedOver = await stepFunctions.resumeInterrupted();
  const interruptedExecutions: InterruptedExecution[] = carriedOver.aborted.map((e) => ({
    executionArn: e.executionArn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    error: 'Local.RuntimeRestarted',
    cause: e.cause ?? '',
    startDate: e.startDate,
    ...(e.stopDate && { stopDate: e.stopDate }),
  }));
  if (interruptedExecutions.length) {
    const message = interruptedBanner(interruptedExecutions);
    warnings.push(`Step Functions: ${message.join(' ')}`);
    console.error(['!'.repeat(78), ...message.map((line) => `!!! ${line}`), '!'.repeat(78)].join('\n'));
  }
  if (carriedOver.resumed.length) {
    warnings.push(
      `Step Functions: resumed ${carriedOver.resumed.length} execution(s) an earlier runtime left RUNNING, from their journals (their history resumes where it stopped).`,
    );
  }

  return {
    url,
    adminUrl,
    apiUrl: `${url}/${model.stageName}`,
    stack,
    apiKeys,
    keyFor(channel) {
      const key = apiKeys.find((k) => k.name === `${stack.stackName}-${channel}`);
      if (!key) throw new Error(`No API key for channel ${channel}`);
      return key.value;
    },
    tables: created.tables,
    tableName: ids.tableName,
    lambda,
    api,
    ...(fanout ? { fanout } : {}),
    schedules,
    stepFunctions,
    warnings,
    ...(faultsActive(faults)
      ? { faults: { config: faults, proxies: faultProxies, lambda: lambdaFaultCounts } }
      : {}),
    interruptedExecutions,
    resumedExecutions: carriedOver.resumed.map((e) => ({ executionArn: e.executionArn, name: e.name })),
    async close() {
      await schedules.stop();
      await stepFunctions.close();
      await fanout?.close();
      sfnDynamo.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      adminServer.closeAllConnections();
      await new Promise<void>((resolve) => adminServer.close(() => resolve()));
      await lambda.close();
      await Promise.all(Object.values(faultProxies).map((proxy) => proxy.close()));
    },
  };
}
