import { z } from 'zod';
import { type Caller, canSeeChannel } from '../domain/caller.ts';
import { conflict, fieldErrorAt, notFound, validationError } from '../domain/errors.ts';
import { GeoPointSchema, LocationIdSchema, QuantitySchema, SkuSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { Hold, HoldLine, InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import { candidatePositions } from '../sourcing/candidates.ts';
import { planShipments } from '../sourcing/plan-shipments.ts';
import { DEFAULT_SOURCING_POLICY, type ShippingCostModel, type SourcingPolicy } from '../sourcing/types.ts';
import { DEFAULT_SHIPPING_COST, picksFromPlan, positionReservations } from './allocate-order.ts';

export const MIN_HOLD_SECONDS = 10;
export const MAX_HOLD_SECONDS = 86_400;
export const DEFAULT_HOLD_SECONDS = 900;
/** With at most 3 locations per line, a hold's writes stay within one transaction (≤ 100). */
export const MAX_HOLD_LINES = 30;
/** The hold item plus one write per position must fit one transaction. */
const MAX_HOLD_POSITIONS = 100;

const identifier = z
  .string({ error: 'must be a string' })
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may contain only letters, digits and . _ : @ -');

/** Body of `POST /reservations`: hold cart stock for a while. */
export const HoldInventoryRequestSchema = z
  .strictObject({
    /** Names the hold so a retried request holds once; generated when absent. */
    holdId: identifier.optional(),
    ttlSeconds: z
      .number({ error: 'must be a number of seconds' })
      .int('must be a whole number')
      .min(MIN_HOLD_SECONDS, `must be at least ${MIN_HOLD_SECONDS}`)
      .max(MAX_HOLD_SECONDS, `must be at most ${MAX_HOLD_SECONDS}`)
      .default(DEFAULT_HOLD_SECONDS),
    lines: z
      .array(
        z.strictObject({
          lineId: z.string().min(1).max(64).optional(),
          sku: SkuSchema,
          quantity: QuantitySchema,
        }),
        { error: 'must be an array of lines' },
      )
      .min(1, 'must contain at least one line')
      .max(MAX_HOLD_LINES, `must contain at most ${MAX_HOLD_LINES} lines`),
    /** Where the cart would be delivered, to hold stock where it would be shipped from. */
    destination: GeoPointSchema.optional(),
    /** Hold at (or for transfer to) this pickup store instead. */
    pickupLocationId: LocationIdSchema.optional(),
  })
  .superRefine((request, ctx) => {
    if (request.destination !== undefined && request.pickupLocationId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['pickupLocationId'],
        message: 'use either destination or pickupLocationId',
      });
    }
    const ids = request.lines.map((line, i) => line.lineId ?? String(i + 1));
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i)
        ctx.addIssue({ code: 'custom', path: ['lines', i, 'lineId'], message: 'is a duplicate' });
    });
  });

const HOLD_POLICY: SourcingPolicy = { ...DEFAULT_SOURCING_POLICY, maxShipments: 3, mode: 'heuristic' };
const MAX_ATTEMPTS = 10;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface HoldInventoryResult {
  hold: Hold;
  /** false when a hold with this id already existed (a retry): it is returned as it is. */
  created: boolean;
}

/**
 * `POST /reservations`: a cart-time soft hold. It reserves like an allocation (same conditional
 * writes, so it cannot oversell) but lapses at `heldUntil`. Whatever is not available is simply not
 * held (`held` < `quantity` on the line). Expiry is enforced by `expireHolds`, not by DynamoDB TTL.
 */
export function makeHoldInventory(deps: {
  inventory: InventoryStore;
  locations: LocationRepository;
  clock: Clock;
  ids: IdGenerator;
  shippingCost?: ShippingCostModel;
}) {
  return async function holdInventory(input: {
    caller: Caller;
    body: unknown;
  }): Promise<HoldInventoryResult> {
    const request = parseOrThrow(HoldInventoryRequestSchema, input.body, 'hold');
    const holdId = request.holdId ?? `hold_${deps.ids.eventId()}`;
    // A repeated holdId is a retry of the channel's own hold; another channel's hold is not shown.
    const replay = (existing: Hold): HoldInventoryResult => {
      if (!ownsHold(input.caller, existing)) {
        throw conflict(`holdId ${holdId} is taken; choose another (or omit holdId)`);
      }
      return { hold: existing, created: false };
    };
    if (request.holdId !== undefined) {
      const existing = await deps.inventory.getHold(holdId);
      if (existing) return replay(existing);
    }
    const lines = request.lines.map((line, i) => ({
      lineId: line.lineId ?? String(i + 1),
      sku: line.sku,
      quantity: line.quantity,
    }));
    const locations = await deps.locations.all();
    if (
      request.pickupLocationId !== undefined &&
      !locations.some((l) => l.locationId === request.pickupLocationId)
    ) {
      throw validationError('The hold names an unknown pickup location', [
        { pointer: '#/pickupLocationId', field: 'pickupLocationId', message: 'is not a known location' },
      ]);
    }
    const shippingCost = deps.shippingCost ?? DEFAULT_SHIPPING_COST;
    const skus = [...new Set(lines.map((line) => line.sku))];

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const positions = (await Promise.all(skus.map((sku) => deps.inventory.listPositions(sku)))).flat();
      const plan = planShipments({
        lines,
        delivery:
          request.pickupLocationId !== undefined
            ? { method: 'pickup', pickupLocationId: request.pickupLocationId }
            : { method: 'ship', destination: request.destination ?? { lat: 0, lon: 0 } },
        positions: candidatePositions(positions),
        locations,
        shippingCost:
          request.destination === undefined
            ? { ...shippingCost, perShipmentPerKm: 0, perUnitPerKm: 0 }
            : shippingCost,
        policy: HOLD_POLICY,
      });
      const picks = picksFromPlan(plan);
      const heldByLine = new Map<string, number>();
      for (const pick of picks)
        heldByLine.set(pick.lineId, (heldByLine.get(pick.lineId) ?? 0) + pick.quantity);
      const reservations = positionReservations(picks, positions);
      if (reservations.length >= MAX_HOLD_POSITIONS) {
        throw validationError('The hold is too large', [
          fieldErrorAt(
            ['lines'],
            `would hold stock at ${reservations.length} positions; at most ${MAX_HOLD_POSITIONS - 1}`,
          ),
        ]);
      }
      const now = deps.clock.now();
      const hold: Hold = {
        holdId,
        channel: input.caller.channel,
        status: 'active',
        lines: lines.map((line): HoldLine => ({ ...line, held: heldByLine.get(line.lineId) ?? 0 })),
        allocations: reservations.map(({ sku, locationId, quantity }) => ({ sku, locationId, quantity })),
        createdAt: now.toISOString(),
        heldUntil: new Date(now.getTime() + request.ttlSeconds * 1000).toISOString(),
      };
      const result = await deps.inventory.createHold({ hold, positions: reservations });
      if (result.outcome === 'created') return { hold, created: true };
      if (result.outcome === 'exists') return replay(result.hold);
      await sleep(Math.random() * 10 * attempt);
    }
    throw conflict('Stock is changing concurrently; nothing was held, retry the hold');
  };
}

/** A sales channel's holds are its own; ops keys may act on any (holds without a channel: ops only). */
export function ownsHold(caller: Caller, hold: Hold): boolean {
  return caller.admin || (hold.channel !== undefined && canSeeChannel(caller, hold.channel));
}

/**
 * `DELETE /reservations/{holdId}`: the cart was checked out or abandoned; give the units back now.
 * Another channel's hold reads as not found.
 */
export function makeReleaseHold(deps: { inventory: InventoryStore; clock: Clock }) {
  return async function releaseHold(input: {
    caller: Caller;
    holdId: string;
  }): Promise<{ hold: Hold; released: boolean }> {
    if (!identifier.safeParse(input.holdId).success) throw notFound('Hold', input.holdId);
    const hold = await deps.inventory.getHold(input.holdId);
    if (!hold || !ownsHold(input.caller, hold)) throw notFound('Hold', input.holdId);
    if (hold.status !== 'active') return { hold, released: false };
    const at = deps.clock.now().toISOString();
    const outcome = await deps.inventory.endHold({ hold, status: 'released', at });
    if (outcome === 'not-active') {
      const current = await deps.inventory.getHold(input.holdId);
      return { hold: current ?? hold, released: false };
    }
    return { hold: { ...hold, status: 'released', endedAt: at }, released: true };
  };
}

export const DEFAULT_SWEEP_BATCH = 100;
export const MAX_SWEEP_BATCHES = 20;

/**
 * Releases every hold whose time is up. DynamoDB TTL deletes items lazily (up to days later) and
 * DynamoDB Local never does, so expiry cannot wait for it: on AWS this sweep runs on a schedule
 * (EventBridge Scheduler, every minute), so an expired hold stops counting within about a minute.
 * Each hold ends in one conditional transaction; a hold released concurrently is skipped.
 */
export function makeExpireHolds(deps: { inventory: InventoryStore; clock: Clock }) {
  return async function expireHolds(
    input: { now?: Date; batchSize?: number } = {},
  ): Promise<{ expired: string[] }> {
    const now = (input.now ?? deps.clock.now()).toISOString();
    const batchSize = input.batchSize ?? DEFAULT_SWEEP_BATCH;
    const expired: string[] = [];
    for (let batch = 0; batch < MAX_SWEEP_BATCHES; batch++) {
      const due = await deps.inventory.listExpiredHolds(now, batchSize);
      const outcomes = await Promise.all(
        due.map((hold) => deps.inventory.endHold({ hold, status: 'expired', at: now })),
      );
      const ended = due.filter((_, i) => outcomes[i] === 'ended');
      expired.push(...ended.map((hold) => hold.holdId));
      // The index is eventually consistent: when a batch ends nothing new, the rest is stale entries.
      if (due.length < batchSize || ended.length === 0) break;
    }
    return { expired };
  };
}
