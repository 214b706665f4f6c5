import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ChannelConfig, loadConfig } from '../../infra/config.ts';
import type { Route } from '../../local/apigateway/rest-api-model.ts';
import { API_ROUTES } from '../../shared/api/openapi.ts';
import { ROUTE_ACCESS, type RouteAccess, routeKey } from '../../shared/api/route-access.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

/**
 * Every route of the synthesized template × every key type of quartermaster.config.json: a key
 * without the route's scope gets 403 before the handler touches anything; a key with it never gets
 * 403 for scope reasons. A route with no declared rule in shared/api/route-access.ts fails here.
 */

type Problem = { status: number; title: string; detail: string };

const config = loadConfig('quartermaster.config.json');
const channel = (id: string): ChannelConfig => {
  const found = config.channels.find((c) => c.id === id);
  if (!found) throw new Error(`quartermaster.config.json has no channel ${id}`);
  return found;
};
/** One key of each kind the issue names: sales channel, WMS, fulfilment partner, payments, ops. */
const KEY_TYPES = ['web', 'wms', 'partner-east', 'payments', 'ops'].map(channel);

let stack: TestStack;
let routes: Route[];
beforeAll(async () => {
  stack = await startTestStack({ maxEnvironmentsPerFunction: 2 });
  routes = stack.runtime.api.model.routes;
});
afterAll(async () => {
  await stack?.close();
});

function allows(access: RouteAccess, key: ChannelConfig): boolean {
  return access.public === true || key.admin || access.anyOf.some((scope) => key.scopes.includes(scope));
}

/** A request the route's gateway checks let through (required headers and query present). */
async function call(route: Route, key: string | undefined): Promise<{ status: number; body: unknown }> {
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => `no-such-${name.toLowerCase()}`);
  const query = route.required.querystring.map((q) => `${q}=x`).join('&');
  const headers: Record<string, string> = { 'Idempotency-Key': `scope-walk-${Math.random()}` };
  for (const h of route.required.header) headers[h] ??= 'x';
  if (key !== undefined) headers['x-api-key'] = key;
  const withBody = route.method === 'POST' || route.method === 'PUT';
  if (withBody) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${stack.api}${path}${query ? `?${query}` : ''}`, {
    method: route.method,
    headers,
    ...(withBody ? { body: '{}' } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body };
}

describe('every route × every key type', () => {
  test('every template route declares an access rule, and every rule names a template route', () => {
    const templateRoutes = routes.map((r) => routeKey(r.method, r.path));
    const undeclared = templateRoutes.filter((key) => !(key in ROUTE_ACCESS));
    expect(undeclared, 'add these routes to shared/api/route-access.ts').toEqual([]);
    const stale = Object.keys(ROUTE_ACCESS).filter((key) => !templateRoutes.includes(key));
    expect(stale, 'these rules name no route of the template').toEqual([]);
    // The OpenAPI document describes the same routes (its scopes come from the same table).
    const documented = API_ROUTES.map((r) => routeKey(r.method, r.path)).sort();
    expect(documented).toEqual([...templateRoutes].sort());
    // Only routes API Gateway lets through without a key may be public.
    for (const route of routes) {
      expect(ROUTE_ACCESS[routeKey(route.method, route.path)]?.public === true, route.path).toBe(
        !route.apiKeyRequired,
      );
    }
  });

  test('a key without the route’s scope gets 403 from the one check; a key with it is let through', async () => {
    expect(routes.length).toBeGreaterThan(20);
    const outcomes: string[] = [];
    for (const route of routes) {
      const access = ROUTE_ACCESS[routeKey(route.method, route.path)];
      if (!access) continue; // reported by the test above
      const results = await Promise.all(
        KEY_TYPES.map(async (key) => ({ key, ...(await call(route, stack.runtime.keyFor(key.id))) })),
      );
      for (const { key, status, body } of results) {
        const expected = allows(access, key) ? 'allowed' : 'forbidden';
        const problem = body as Problem;
        const actual =
          status === 403 && /scope/.test(problem.detail ?? '')
            ? 'forbidden'
            : status === 403 || status >= 500
              ? `unexpected ${status} ${problem.detail ?? ''}`
              : 'allowed';
        outcomes.push(`${route.method} ${route.path} as ${key.id}: ${actual}`);
        expect(actual, `${route.method} ${route.path} as ${key.id} (${status})`).toBe(expected);
      }
      const anonymous = await call(route, undefined);
      expect(anonymous.status, `${route.method} ${route.path} without a key`).toBe(access.public ? 200 : 403);
    }
    // Every key type is both let through somewhere and refused somewhere (ops: refused nowhere).
    for (const key of KEY_TYPES) {
      const mine = outcomes.filter((o) => o.includes(` as ${key.id}:`));
      expect(
        mine.some((o) => o.endsWith('allowed')),
        key.id,
      ).toBe(true);
      expect(
        mine.some((o) => o.endsWith('forbidden')),
        key.id,
      ).toBe(!key.admin);
    }
  }, 240_000);
});

describe('the cases issue 12.4 names', () => {
  test('wms, partner and payments keys can neither place nor list orders; nothing is written', async () => {
    for (const id of ['wms', 'partner-east', 'payments']) {
      const client = apiClient(stack.api, stack.runtime.keyFor(id));
      const placed = await client('POST', '/orders', demoOrder(), { idempotencyKey: `not-${id}` });
      expect(placed.status, id).toBe(403);
      expect((placed.body as Problem).detail).toContain('orders scope');
      expect((await client('GET', '/orders')).status, id).toBe(403);
    }
    const items = await stack.scanAll();
    expect(items.filter((item) => String(item.PK).startsWith('ORDER#'))).toEqual([]);
  });

  test("a sales channel cannot release another channel's cart hold; the owner and ops can", async () => {
    const web = apiClient(stack.api, stack.runtime.keyFor('web'));
    const marketplace = apiClient(stack.api, stack.runtime.keyFor('marketplace'));
    const ops = apiClient(stack.api, stack.runtime.keyFor('ops'));
    const hold = async (holdId: string) => {
      const r = await web('POST', '/reservations', { holdId, lines: [{ sku: 'ANY-SKU', quantity: 1 }] });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({ holdId, channel: 'web', status: 'active' });
    };
    await hold('cart-scope-1');
    const foreign = await marketplace('DELETE', '/reservations/cart-scope-1');
    expect(foreign.status).toBe(404);
    // Reusing the id is refused without showing the hold.
    const reuse = await marketplace('POST', '/reservations', {
      holdId: 'cart-scope-1',
      lines: [{ sku: 'ANY-SKU', quantity: 1 }],
    });
    expect(reuse.status).toBe(409);
    expect(reuse.text).not.toContain('ANY-SKU');
    const own = await web('DELETE', '/reservations/cart-scope-1');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ released: true, hold: { status: 'released' } });

    await hold('cart-scope-2');
    const byOps = await ops('DELETE', '/reservations/cart-scope-2');
    expect(byOps.body).toMatchObject({ released: true });
    // The wms key has no holds scope at all.
    const wms = apiClient(stack.api, stack.runtime.keyFor('wms'));
    expect((await wms('DELETE', '/reservations/cart-scope-2')).status).toBe(403);
  });
});
