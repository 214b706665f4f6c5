import { z } from 'zod';
import { CurrencySchema, MinorUnitsSchema, multiplyMinorUnits } from './money.ts';
import { HOLDABLE_STATUSES, LINE_STATUSES, ORDER_STATUSES } from './order-status.ts';

/** Identifiers that end up in DynamoDB keys and URLs: no separators, no whitespace. */
const identifier = (what: string, max = 128) =>
  z
    .string({ error: `must be a string (${what})` })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/,
      'may contain only letters, digits and . _ : @ - (not starting with a symbol)',
    );

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

export const SkuSchema = z
  .string({ error: 'must be a string (SKU)' })
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'may contain only letters, digits and . _ / -')
  // A SKU ends up in URLs (/inventory/{sku}/…) and keys: `.`/`..` segments would be read as a path
  // traversal by anything that normalises it, and an empty segment (`//`) as a different SKU.
  .refine(
    (sku) => sku.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'),
    'must not contain empty, . or .. segments between slashes',
  );

export const LocationIdSchema = identifier('location id', 64);
export const OrderIdSchema = z.string().regex(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/, 'is not an order id');

export const MAX_LINE_QUANTITY = 10_000;
export const QuantitySchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .positive('must be at least 1')
  .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`);

/**
 * Degrees with at most 7 decimal places (~1 cm). Finer values are noise, and some (e.g. 5e-324) are
 * beyond what DynamoDB can store as a number (magnitude ≥ 1e-130).
 */
const degrees = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .min(min)
    .max(max)
    .refine((v) => Math.round(v * 1e7) / 1e7 === v, 'must have at most 7 decimal places');

export const GeoPointSchema = z.strictObject({
  lat: degrees(-90, 90),
  lon: degrees(-180, 180),
});
export type GeoPoint = z.infer<typeof GeoPointSchema>;

const PhoneSchema = z
  .string({ error: 'must be a string' })
  .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number (digits, spaces, + ( ) -)');

export const AddressSchema = z.strictObject({
  name: text(200),
  line1: text(200),
  line2: text(200).optional(),
  city: text(100),
  region: text(100).optional(),
  postalCode: z
    .string({ error: 'must be a string' })
    .trim()
    .min(2, 'must be at least 2 characters')
    .max(16, 'must be at most 16 characters'),
  country: z.string({ error: 'must be a string' }).regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code'),
  phone: PhoneSchema.optional(),
  geo: GeoPointSchema.optional(),
});
export type Address = z.infer<typeof AddressSchema>;

export const CustomerSchema = z.strictObject({
  customerId: identifier('customer id'),
  email: z.email('must be an email address').max(254).optional(),
  phone: PhoneSchema.optional(),
  name: text(200).optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const OrderLineInputSchema = z.strictObject({
  lineId: identifier('line id', 64).optional(),
  sku: SkuSchema,
  quantity: QuantitySchema,
  unitPrice: MinorUnitsSchema,
  description: text(500).optional(),
});
export type OrderLineInput = z.infer<typeof OrderLineInputSchema>;

export const SHIPPING_SERVICES = ['standard', 'express', 'next-day'] as const;

export const DeliverySchema = z.discriminatedUnion(
  'method',
  [
    z.strictObject({
      method: z.literal('ship'),
      address: AddressSchema,
      service: z.enum(SHIPPING_SERVICES).default('standard'),
    }),
    z.strictObject({
      method: z.literal('pickup'),
      locationId: LocationIdSchema,
      contact: z
        .strictObject({ name: text(200), phone: PhoneSchema.optional(), email: z.email().optional() })
        .optional(),
    }),
  ],
  { error: "must be an object whose method is 'ship' (with an address) or 'pickup' (with a locationId)" },
);
export type Delivery = z.infer<typeof DeliverySchema>;

export const TagSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9][a-z0-9:_-]{0,49}$/, 'must be lowercase letters, digits and : _ - (at most 50)');

export const MAX_ORDER_LINES = 200;

/** What a sales channel posts to `POST /orders`. Unknown fields are rejected, not ignored. */
export const PlaceOrderRequestSchema = z
  .strictObject({
    externalId: identifier('external order id').optional(),
    customer: CustomerSchema,
    currency: CurrencySchema,
    lines: z
      .array(OrderLineInputSchema, { error: 'must be an array of order lines' })
      .min(1, 'must contain at least one line')
      .max(MAX_ORDER_LINES, `must contain at most ${MAX_ORDER_LINES} lines`),
    delivery: DeliverySchema,
    requestedDeliveryDate: z.iso.date('must be a date (YYYY-MM-DD)').optional(),
    /**
     * The delivery date the storefront promised (from GET /availability): sourcing then uses only
     * locations whose promise arrives by it. Ship orders only.
     */
    promisedBy: z.iso.date('must be a date (YYYY-MM-DD)').optional(),
    tags: z.array(TagSchema).max(20, 'must contain at most 20 tags').optional(),
    notes: text(1000).optional(),
  })
  .superRefine((order, ctx) => {
    if (order.promisedBy !== undefined && order.delivery.method !== 'ship') {
      ctx.addIssue({
        code: 'custom',
        path: ['promisedBy'],
        message: 'is only for orders shipped to an address',
      });
    }
    const seen = new Map<string, number>();
    order.lines.forEach((line, index) => {
      if (line.lineId === undefined) return;
      const first = seen.get(line.lineId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['lines', index, 'lineId'],
          message: `duplicates lines[${first}].lineId`,
        });
      } else seen.set(line.lineId, index);
    });
    let subtotal = 0;
    for (const line of order.lines) subtotal += line.unitPrice * line.quantity;
    if (!Number.isSafeInteger(subtotal)) {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: 'order total is too large' });
    }
  });
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequestSchema>;

export const LineQuantitiesSchema = z.object({
  allocated: z.number().int().nonnegative(),
  backordered: z.number().int().nonnegative(),
  shipped: z.number().int().nonnegative(),
  delivered: z.number().int().nonnegative(),
  cancelled: z.number().int().nonnegative(),
  returned: z.number().int().nonnegative(),
});
export type LineQuantities = z.infer<typeof LineQuantitiesSchema>;

export const OrderLineSchema = z.object({
  lineId: z.string(),
  sku: SkuSchema,
  quantity: QuantitySchema,
  unitPrice: MinorUnitsSchema,
  description: z.string().optional(),
  status: z.enum(LINE_STATUSES),
  quantities: LineQuantitiesSchema,
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

export const ActorSchema = z.object({
  type: z.enum(['channel', 'system', 'ops', 'partner', 'workflow']),
  id: z.string(),
});
export type Actor = z.infer<typeof ActorSchema>;

export const OrderPromiseSchema = z.object({
  source: z
    .enum(['channel', 'allocation'])
    .describe(
      'channel: the storefront sent promisedBy and sourcing keeps it; allocation: computed when stock was reserved',
    ),
  serviceLevel: z.enum(SHIPPING_SERVICES),
  locations: z
    .array(
      z.object({
        locationId: z.string(),
        shipDate: z.string().describe("The location's local day the parcel leaves (YYYY-MM-DD)"),
        shipBy: z.iso.datetime().describe('Not shipped by then, the shipment is late (ShipmentOverdue)'),
        promisedBy: z.string().describe('Delivery date this location promises (YYYY-MM-DD)'),
      }),
    )
    .describe('The promise of each location holding units of the order, made when it was given them'),
});
export type OrderPromise = z.infer<typeof OrderPromiseSchema>;

export const OrderSchema = z.object({
  orderId: OrderIdSchema,
  channel: z.string(),
  externalId: z.string().optional(),
  customer: CustomerSchema,
  currency: CurrencySchema,
  lines: z.array(OrderLineSchema),
  delivery: DeliverySchema,
  requestedDeliveryDate: z.string().optional(),
  promisedBy: z
    .string()
    .optional()
    .describe(
      "Delivery date promised to the customer (YYYY-MM-DD): the channel's, or the latest of the locations' promises at allocation",
    ),
  promise: OrderPromiseSchema.optional(),
  tags: z.array(z.string()),
  notes: z.string().optional(),
  status: z.enum(ORDER_STATUSES),
  totals: z.object({ subtotal: z.number().int(), units: z.number().int() }),
  cancellation: z.object({ reason: z.string(), at: z.string(), by: ActorSchema }).optional(),
  hold: z
    .object({
      previousStatus: z.enum(HOLDABLE_STATUSES).describe('The status the order was held from'),
      reason: z.string(),
      note: z.string().optional(),
      at: z.string(),
      by: ActorSchema,
      releasedAt: z.string().optional().describe('When release-hold lifted it; absent while ON_HOLD'),
    })
    .optional()
    .describe(
      "The order's latest hold: why, by whom, and the status it was held from, which POST /orders/{orderId}/release-hold restores (then `releasedAt`). A hold tag does not hold an order twice.",
    ),
  fulfilmentFailure: z
    .object({
      at: z.string(),
      error: z.string().describe('The error the failed step ended with, after its retries'),
      cause: z.string(),
    })
    .optional()
    .describe(
      'Set when the fulfilment workflow failed beyond its retries: the order keeps its status, its lines and the stock they claim (reservations consistent), so it can be re-driven or cancelled (docs/workflows.md, "When an execution fails"). Cleared when fulfilment goes on.',
    ),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().positive(),
});
export type Order = z.infer<typeof OrderSchema>;

/** One append-only entry of an order's status history. */
export const StatusChangeSchema = z.object({
  at: z.iso.datetime(),
  from: z.enum(ORDER_STATUSES).nullable(),
  to: z.enum(ORDER_STATUSES),
  by: ActorSchema,
  reason: z.string(),
  /** The event that announced this change, so history and event log can be joined. */
  eventId: z.string().optional(),
  /**
   * The request that made this change, when it carried an Idempotency-Key (per-line cancellation):
   * a retry with the same key is answered from here instead of cancelling twice.
   */
  request: z
    .object({ idempotencyKey: z.string(), requestHash: z.string() })
    .optional()
    .describe('Idempotency-Key of the request that made this change, and a hash of that request'),
});
export type StatusChange = z.infer<typeof StatusChangeSchema>;

const emptyQuantities = (): LineQuantities => ({
  allocated: 0,
  backordered: 0,
  shipped: 0,
  delivered: 0,
  cancelled: 0,
  returned: 0,
});

/** Builds a new order from a validated request. Line ids default to their 1-based position. */
export function newOrder(input: {
  orderId: string;
  channel: string;
  request: PlaceOrderRequest;
  now: string;
}): Order {
  const { request } = input;
  const lines: OrderLine[] = request.lines.map((line, index) => ({
    lineId: line.lineId ?? String(index + 1),
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    ...(line.description === undefined ? {} : { description: line.description }),
    status: 'CREATED',
    quantities: emptyQuantities(),
  }));
  return {
    orderId: input.orderId,
    channel: input.channel,
    ...(request.externalId === undefined ? {} : { externalId: request.externalId }),
    customer: request.customer,
    currency: request.currency,
    lines,
    delivery: request.delivery,
    ...(request.requestedDeliveryDate === undefined
      ? {}
      : { requestedDeliveryDate: request.requestedDeliveryDate }),
    ...(request.promisedBy === undefined || request.delivery.method !== 'ship'
      ? {}
      : {
          promisedBy: request.promisedBy,
          promise: { source: 'channel' as const, serviceLevel: request.delivery.service, locations: [] },
        }),
    tags: request.tags ?? [],
    ...(request.notes === undefined ? {} : { notes: request.notes }),
    status: 'CREATED',
    totals: {
      subtotal: lines.reduce((sum, l) => sum + multiplyMinorUnits(l.unitPrice, l.quantity), 0),
      units: lines.reduce((sum, l) => sum + l.quantity, 0),
    },
    createdAt: input.now,
    updatedAt: input.now,
    version: 1,
  };
}
