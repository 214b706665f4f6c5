import { type Caller, hasScope, type Scope } from '../domain/caller.ts';

/**
 * Which records of its kind a key may touch once its scope lets it call the route. The scope is
 * checked by the API handler wrapper before any handler runs; ownership needs the record, so the use
 * case checks it (others' records read as 404, never as 403, so ids are not probed).
 */
export type Ownership =
  /** Orders (and their returns) of the key's own sales channel. */
  | 'channel'
  /** Cart holds the key's own channel created. */
  | 'hold-channel'
  /** Shipments and returns at the partner's `locationIds`. */
  | 'location'
  /** Nothing further: the scope is the whole rule (inventory, locations, ops). */
  | 'none';

export type RouteAccess =
  /** No API key at all (API Gateway does not ask for one either). */
  | { public: true; why: string }
  | {
      public?: false;
      /** The key needs ONE of these scopes (an admin key has every scope). */
      anyOf: readonly Scope[];
      ownership: Ownership;
      /** What the rule means for each scope, in words (OpenAPI and the README keys table use it). */
      note?: string;
    };

/**
 * Every API route's access rule, keyed `METHOD /path` exactly as the template declares the route.
 * The one place scopes are decided: `apiHandler` consults it on every request and refuses (403) a
 * route that is missing here, and test/integration/route-scopes.test.ts walks every route of the
 * synthesized template with every key type, failing for any route without a rule.
 */
export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /openapi.json': { public: true, why: 'the API description; nothing behind it is private' },

  'POST /orders': { anyOf: ['orders'], ownership: 'channel', note: 'the order is the key’s channel’s' },
  'GET /orders': { anyOf: ['orders'], ownership: 'channel' },
  'GET /orders/{orderId}': { anyOf: ['orders'], ownership: 'channel' },
  'POST /orders/{orderId}/cancel': { anyOf: ['orders'], ownership: 'channel' },
  'POST /orders/{orderId}/returns': { anyOf: ['orders'], ownership: 'channel' },
  'GET /returns/{rmaId}': {
    anyOf: ['orders', 'fulfillment'],
    ownership: 'channel',
    note: 'orders: RMAs of the key’s channel; fulfillment: RMAs returning to the partner’s locations',
  },
  'POST /returns/{rmaId}/events': {
    anyOf: ['fulfillment', 'payments'],
    ownership: 'location',
    note: 'fulfillment: `received` at the partner’s locations only; payments: `refund-issued` / `refund-failed` only',
  },

  'POST /reservations': { anyOf: ['holds'], ownership: 'hold-channel' },
  'DELETE /reservations/{holdId}': { anyOf: ['holds'], ownership: 'hold-channel' },

  'POST /fulfillments/{shipmentId}/events': { anyOf: ['fulfillment'], ownership: 'location' },
  'GET /fulfillments': {
    anyOf: ['fulfillment'],
    ownership: 'location',
    note: 'open shipments at the partner’s locations only (admin keys name the location)',
  },
  'GET /orders/{orderId}/shipments': {
    anyOf: ['orders', 'fulfillment'],
    ownership: 'channel',
    note: 'orders: every shipment of the key’s channel’s order; fulfillment: only those at the partner’s locations (none: 404)',
  },

  'GET /locations': { anyOf: ['inventory:read'], ownership: 'none' },
  'GET /locations/{locationId}': { anyOf: ['inventory:read'], ownership: 'none' },
  'PUT /locations/{locationId}': { anyOf: ['locations:write'], ownership: 'none' },
  'GET /inventory/{sku}': { anyOf: ['inventory:read'], ownership: 'none' },
  'PUT /inventory/{sku}/{locationId}': { anyOf: ['inventory:write'], ownership: 'none' },
  'POST /inventory/adjustments': { anyOf: ['inventory:write'], ownership: 'none' },
  'GET /availability': { anyOf: ['inventory:read'], ownership: 'none' },

  'POST /orders/{orderId}/allocate': { anyOf: ['admin'], ownership: 'none' },
  'POST /orders/{orderId}/hold': { anyOf: ['admin'], ownership: 'none' },
  'POST /orders/{orderId}/release-hold': { anyOf: ['admin'], ownership: 'none' },
  'GET /ops/executions': { anyOf: ['admin'], ownership: 'none' },
  'GET /ops/executions/{name}': { anyOf: ['admin'], ownership: 'none' },
  'GET /ops/orders/{orderId}/events': { anyOf: ['admin'], ownership: 'none' },
  'POST /ops/orders/{orderId}/resume': { anyOf: ['admin'], ownership: 'none' },
  'GET /ops/orders/stalled': { anyOf: ['admin'], ownership: 'none' },
  'POST /ops/orders/reconcile': { anyOf: ['admin'], ownership: 'none' },
  'GET /ops/state-machines/{name}': { anyOf: ['admin'], ownership: 'none' },
};

export function routeKey(method: string, resource: string): string {
  return `${method.toUpperCase()} ${resource}`;
}

export function accessOf(method: string, resource: string): RouteAccess | undefined {
  return ROUTE_ACCESS[routeKey(method, resource)];
}

/** The scope(s) a route needs, as OpenAPI's `x-quartermaster-scope` shows them. */
export function scopeLabel(access: RouteAccess | undefined): string {
  if (!access) return 'undeclared';
  return access.public ? 'none' : access.anyOf.join(' | ');
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** Whether `caller` may call the route at all (ownership of the record is the use case's check). */
export function decideAccess(caller: Caller, method: string, resource: string): AccessDecision {
  const access = accessOf(method, resource);
  if (!access) {
    // Fail closed: a route nobody declared a rule for is refused to every key, ops included.
    return { allowed: false, reason: `No access rule is declared for ${routeKey(method, resource)}` };
  }
  if (access.public) return { allowed: true };
  if (access.anyOf.some((scope) => hasScope(caller, scope))) return { allowed: true };
  const needed = access.anyOf.join(' or ');
  return {
    allowed: false,
    reason: `The API key of ${caller.channel} does not have the ${needed} scope this route needs`,
  };
}
