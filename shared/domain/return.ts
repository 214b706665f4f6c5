import { z } from 'zod';
import { type CurrencyCode, MinorUnitsSchema } from './money.ts';
import { LocationIdSchema, QuantitySchema, SkuSchema } from './order.ts';

/**
 * Returns (RMA: return merchandise authorisation). A customer's channel (or ops) authorises a return
 * of shipped units; the goods come back by mail to a warehouse or over the counter of a store (BORIS,
 * buy online return in store), both locations with the `returns` capability. The returns workflow
 * then waits for the location to report receipt with a per-line inspection (restock or dispose),
 * restocks, asks the payment service for the refund and completes when it is issued.
 *
 * The task token of the workflow step waiting on a partner is stored with the RMA and never leaves
 * the system: partners address the RMA by its id only.
 */
export const RETURN_STATUSES = [
  /** Authorised; waiting for the goods to arrive before `expiresAt`. */
  'AUTHORIZED',
  /** Goods received and inspected; restocking and refund follow. */
  'RECEIVED',
  /** Refund asked of the payment service; waiting for its confirmation. */
  'REFUND_REQUESTED',
  'COMPLETED',
  /** Nothing arrived before `expiresAt`. */
  'EXPIRED',
  /** The workflow gave up (see `failure`); ops decide. */
  'FAILED',
] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];

/** Statuses whose units count against what is still returnable (they are or were on their way back). */
export const COUNTED_RETURN_STATUSES: readonly ReturnStatus[] = [
  'AUTHORIZED',
  'RECEIVED',
  'REFUND_REQUESTED',
  'COMPLETED',
  'FAILED',
];

export const RETURN_METHODS = ['mail', 'store'] as const;
export type ReturnMethod = (typeof RETURN_METHODS)[number];

export const RETURN_REASONS = [
  'changed-mind',
  'wrong-size',
  'damaged',
  'defective',
  'not-as-described',
  'wrong-item',
  'other',
] as const;

export const RETURN_DISPOSITIONS = ['restock', 'dispose'] as const;
export type ReturnDisposition = (typeof RETURN_DISPOSITIONS)[number];

export const RmaIdPattern = /^rma_[0-9A-HJKMNP-TV-Z]{26}$/;

export interface ReturnLine {
  lineId: string;
  sku: string;
  /** Units authorised for return. */
  quantity: number;
  reason: string;
  /** Price paid per unit (minor units), what the refund is computed from. */
  unitPrice: number;
  /** Filled in when the location reports receipt. */
  received?: number;
  restocked?: number;
  disposed?: number;
}

export interface Rma {
  rmaId: string;
  orderId: string;
  /** The order's channel (a channel sees only its own orders' returns). */
  channel: string;
  method: ReturnMethod;
  returnLocationId: string;
  status: ReturnStatus;
  lines: ReturnLine[];
  currency: CurrencyCode;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  refund?: { refundId: string; amount: number; providerReference?: string };
  /** Set when the workflow ended in failure or the RMA expired. */
  failure?: { error: string; cause: string; at: string };
  /** Internal only: the workflow step waiting on a partner (never in a response or an event). */
  taskToken?: string;
  waitingFor?: 'receipt' | 'refund';
  /** Partner event ids already applied (idempotency of `POST /returns/{rmaId}/events`). */
  processedEventIds: string[];
  version: number;
}

/** What callers may see of an RMA. */
export function publicRma(rma: Rma): Omit<Rma, 'taskToken' | 'processedEventIds' | 'waitingFor'> {
  const { taskToken: _t, processedEventIds: _p, waitingFor: _w, ...rest } = rma;
  return rest;
}

const reasonCode = z.enum(RETURN_REASONS, { error: `must be one of ${RETURN_REASONS.join(', ')}` });

/** Body of `POST /orders/{orderId}/returns`. */
export const CreateReturnRequestSchema = z
  .strictObject({
    method: z.enum(RETURN_METHODS, { error: "must be 'mail' or 'store'" }),
    /** Required for `store` (the store the customer walks into); for `mail`, defaults to a returns warehouse. */
    returnLocationId: LocationIdSchema.optional(),
    lines: z
      .array(
        z.strictObject({
          lineId: z.string({ error: 'must be a string' }).min(1).max(64),
          quantity: QuantitySchema,
          reason: reasonCode,
        }),
        { error: 'must be an array of return lines' },
      )
      .min(1, 'must contain at least one line')
      .max(200, 'must contain at most 200 lines'),
  })
  .superRefine((request, ctx) => {
    if (request.method === 'store' && request.returnLocationId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['returnLocationId'],
        message: 'is required for a store return (the store the goods are brought to)',
      });
    }
    const seen = new Map<string, number>();
    request.lines.forEach((line, index) => {
      const first = seen.get(line.lineId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'lineId'],
          message: `duplicates lines[${first}].lineId`,
        });
      } else seen.set(line.lineId, index);
    });
  });
export type CreateReturnRequest = z.infer<typeof CreateReturnRequestSchema>;

export const RETURN_EVENT_TYPES = ['received', 'refund-issued', 'refund-failed'] as const;

const eventIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may contain only letters, digits and . _ : @ -');

/** Body of `POST /returns/{rmaId}/events`: what the return location or the payment service reports. */
export const ReturnEventRequestSchema = z
  .strictObject({
    type: z.enum(RETURN_EVENT_TYPES),
    /** The partner's id for this report; a repeat with the same id changes nothing. */
    eventId: eventIdSchema,
    /** `received`: units that arrived per line, each with its inspection result. */
    lines: z
      .array(
        z.strictObject({
          lineId: z.string({ error: 'must be a string' }).min(1).max(64),
          quantity: QuantitySchema,
          disposition: z.enum(RETURN_DISPOSITIONS, { error: "must be 'restock' or 'dispose'" }),
          note: z.string().trim().min(1).max(1000).optional(),
        }),
      )
      .min(1, 'must contain at least one line')
      .max(400)
      .optional(),
    /** `refund-issued`: the payment provider's refund id. */
    providerReference: z.string().trim().min(1).max(256).optional(),
    /** `refund-failed`: why, and whether trying again may help. */
    reason: z.enum(['declined', 'payment-method-expired', 'provider-error', 'timeout', 'other']).optional(),
    retryable: z.boolean().optional(),
    note: z.string().trim().min(1).max(1000).optional(),
  })
  .superRefine((event, ctx) => {
    if (event.type === 'received' && event.lines === undefined) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: 'is required for a received event' });
    }
    if (event.type !== 'received' && event.lines !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: `is only for a received event` });
    }
    if (event.type === 'refund-issued' && event.providerReference === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['providerReference'],
        message: 'is required for a refund-issued event',
      });
    }
    if (event.type === 'refund-failed' && event.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required for a refund-failed event' });
    }
  });
export type ReturnEventRequest = z.infer<typeof ReturnEventRequestSchema>;

/** The RMA as the API returns it (OpenAPI). */
export const RmaViewSchema = z.object({
  rmaId: z.string(),
  orderId: z.string(),
  channel: z.string(),
  method: z.enum(RETURN_METHODS),
  returnLocationId: LocationIdSchema,
  status: z.enum(RETURN_STATUSES),
  lines: z.array(
    z.object({
      lineId: z.string(),
      sku: SkuSchema,
      quantity: QuantitySchema,
      reason: z.string(),
      unitPrice: MinorUnitsSchema,
      received: z.number().int().nonnegative().optional(),
      restocked: z.number().int().nonnegative().optional(),
      disposed: z.number().int().nonnegative().optional(),
    }),
  ),
  currency: z.string(),
  expiresAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  refund: z
    .object({ refundId: z.string(), amount: z.number().int(), providerReference: z.string().optional() })
    .optional(),
  failure: z.object({ error: z.string(), cause: z.string(), at: z.string() }).optional(),
  version: z.number().int().positive(),
});

/** Error names the returns state machine matches in Retry/Catch (Lambda error type, SendTaskFailure error). */
export const RETURN_WORKFLOW_ERRORS = {
  /** The payment service reported a failure it may recover from: the refund step is retried. */
  refundFailed: 'RefundFailed',
  /** Worth retrying: a concurrent change, a throttled dependency. */
  transient: 'TransientError',
  /** Cannot go on (RMA missing or in an unexpected state). */
  invalidState: 'ReturnStateError',
} as const;

export class ReturnWorkflowError extends Error {
  constructor(name: (typeof RETURN_WORKFLOW_ERRORS)[keyof typeof RETURN_WORKFLOW_ERRORS], message: string) {
    super(message);
    this.name = name;
  }
}

/** Refund for the received units, per line (minor units). */
export function refundLines(rma: Rma): { lineId: string; sku: string; quantity: number; amount: number }[] {
  return rma.lines
    .filter((l) => (l.received ?? 0) > 0)
    .map((l) => ({
      lineId: l.lineId,
      sku: l.sku,
      quantity: l.received ?? 0,
      amount: l.unitPrice * (l.received ?? 0),
    }));
}
