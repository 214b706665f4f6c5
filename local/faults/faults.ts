import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Fault injection for the local runtime (docs/operations.md, "Fault injection"). Off unless asked
 * for, through `startLocalRuntime({ faults })` or the QM_FAULTS environment variable (JSON), e.g.
 *
 *   QM_FAULTS='{"lambda":{"rate":0.2,"functions":["ApiCreateOrder"]},"dynamodb":{"throttleRate":0.1},
 *               "partner":{"delayMs":3000,"downRate":0.5}}' npm start -- --events
 *
 * When any fault is active the runtime prints so, loudly, at startup.
 */
export interface FaultConfig {
  /** Transient function errors: the invocation fails with `QmInjectedFault` at `rate` (0…1). */
  lambda?: {
    rate: number;
    /** Functions affected, by logical id prefix or name substring (e.g. `ApiCreateOrder`); all when absent. */
    functions?: string[];
    /**
     * `before`: the handler never runs (a sandbox crash at start); `after`: it runs, its writes stand,
     * and its response is lost (the case idempotency exists for); `both` (default): either, evenly.
     */
    when?: 'before' | 'after' | 'both';
    /**
     * Deterministic mode: the first `failFirst` invocations of the matching functions fail (then
     * none), whatever `rate` says; e.g. "a Task that fails twice then succeeds".
     */
    failFirst?: number;
    /**
     * The error type the failed invocation reports (default `QmInjectedFault`). Use an error AWS
     * itself raises, e.g. `Lambda.ServiceException`, to exercise a state machine's Retry.
     */
    errorType?: string;
  };
  /** DynamoDB answers throttling errors at `throttleRate` (0…1) before the request reaches the table. */
  dynamodb?: {
    throttleRate: number;
    errorType?: 'ProvisionedThroughputExceededException' | 'ThrottlingException';
  };
  /** Partner endpoints (event fan-out) slow and/or down. */
  partner?: {
    /** Added before every response. */
    delayMs?: number;
    /** Share of deliveries answered with `status` instead of being forwarded (1 = down). */
    downRate?: number;
    status?: number;
    /** Partner ids affected; all when absent. */
    partners?: string[];
  };
  /** Seed for the fault decisions (reproducible runs); random otherwise. */
  seed?: number;
}

export const FAULTS_ENV = 'QM_FAULTS';

export function faultsFromEnv(value = process.env[FAULTS_ENV]): FaultConfig | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as FaultConfig;
  } catch (error) {
    throw new Error(`${FAULTS_ENV} is not valid JSON: ${(error as Error).message}`);
  }
}

export function faultsActive(config: FaultConfig | undefined): config is FaultConfig {
  return (
    config !== undefined &&
    ((config.lambda?.rate ?? 0) > 0 ||
      (config.lambda?.failFirst ?? 0) > 0 ||
      (config.dynamodb?.throttleRate ?? 0) > 0 ||
      (config.partner?.delayMs ?? 0) > 0 ||
      (config.partner?.downRate ?? 0) > 0)
  );
}

/** One line per active fault, for the startup banner and the runtime's warnings. */
export function describeFaults(config: FaultConfig): string[] {
  const lines: string[] = [];
  const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;
  if ((config.lambda?.failFirst ?? 0) > 0) {
    lines.push(
      `Lambda: the first ${config.lambda!.failFirst} invocation(s) of ${config.lambda!.functions?.join(', ') ?? 'every function'} fail with ${config.lambda!.errorType ?? 'QmInjectedFault'}`,
    );
  } else if ((config.lambda?.rate ?? 0) > 0) {
    lines.push(
      `Lambda: ${pct(config.lambda!.rate)} of invocations of ${config.lambda!.functions?.join(', ') ?? 'every function'} fail with QmInjectedFault (${config.lambda!.when ?? 'both'} the handler runs)`,
    );
  }
  if ((config.dynamodb?.throttleRate ?? 0) > 0) {
    lines.push(
      `DynamoDB: ${pct(config.dynamodb!.throttleRate)} of function requests answered ${config.dynamodb!.errorType ?? 'ProvisionedThroughputExceededException'} (through a throttling proxy)`,
    );
  }
  if ((config.partner?.delayMs ?? 0) > 0 || (config.partner?.downRate ?? 0) > 0) {
    lines.push(
      `Partner endpoints (${config.partner!.partners?.join(', ') ?? 'all'}): +${config.partner!.delayMs ?? 0} ms per delivery, ${pct(config.partner!.downRate ?? 0)} answered HTTP ${config.partner!.status ?? 503}`,
    );
  }
  return lines;
}

/** The loud startup banner. */
export function faultBanner(config: FaultConfig): string {
  const bar = '!'.repeat(78);
  return [
    bar,
    '!!! FAULT INJECTION IS ON: this runtime fails on purpose',
    ...describeFaults(config).map((line) => `!!!   ${line}`),
    bar,
  ].join('\n');
}

/** mulberry32, or Math.random without a seed. */
export function faultRandom(seed: number | undefined): () => number {
  if (seed === undefined) return Math.random;
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type LambdaFaultDecision = 'before' | 'after' | undefined;

/** Decides per invocation whether (and where) a function fails. */
export function lambdaFaults(
  config: FaultConfig['lambda'],
  random: () => number,
): ((fn: { logicalId: string; name: string }) => LambdaFaultDecision) | undefined {
  if (!config || (config.rate <= 0 && (config.failFirst ?? 0) <= 0)) return undefined;
  const matches = (fn: { logicalId: string; name: string }) =>
    config.functions === undefined ||
    config.functions.some((f) => fn.logicalId.startsWith(f) || fn.name.includes(f));
  if ((config.failFirst ?? 0) > 0) {
    let left = config.failFirst!;
    return (fn) => {
      if (!matches(fn) || left <= 0) return undefined;
      left--;
      return config.when === 'after' ? 'after' : 'before';
    };
  }
  return (fn) => {
    if (!matches(fn) || random() >= config.rate) return undefined;
    if (config.when === 'before' || config.when === 'after') return config.when;
    return random() < 0.5 ? 'before' : 'after';
  };
}

export interface FaultProxy {
  /** The URL to use instead of the target. */
  url: string;
  stats: { forwarded: number; injected: number };
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function forward(req: IncomingMessage, body: Buffer, target: URL, res: import('node:http').ServerResponse) {
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url ?? '/',
      headers: { ...req.headers, host: target.host },
    },
    (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end(`fault proxy: upstream error ${error.message}`);
  });
  upstream.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A proxy in front of DynamoDB Local that answers a share of requests with a throttling error, as
 * DynamoDB does when a partition or the table is over its throughput. Nothing reaches the table
 * then, so the SDK's retries (maxAttempts in functions/commons/clients.ts) must absorb it.
 */
export async function startDynamoThrottleProxy(
  dynamoEndpoint: string,
  config: NonNullable<FaultConfig['dynamodb']>,
  random: () => number,
): Promise<FaultProxy> {
  const target = new URL(dynamoEndpoint);
  const stats = { forwarded: 0, injected: 0 };
  const errorType = config.errorType ?? 'ProvisionedThroughputExceededException';
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (random() < config.throttleRate) {
        stats.injected++;
        res.writeHead(400, {
          'Content-Type': 'application/x-amz-json-1.0',
          'x-amzn-RequestId': `qm-fault-${stats.injected}`,
        });
        res.end(
          JSON.stringify({
            __type: `com.amazonaws.dynamodb.v20120810#${errorType}`,
            message:
              errorType === 'ThrottlingException'
                ? 'Rate of requests exceeds the allowed throughput. (injected by QM_FAULTS)'
                : 'The level of configured provisioned throughput for the table was exceeded. (injected by QM_FAULTS)',
          }),
        );
        return;
      }
      stats.forwarded++;
      forward(req, body, target, res);
    });
  });
  server.keepAliveTimeout = 65_000;
  const url = await listen(server);
  return {
    url,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy in front of a partner endpoint: slow (delayMs) and/or down (downRate answered `status`). */
export async function startPartnerFaultProxy(
  partnerUrl: string,
  config: NonNullable<FaultConfig['partner']>,
  random: () => number,
): Promise<FaultProxy> {
  const target = new URL(partnerUrl);
  const stats = { forwarded: 0, injected: 0 };
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      if ((config.delayMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, config.delayMs));
      if (random() < (config.downRate ?? 0)) {
        stats.injected++;
        res.writeHead(config.status ?? 503, { 'Content-Type': 'text/plain' });
        res.end('partner unavailable (injected by QM_FAULTS)');
        return;
      }
      stats.forwarded++;
      forward(req, body, target, res);
    });
  });
  const base = await listen(server);
  return {
    // Same path as the partner's URL, on the proxy.
    url: `${base}${target.pathname}${target.search}`,
    stats,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Partner overrides with each affected partner's URL behind a fault proxy (proxies added to `into`). */
export async function partnersWithFaults<P extends { url: string }>(
  partners: Record<string, P> | undefined,
  config: FaultConfig | undefined,
  random: () => number,
  into: Record<string, FaultProxy>,
): Promise<Record<string, P> | undefined> {
  const partner = config?.partner;
  if (!partners || !partner || ((partner.delayMs ?? 0) <= 0 && (partner.downRate ?? 0) <= 0)) return partners;
  const out: Record<string, P> = {};
  for (const [id, override] of Object.entries(partners)) {
    if (partner.partners && !partner.partners.includes(id)) {
      out[id] = override;
      continue;
    }
    const proxy = await startPartnerFaultProxy(override.url, partner, random);
    into[`partner:${id}`] = proxy;
    out[id] = { ...override, url: proxy.url };
  }
  return out;
}
