import { forbidden } from './errors.ts';

/**
 * What an API key may do. Sales channels capture and read their own orders; inventory writes come
 * from WMS/POS integrations; `admin` (ops tools) may do everything across channels.
 */
export const SCOPES = [
  'orders',
  'inventory:read',
  'inventory:write',
  'locations:write',
  'admin',
  /** Fulfilment partners (WMS, 3PL, store systems, drop-ship vendors): report on their shipments. */
  'fulfillment',
  /** The payment service: reports refunds (issued, failed) on any RMA, nothing else. */
  'payments',
] as const;
export type Scope = (typeof SCOPES)[number];
export const DEFAULT_SCOPES: Scope[] = ['orders', 'inventory:read'];

/** Who is calling the API: a sales channel or integration identified by its API key. */
export interface Caller {
  channel: string;
  /** Admin keys may read and act on every channel's orders. */
  admin: boolean;
  scopes: readonly Scope[];
  /** Fulfilment partners: the locations whose shipments the key may act on (none: no shipment). */
  locationIds?: readonly string[];
}

/** A partner may act only on shipments released to one of its locations; admin keys on all. */
export function canActForLocation(caller: Caller, locationId: string): boolean {
  return caller.admin || (caller.locationIds ?? []).includes(locationId);
}

export function canSeeChannel(caller: Caller, channel: string): boolean {
  return caller.admin || caller.channel === channel;
}

export function hasScope(caller: Caller, scope: Scope): boolean {
  return caller.admin || caller.scopes.includes(scope);
}

export function requireScope(caller: Caller, scope: Scope): void {
  if (!hasScope(caller, scope)) {
    throw forbidden(`The API key of ${caller.channel} does not have the ${scope} scope`);
  }
}
