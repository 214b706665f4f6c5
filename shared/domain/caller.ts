import { forbidden } from './errors.ts';

/**
 * What an API key may do, declared per key in quartermaster.config.json and enforced for every route
 * by the table in shared/api/route-access.ts. `admin` (ops tools) may do everything across channels.
 */
export const SCOPES = [
  /** A sales channel: place, read, cancel and return ITS OWN channel's orders. */
  'orders',
  /** A sales channel: cart-time holds (`/reservations`) it creates and releases itself. */
  'holds',
  'inventory:read',
  'inventory:write',
  'locations:write',
  'admin',
  /** Fulfilment partners (WMS, 3PL, store systems, drop-ship vendors): shipments and return receipts at their `locationIds`. */
  'fulfillment',
  /** The payment service: reports refunds (issued, failed) on any RMA, nothing else. */
  'payments',
] as const;
export type Scope = (typeof SCOPES)[number];
/** A key that declares no scopes is a sales channel. */
export const DEFAULT_SCOPES: Scope[] = ['orders', 'holds', 'inventory:read'];

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
