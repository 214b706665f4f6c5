/**
 * The console's only way to the OMS: the REST API (with the ops key from sessionStorage) and, on the
 * local runtime, its /_local endpoints. Every call resolves to a Result; a missing endpoint is
 * `unavailable` so a view can say "not available" instead of breaking.
 */

export interface ConsoleConfig {
  /** Base of the API stage: `/v1` (same origin) or a full URL. */
  apiUrl: string;
  /** The local runtime's /_local endpoints (queues, DLQ redrive, archive replay) exist. */
  localEndpoints: boolean;
}

export type Result<T> =
  | { kind: 'ok'; status: number; body: T }
  | { kind: 'unavailable'; status: number; detail: string }
  | { kind: 'error'; status: number; title: string; detail: string; body?: unknown };

const KEY_STORAGE = 'quartermaster.opsKey';
const URL_STORAGE = 'quartermaster.apiUrl';

let config: ConsoleConfig = { apiUrl: '/v1', localEndpoints: false };

export async function loadConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) config = { ...config, ...((await response.json()) as Partial<ConsoleConfig>) };
  } catch {
    // keep defaults
  }
  const override = sessionStorage.getItem(URL_STORAGE);
  if (override) config = { ...config, apiUrl: override };
  return config;
}

export function currentConfig(): ConsoleConfig {
  return config;
}

export function setApiUrl(url: string): void {
  if (url) sessionStorage.setItem(URL_STORAGE, url.replace(/\/+$/, ''));
  else sessionStorage.removeItem(URL_STORAGE);
  config = { ...config, apiUrl: url ? url.replace(/\/+$/, '') : config.apiUrl };
}

export function opsKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setOpsKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

function isMissingRoute(status: number, body: unknown): boolean {
  if (status === 404 || status === 403 || status === 405) {
    const b = (body ?? {}) as { type?: unknown; message?: unknown; title?: unknown };
    if (typeof b.type === 'string' && b.type.endsWith('/no-such-route')) return true;
    // API Gateway answers an unknown resource with 403 "Missing Authentication Token".
    if (typeof b.message === 'string' && b.message.includes('Missing Authentication Token')) return true;
  }
  return status === 501;
}

async function call<T>(url: string, init: RequestInit): Promise<Result<T>> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    return { kind: 'error', status: 0, title: 'Network error', detail: String(error) };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  if (response.ok) return { kind: 'ok', status: response.status, body: body as T };
  if (isMissingRoute(response.status, body))
    return { kind: 'unavailable', status: response.status, detail: `${init.method ?? 'GET'} ${url}` };
  const problem = (body ?? {}) as { title?: string; detail?: string; message?: string };
  return {
    kind: 'error',
    status: response.status,
    title: problem.title ?? `HTTP ${response.status}`,
    detail: problem.detail ?? problem.message ?? (typeof body === 'string' ? body : ''),
    body,
  };
}

/** A call to the REST API with the ops key. */
export function api<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  const headers: Record<string, string> = {};
  const key = opsKey();
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return call<T>(`${config.apiUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** A call to the local runtime's /_local endpoints; `unavailable` on AWS or when not served. */
export async function local<T>(method: string, path: string, body?: unknown): Promise<Result<T>> {
  if (!config.localEndpoints)
    return { kind: 'unavailable', status: 0, detail: 'only on the local runtime (npm start)' };
  const origin = /^https?:\/\//.test(config.apiUrl) ? new URL(config.apiUrl).origin : '';
  // The runtime serves /_local only to loopback callers with the ops key (local/ops/local-admin-access.ts).
  const headers: Record<string, string> = {};
  const key = opsKey();
  if (key) headers['x-api-key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return call<T>(`${origin}/_local${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

let routes: Promise<Set<string>> | undefined;
/** `METHOD /path` of every route in the API's OpenAPI document (served without a key). */
export function apiRoutes(): Promise<Set<string>> {
  routes ??= call<{ paths?: Record<string, Record<string, unknown>> }>(`${config.apiUrl}/openapi.json`, {
    method: 'GET',
  }).then((r) => {
    const set = new Set<string>();
    if (r.kind !== 'ok') return set;
    for (const [path, methods] of Object.entries(r.body.paths ?? {}))
      for (const m of Object.keys(methods)) set.add(`${m.toUpperCase()} ${path}`);
    return set;
  });
  return routes;
}
