import { z } from 'zod';
import { conflict, DomainError, type FieldError, fieldErrorAt, validationError } from '../domain/errors.ts';
import { LocationIdSchema, SkuSchema } from '../domain/order.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { canonicalJson, sha256Hex } from '../lib/canonical-json.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import {
  ADJUSTMENT_REASONS,
  type AdjustmentBatch,
  type AdjustmentReason,
  type InventoryStore,
  type PositionDelta,
} from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import { MAX_STOCK_UNITS } from './sync-inventory.ts';

/** One transaction holds the batch record plus one write per position: DynamoDB allows 100. */
export const MAX_ADJUSTMENTS_PER_BATCH = 99;

/** Reasons that only ever add stock, and those that only ever remove it; the rest go either way. */
const ADDING: readonly AdjustmentReason[] = ['received', 'returned'];
const REMOVING: readonly AdjustmentReason[] = ['damaged', 'shrinkage'];

const AdjustmentSchema = z
  .strictObject({
    sku: SkuSchema,
    locationId: LocationIdSchema,
    delta: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(-MAX_STOCK_UNITS, `must be at least -${MAX_STOCK_UNITS}`)
      .max(MAX_STOCK_UNITS, `must be at most ${MAX_STOCK_UNITS}`)
      .refine((delta) => delta !== 0, 'must not be zero'),
    reason: z.enum(ADJUSTMENT_REASONS, { error: `must be one of ${ADJUSTMENT_REASONS.join(', ')}` }),
    note: z.string({ error: 'must be a string' }).trim().min(1).max(500).optional(),
  })
  .superRefine((adjustment, ctx) => {
    if (ADDING.includes(adjustment.reason) && adjustment.delta < 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['delta'],
        message: `must be positive for reason ${adjustment.reason}`,
      });
    }
    if (REMOVING.includes(adjustment.reason) && adjustment.delta > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['delta'],
        message: `must be negative for reason ${adjustment.reason}`,
      });
    }
  });

/** Body of `POST /inventory/adjustments`. */
export const AdjustInventoryRequestSchema = z.strictObject({
  /** Names the batch so that a retry applies it once; generated when absent (then retries are not safe). */
  batchId: z
    .string({ error: 'must be a string' })
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may contain only letters, digits and . _ : @ -')
    .optional(),
  adjustments: z
    .array(AdjustmentSchema, { error: 'must be an array of adjustments' })
    .min(1, 'must contain at least one adjustment')
    .max(MAX_ADJUSTMENTS_PER_BATCH, `must contain at most ${MAX_ADJUSTMENTS_PER_BATCH} adjustments`),
});

export interface AdjustedPosition {
  sku: string;
  locationId: string;
  onHandBefore: number;
  onHandAfter: number;
}

export interface AdjustInventoryResult {
  batch: AdjustmentBatch;
  /** false when this batch id had already been applied (a retry): nothing changed now. */
  applied: boolean;
  /** Per position touched by this call; empty for a retry. */
  positions: AdjustedPosition[];
}

const MAX_ATTEMPTS = 5;

interface PositionPlan {
  sku: string;
  locationId: string;
  indexes: number[];
  delta: number;
}

/**
 * Applies a batch of on-hand deltas all or nothing. Each position's write is conditional on the on
 * hand read and on `reserved ≤ new on hand`, so neither a negative on hand nor stock already promised
 * to orders can be adjusted away, even by a concurrent writer; when something changed in between, the
 * batch is re-read and re-checked.
 */
export function makeAdjustInventory(deps: {
  inventory: InventoryStore;
  locations: LocationRepository;
  clock: Clock;
  ids: IdGenerator;
}) {
  return async function adjustInventory(input: { body: unknown }): Promise<AdjustInventoryResult> {
    const request = parseOrThrow(AdjustInventoryRequestSchema, input.body, 'inventory adjustment');
    const requestHash = sha256Hex(canonicalJson(request.adjustments));
    const replay = (batch: AdjustmentBatch): AdjustInventoryResult => {
      if (batch.requestHash !== requestHash) {
        throw new DomainError(
          'idempotency-key-reused',
          `Adjustment batch ${batch.batchId} was already applied with different adjustments`,
          { errors: [fieldErrorAt(['batchId'], 'was already used for a different batch')] },
        );
      }
      return { batch, applied: false, positions: [] };
    };
    if (request.batchId !== undefined) {
      const existing = await deps.inventory.getAdjustmentBatch(request.batchId);
      if (existing) return replay(existing);
    }
    await assertLocationsExist(deps.locations, request.adjustments);

    const byPosition = new Map<string, PositionPlan>();
    request.adjustments.forEach((adjustment, index) => {
      const id = `${adjustment.sku}\u0000${adjustment.locationId}`;
      const plan = byPosition.get(id) ?? {
        sku: adjustment.sku,
        locationId: adjustment.locationId,
        indexes: [],
        delta: 0,
      };
      plan.indexes.push(index);
      plan.delta += adjustment.delta;
      byPosition.set(id, plan);
    });
    const plans = [...byPosition.values()];
    const batch: AdjustmentBatch = {
      batchId: request.batchId ?? `adj_${deps.ids.eventId()}`,
      requestHash,
      lines: request.adjustments,
      appliedAt: deps.clock.now().toISOString(),
    };

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const stored = await Promise.all(plans.map((plan) => deps.inventory.getPosition(plan)));
      const deltas: PositionDelta[] = [];
      const adjusted: AdjustedPosition[] = [];
      const errors: FieldError[] = [];
      plans.forEach((plan, i) => {
        const position = stored[i];
        const before = position?.onHand ?? 0;
        const reserved = position?.reserved ?? 0;
        const after = before + plan.delta;
        const what = `SKU ${plan.sku} at ${plan.locationId}`;
        const change =
          plan.indexes.length === 1 ? `delta ${signed(plan.delta)}` : `net delta ${signed(plan.delta)}`;
        const problem =
          after < 0
            ? `would make on hand negative for ${what}: on hand ${before}, ${change} gives ${after}`
            : after < reserved
              ? `would leave on hand below reserved for ${what}: on hand ${before}, ${change} gives ${after}, but ${reserved} are reserved for orders`
              : undefined;
        if (problem !== undefined) {
          for (const index of plan.indexes)
            errors.push(fieldErrorAt(['adjustments', index, 'delta'], problem));
        }
        deltas.push({
          sku: plan.sku,
          locationId: plan.locationId,
          delta: plan.delta,
          expectedOnHand: position?.onHand,
        });
        adjusted.push({
          sku: plan.sku,
          locationId: plan.locationId,
          onHandBefore: before,
          onHandAfter: after,
        });
      });
      const first = errors[0];
      if (first !== undefined) {
        throw conflict(
          `The adjustment at ${first.field} ${first.message}; nothing in the batch was applied`,
          { errors },
        );
      }

      const result = await deps.inventory.applyAdjustments({ batch, positions: deltas });
      if (result.outcome === 'applied') return { batch, applied: true, positions: adjusted };
      if (result.outcome === 'batch-exists') return replay(result.batch);
    }
    throw conflict('Inventory for this batch is changing concurrently; nothing was applied, retry the batch');
  };
}

const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

async function assertLocationsExist(
  locations: LocationRepository,
  adjustments: readonly { locationId: string }[],
): Promise<void> {
  const ids = [...new Set(adjustments.map((a) => a.locationId))];
  const found = await Promise.all(ids.map((id) => locations.get(id)));
  const unknown = new Set(ids.filter((_, i) => found[i] === undefined));
  if (unknown.size === 0) return;
  const errors = adjustments.flatMap((adjustment, index) =>
    unknown.has(adjustment.locationId)
      ? [fieldErrorAt(['adjustments', index, 'locationId'], `location ${adjustment.locationId} is not known`)]
      : [],
  );
  throw validationError('The inventory adjustment names unknown locations', errors);
}
