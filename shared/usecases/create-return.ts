import { type Caller, canActForLocation, canSeeChannel, hasScope, requireScope } from '../domain/caller.ts';
import {
  conflict,
  DomainError,
  type FieldError,
  fieldErrorAt,
  notFound,
  validationError,
} from '../domain/errors.ts';
import { requireIdempotencyKey } from '../domain/idempotency-key.ts';
import type { Location } from '../domain/location.ts';
import type { StatusChange } from '../domain/order.ts';
import { type Order, OrderIdSchema } from '../domain/order.ts';
import {
  COUNTED_RETURN_STATUSES,
  type CreateReturnRequest,
  CreateReturnRequestSchema,
  type Rma,
  RmaIdPattern,
} from '../domain/return.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ReturnRepository } from '../ports/return-repository.ts';
import { returnAuthorized } from './return-events.ts';

export interface ReturnPolicy {
  /** Days after the (last) shipment or delivery during which a return may be authorised. */
  windowDays: number;
  /** How long an RMA waits for the goods; the workflow's receipt timeout is the same value. */
  receiptTimeoutSeconds: number;
}

export const DEFAULT_RETURN_POLICY: ReturnPolicy = { windowDays: 30, receiptTimeoutSeconds: 30 * 86_400 };

/** Statuses in which units of the order left a building. */
const SHIPPED_STATUSES = new Set(['PARTIALLY_SHIPPED', 'SHIPPED', 'PARTIALLY_DELIVERED', 'DELIVERED']);

/** Units of each order line already on an RMA that counts (open, completed or failed). */
export function unitsOnReturns(rmas: readonly Rma[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const rma of rmas) {
    if (!COUNTED_RETURN_STATUSES.includes(rma.status)) continue;
    for (const line of rma.lines) {
      const units = rma.status === 'COMPLETED' ? (line.received ?? line.quantity) : line.quantity;
      out.set(line.lineId, (out.get(line.lineId) ?? 0) + units);
    }
  }
  return out;
}

/** Units of a line that left a building: shipped (delivered and collected units were shipped first). */
export const shippedUnits = (line: Order['lines'][number]) =>
  Math.max(line.quantities.shipped, line.quantities.delivered);

/** When the return window opened: the latest shipment or delivery in the order's history. */
export function returnWindowStart(order: Order, history: readonly StatusChange[]): string {
  let start: string | undefined;
  for (const change of history) {
    if (SHIPPED_STATUSES.has(change.to) && (start === undefined || change.at > start)) start = change.at;
  }
  return start ?? order.updatedAt;
}

const MAX_ATTEMPTS = 5;

/**
 * `POST /orders/{orderId}/returns`: authorises a return of shipped units, exactly once per
 * (channel, Idempotency-Key). Each line may return at most what shipped minus what is already on a
 * return; the order's returns ledger serialises concurrent authorisations so two RMAs can never
 * promise the same unit back. The RMA and its ReturnAuthorized event are written in one transaction.
 */
export function makeCreateReturn(deps: {
  orders: OrderRepository;
  returns: ReturnRepository;
  locations: LocationRepository;
  clock: Clock;
  ids: IdGenerator;
  policy?: ReturnPolicy;
}) {
  const policy = deps.policy ?? DEFAULT_RETURN_POLICY;
  return async function createReturn(input: {
    caller: Caller;
    orderId: string;
    idempotencyKey: string | undefined;
    body: unknown;
    correlationId: string;
  }): Promise<{ rma: Rma; created: boolean }> {
    requireScope(input.caller, 'orders');
    const idempotencyKey = requireIdempotencyKey(
      input.idempotencyKey,
      'is required: send a unique key per return (e.g. a UUID) and reuse it on retries',
    );
    const request = parseOrThrow(CreateReturnRequestSchema, input.body, 'return');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const requestHash = sha256Hex(canonicalJson({ orderId: input.orderId, request }));

    const replay = async (claim: { rmaId: string; requestHash: string }) => {
      if (claim.requestHash !== requestHash) {
        throw new DomainError(
          'idempotency-key-reused',
          'This Idempotency-Key was already used for a different return request',
          {
            rmaId: claim.rmaId,
            errors: [fieldErrorAt([], 'differs from the first request sent with this key')],
          },
        );
      }
      const existing = await deps.returns.get(claim.rmaId);
      if (!existing) throw new Error(`idempotency record points at missing RMA ${claim.rmaId}`);
      return { rma: existing, created: false };
    };
    // A retry is answered before anything is checked: its units are already on its own RMA.
    const earlier = await deps.returns.idempotencyClaim(input.caller.channel, idempotencyKey);
    if (earlier) return replay(earlier);

    for (let attempt = 1; ; attempt++) {
      const order = await deps.orders.get(input.orderId);
      if (!order || !canSeeChannel(input.caller, order.channel)) throw notFound('Order', input.orderId);
      const [ledgerVersion, rmas, history] = await Promise.all([
        deps.returns.ledgerVersion(order.orderId),
        deps.returns.listByOrder(order.orderId),
        deps.orders.history(order.orderId),
      ]);
      const now = deps.clock.now();
      const lines = checkReturnable(order, rmas, request);
      const windowStart = returnWindowStart(order, history);
      const closesAt = new Date(Date.parse(windowStart) + policy.windowDays * 86_400_000);
      if (now > closesAt) {
        throw conflict(
          `The return window of order ${order.orderId} closed at ${closesAt.toISOString()} (${policy.windowDays} days after shipment)`,
          { errors: [fieldErrorAt([], `the return window closed at ${closesAt.toISOString()}`)] },
        );
      }
      const location = await returnLocation(deps.locations, order, request);

      const at = now.toISOString();
      const rma: Rma = {
        rmaId: `rma_${deps.ids.eventId()}`,
        orderId: order.orderId,
        channel: order.channel,
        method: request.method,
        returnLocationId: location.locationId,
        status: 'AUTHORIZED',
        lines,
        currency: order.currency,
        expiresAt: new Date(now.getTime() + policy.receiptTimeoutSeconds * 1000).toISOString(),
        createdAt: at,
        updatedAt: at,
        processedEventIds: [],
        version: 1,
      };
      const event = returnAuthorized(
        { eventId: deps.ids.eventId(), occurredAt: at, correlationId: input.correlationId },
        rma,
      );
      const result = await deps.returns.create({
        rma,
        events: [event],
        expectedLedgerVersion: ledgerVersion,
        idempotency: { channel: input.caller.channel, key: idempotencyKey, requestHash },
      });
      if (result.outcome === 'created') return { rma, created: true };
      if (result.outcome === 'idempotency-key-exists') return replay(result);
      if (attempt >= MAX_ATTEMPTS) {
        throw conflict(`Returns of order ${order.orderId} are being authorised concurrently; retry`);
      }
    }
  };
}

/** The RMA lines, or a problem naming each line that asks for more than is returnable. */
function checkReturnable(order: Order, rmas: readonly Rma[], request: CreateReturnRequest): Rma['lines'] {
  const onReturns = unitsOnReturns(rmas);
  const byId = new Map(order.lines.map((l) => [l.lineId, l]));
  const unknown: FieldError[] = [];
  const tooMany: FieldError[] = [];
  const lines: Rma['lines'] = [];
  request.lines.forEach((wanted, index) => {
    const line = byId.get(wanted.lineId);
    if (!line) {
      unknown.push(
        fieldErrorAt(['lines', index, 'lineId'], `order ${order.orderId} has no line ${wanted.lineId}`),
      );
      return;
    }
    const shipped = shippedUnits(line);
    const already = onReturns.get(line.lineId) ?? 0;
    const returnable = Math.max(0, shipped - already);
    if (wanted.quantity > returnable) {
      tooMany.push(
        fieldErrorAt(
          ['lines', index, 'quantity'],
          shipped === 0
            ? `line ${line.lineId} has not shipped: nothing is returnable`
            : `exceeds the ${returnable} unit(s) of line ${line.lineId} still returnable (${shipped} shipped, ${already} already returned or on an open return)`,
        ),
      );
      return;
    }
    lines.push({
      lineId: line.lineId,
      sku: line.sku,
      quantity: wanted.quantity,
      reason: wanted.reason,
      unitPrice: line.unitPrice,
    });
  });
  if (unknown.length) throw validationError('The return names lines the order does not have', unknown);
  const first = tooMany[0];
  if (first) {
    throw conflict(
      `The return asks for more than order ${order.orderId} can return: ${first.field} ${first.message}`,
      {
        errors: tooMany,
      },
    );
  }
  return lines;
}

const acceptsReturns = (l: Location) => l.status === 'active' && l.capabilities.includes('returns');

/** Mail: a warehouse with the returns capability (the one asked for, else the nearest); store: that store. */
async function returnLocation(
  locations: LocationRepository,
  order: Order,
  request: CreateReturnRequest,
): Promise<Location> {
  const path = ['returnLocationId'];
  if (request.returnLocationId !== undefined) {
    const location = await locations.get(request.returnLocationId);
    if (!location)
      throw validationError('Unknown return location', [
        fieldErrorAt(path, `location ${request.returnLocationId} is not known`),
      ]);
    const wanted = request.method === 'store' ? ['store', 'dark-store'] : ['warehouse'];
    if (!wanted.includes(location.type) || !acceptsReturns(location)) {
      throw validationError('The return location cannot take this return', [
        fieldErrorAt(
          path,
          `location ${location.locationId} is not an active ${request.method === 'store' ? 'store' : 'warehouse'} with the returns capability`,
        ),
      ]);
    }
    return location;
  }
  const candidates = (await locations.all()).filter((l) => l.type === 'warehouse' && acceptsReturns(l));
  const geo = order.delivery.method === 'ship' ? order.delivery.address.geo : undefined;
  if (geo) {
    const d = (l: Location) => (l.geo.lat - geo.lat) ** 2 + (l.geo.lon - geo.lon) ** 2;
    candidates.sort((a, b) => d(a) - d(b));
  }
  const chosen = candidates[0];
  if (!chosen) {
    throw conflict('No warehouse accepts returns by mail', {
      errors: [fieldErrorAt(['method'], 'no active warehouse has the returns capability')],
    });
  }
  return chosen;
}

/** `GET /returns/{rmaId}`: an RMA of the caller's channel, or at the caller's partner locations (admin: any). */
export function makeGetReturn(deps: { returns: ReturnRepository }) {
  return async function getReturn(input: { caller: Caller; rmaId: string }): Promise<Rma> {
    if (!RmaIdPattern.test(input.rmaId)) throw notFound('Return', input.rmaId);
    const rma = await deps.returns.get(input.rmaId);
    const { caller } = input;
    const channelSees = canSeeChannel(caller, rma?.channel ?? '') && hasScope(caller, 'orders');
    const partnerSees =
      rma !== undefined && hasScope(caller, 'fulfillment') && canActForLocation(caller, rma.returnLocationId);
    if (!rma || !(channelSees || partnerSees)) throw notFound('Return', input.rmaId);
    return rma;
  };
}
