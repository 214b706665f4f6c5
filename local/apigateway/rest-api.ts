import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LambdaService } from '../lambda/lambda-service.ts';
import { renderGatewayResponse } from './gateway-responses.ts';
import type { RestApiModel, Route } from './rest-api-model.ts';
import { QuotaCounter, TokenBucket } from './throttle.ts';

/** API Gateway's payload limit for REST APIs. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** API Gateway's default (and maximum, for REST) integration timeout. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

export interface LocalApiKey {
  /** What `Ref` of the ApiKey resolves to locally; handlers see it as `identity.apiKeyId`. */
  id: string;
  name: string;
  value: string;
}

export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  apiKeyId?: string;
}

interface Match {
  route: Route;
  pathParameters: Record<string, string>;
}

/**
 * A REST API stage served locally, following API Gateway's order of checks: route, API key,
 * usage-plan throttle and quota, stage throttle, required parameters, then the Lambda proxy integration.
 */
export class LocalRestApi {
  private readonly keysByValue = new Map<string, LocalApiKey>();
  private readonly planOfKey = new Map<string, { bucket?: TokenBucket; quota?: QuotaCounter }>();
  private readonly stageBucket?: TokenBucket;
  readonly requestLog: RequestLogEntry[] = [];

  constructor(
    readonly model: RestApiModel,
    private readonly lambda: LambdaService,
    readonly apiKeys: LocalApiKey[],
    private readonly options: { accountId: string; region: string },
  ) {
    for (const key of apiKeys) this.keysByValue.set(key.value, key);
    for (const plan of model.plans) {
      for (const keyId of plan.keyIds) {
        this.planOfKey.set(keyId, {
          ...(plan.throttle
            ? { bucket: new TokenBucket(plan.throttle.rateLimit, plan.throttle.burstLimit) }
            : {}),
          ...(plan.quota ? { quota: new QuotaCounter(plan.quota.limit, plan.quota.period) } : {}),
        });
      }
    }
    if (model.stageThrottle) {
      this.stageBucket = new TokenBucket(model.stageThrottle.rateLimit, model.stageThrottle.burstLimit);
    }
  }

  /** Requests under `/{stage}/…`; returns false when the path is not this stage's. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://local');
    const prefix = `/${this.model.stageName}`;
    if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) return false;
    const started = performance.now();
    const requestId = randomUUID();
    const path = url.pathname.slice(prefix.length) || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    let keyId: string | undefined;
    const respond = (status: number, headers: Record<string, string | string[]>, body: Buffer | string) => {
      res.writeHead(status, { ...headers, 'x-amzn-RequestId': requestId });
      res.end(body);
      this.requestLog.push({
        requestId,
        method,
        path,
        status,
        durationMs: performance.now() - started,
        ...(keyId ? { apiKeyId: keyId } : {}),
      });
      if (this.requestLog.length > 10_000) this.requestLog.splice(0, 5_000);
    };
    const gatewayError = (type: string, message: string) => {
      const r = renderGatewayResponse(this.model.gatewayResponses, type, { message, requestId });
      respond(r.status, r.headers, r.body);
    };

    const body = await readBody(req);
    if (body === 'too-large' || body === 'too-large-close') {
      // Not drained: the rest of the body is still coming, so this connection cannot serve another request.
      if (body === 'too-large-close') res.setHeader('Connection', 'close');
      gatewayError('REQUEST_TOO_LARGE', 'Request Too Long');
      return true;
    }
    const match = this.match(method, path);
    if (!match) {
      gatewayError('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token');
      return true;
    }
    const { route } = match;
    const presentedKey = header(req, 'x-api-key');
    const key = presentedKey === undefined ? undefined : this.keysByValue.get(presentedKey);
    if (route.apiKeyRequired) {
      const plan = key ? this.planOfKey.get(key.id) : undefined;
      // A key that is unknown, or not in a usage plan of this stage, is rejected like a missing one.
      if (!key || !plan) {
        gatewayError('INVALID_API_KEY', 'Forbidden');
        return true;
      }
      keyId = key.id;
      if (plan.bucket && !plan.bucket.take()) {
        gatewayError('THROTTLED', 'Too Many Requests');
        return true;
      }
      if (plan.quota && !plan.quota.take(key.id)) {
        gatewayError('QUOTA_EXCEEDED', 'Limit Exceeded');
        return true;
      }
    }
    if (this.stageBucket && !this.stageBucket.take()) {
      gatewayError('THROTTLED', 'Too Many Requests');
      return true;
    }
    if (route.validateParameters) {
      const missing = [
        ...route.required.header.filter((h) => header(req, h) === undefined),
        ...route.required.querystring.filter((q) => !url.searchParams.has(q)),
      ];
      if (missing.length) {
        gatewayError(
          'BAD_REQUEST_PARAMETERS',
          `Missing required request parameters: [${missing.join(', ')}]`,
        );
        return true;
      }
    }

    const event = this.proxyEvent(req, url, method, path, match, body, requestId, key);
    const invocation = this.lambda.invoke(route.functionArn, event);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS);
    });
    const result = await Promise.race([invocation, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      gatewayError('INTEGRATION_TIMEOUT', 'Endpoint request timed out');
      return true;
    }
    if (!result.ok) {
      // A function error behind a proxy integration is a 502 to the client, as on AWS.
      gatewayError('DEFAULT_5XX', 'Internal server error');
      return true;
    }
    const proxy = result.payload as {
      statusCode?: unknown;
      headers?: Record<string, unknown>;
      multiValueHeaders?: Record<string, unknown[]>;
      body?: unknown;
      isBase64Encoded?: boolean;
    } | null;
    if (
      !proxy ||
      typeof proxy.statusCode !== 'number' ||
      (proxy.body !== undefined && typeof proxy.body !== 'string' && proxy.body !== null)
    ) {
      gatewayError('DEFAULT_5XX', 'Internal server error');
      return true;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(proxy.headers ?? {})) headers[k] = String(v);
    for (const [k, v] of Object.entries(proxy.multiValueHeaders ?? {})) headers[k] = v.map(String);
    const payload = typeof proxy.body === 'string' ? proxy.body : '';
    respond(proxy.statusCode, headers, proxy.isBase64Encoded ? Buffer.from(payload, 'base64') : payload);
    return true;
  }

  private match(method: string, path: string): Match | undefined {
    const segments = path.split('/').filter(Boolean);
    let best: { match: Match; score: number } | undefined;
    for (const route of this.model.routes) {
      if (route.method !== method && route.method !== 'ANY') continue;
      const params: Record<string, string> = {};
      let score = 0;
      let ok = true;
      for (let i = 0; i < Math.max(route.segments.length, segments.length); i++) {
        const pattern = route.segments[i];
        const actual = segments[i];
        if (pattern === undefined || actual === undefined) {
          ok = false;
          break;
        }
        const greedy = /^\{(.+)\+\}$/.exec(pattern);
        if (greedy) {
          params[greedy[1]!] = segments
            .slice(i)
            .map((s) => decodePathSegment(s) ?? s)
            .join('/');
          break;
        }
        const param = /^\{(.+)\}$/.exec(pattern);
        if (param) params[param[1]!] = decodePathSegment(actual) ?? actual;
        else if (pattern === actual) score += 10;
        else {
          ok = false;
          break;
        }
        score += 1;
      }
      if (ok && (!best || score > best.score)) best = { match: { route, pathParameters: params }, score };
    }
    return best?.match;
  }

  private proxyEvent(
    req: IncomingMessage,
    url: URL,
    method: string,
    path: string,
    match: Match,
    body: Buffer,
    requestId: string,
    key: LocalApiKey | undefined,
  ) {
    // Null-prototype maps: a header or query key may be any string, `__proto__` and `constructor` included.
    const headers: Record<string, string> = Object.create(null);
    const multiValueHeaders: Record<string, string[]> = Object.create(null);
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      const value = req.rawHeaders[i + 1]!;
      headers[name] = value;
      multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
    }
    const query: Record<string, string> = Object.create(null);
    const multiQuery: Record<string, string[]> = Object.create(null);
    for (const [k, v] of url.searchParams) {
      query[k] = v;
      multiQuery[k] = [...(multiQuery[k] ?? []), v];
    }
    const now = new Date();
    const hasQuery = url.searchParams.size > 0;
    return {
      resource: match.route.path,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters: hasQuery ? query : null,
      multiValueQueryStringParameters: hasQuery ? multiQuery : null,
      pathParameters: Object.keys(match.pathParameters).length ? match.pathParameters : null,
      stageVariables: null,
      requestContext: {
        accountId: this.options.accountId,
        apiId: this.model.apiId,
        resourceId: match.route.path,
        resourcePath: match.route.path,
        httpMethod: method,
        path: `/${this.model.stageName}${path}`,
        stage: this.model.stageName,
        requestId,
        extendedRequestId: requestId,
        requestTime: formatRequestTime(now),
        requestTimeEpoch: now.getTime(),
        protocol: `HTTP/${req.httpVersion}`,
        domainName: req.headers.host ?? 'localhost',
        identity: {
          sourceIp: normalizeIp(req.socket.remoteAddress),
          userAgent: req.headers['user-agent'] ?? null,
          apiKey: key?.value ?? null,
          apiKeyId: key?.id ?? null,
          accessKey: null,
          accountId: null,
          caller: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          user: null,
          userArn: null,
        },
      },
      body: body.byteLength ? body.toString('utf8') : null,
      isBase64Encoded: false,
    };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * How much of an oversized body is read and thrown away so the 413 can be answered on a connection
 * that stays usable (keep-alive); a body larger still gets its 413 with `Connection: close`.
 */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

type Body = Buffer | 'too-large' | 'too-large-close';

/**
 * The request body, or 'too-large' past API Gateway's limit. An oversized body is still read to its
 * end (not buffered): stopping mid-body would leave its bytes where the next request on the
 * keep-alive connection is parsed, and that request would never be answered.
 */
function readBody(req: IncomingMessage): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  if (declared > MAX_REQUEST_BYTES + MAX_DRAINED_BYTES) return Promise.resolve('too-large-close');
  return new Promise<Body>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= MAX_REQUEST_BYTES) {
        chunks.push(chunk);
      } else {
        chunks = [];
        if (size > MAX_REQUEST_BYTES + MAX_DRAINED_BYTES) {
          req.off('data', onData);
          req.pause();
          resolve('too-large-close');
        }
      }
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > MAX_REQUEST_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** API Gateway's `requestTime` format: 23/Nov/2026:09:00:00 +0000. */
function formatRequestTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * decodeURIComponent that answers undefined for a malformed escape instead of throwing; callers then
 * pass the raw segment on, and the handler's own validation of the parameter answers with a 4xx.
 */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
