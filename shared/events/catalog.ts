import { z } from 'zod';
import { CANCEL_REASONS } from '../domain/cancel-reasons.ts';
import { CurrencySchema, MinorUnitsSchema } from '../domain/money.ts';
import {
  ActorSchema,
  AddressSchema,
  DeliverySchema,
  LineQuantitiesSchema,
  LocationIdSchema,
  OrderIdSchema,
  OrderLineSchema,
  OrderSchema,
  QuantitySchema,
  SHIPPING_SERVICES,
  SkuSchema,
} from '../domain/order.ts';
import { ORDER_STATUSES } from '../domain/order-status.ts';
import { type DomainEvent, EventEnvelopeSchema } from './envelope.ts';

/*
 * The event catalog: the public contract partners code against. One schema per detail-type for the
 * envelope's `data`, each with a major `version`.
 *
 * Data objects are plain `z.object`s (unknown keys are stripped, not rejected): a consumer deployed
 * before an additive change must keep accepting events from a producer deployed after it.
 */

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** Ids minted by the OMS or a partner (shipments, purchase orders, RMAs, refunds): URL- and key-safe. */
const referenceId = (what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .min(1, 'must not be empty')
    .max(128, 'must be at most 128 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may contain only letters, digits and . _ : @ -')
    .describe(what);

export const ShipmentIdSchema = referenceId('Shipment id, e.g. shp_<ULID>');
export const PurchaseOrderIdSchema = referenceId('Drop-ship purchase order id, e.g. po_<ULID>');
export const RmaIdSchema = referenceId('Return merchandise authorisation id, e.g. rma_<ULID>');
export const RefundIdSchema = referenceId('Refund id, e.g. rf_<ULID>');

/*
 * Reason codes are open sets: a new code is an additive change (same version), so consumers must
 * handle codes they do not know (treat them like `other`). Statuses and kinds are closed enums.
 */
const reasonCode = (known: readonly string[]) =>
  z
    .string({ error: 'must be a string (reason code)' })
    .max(64, 'must be at most 64 characters')
    .regex(
      /^[a-z0-9]+(?:-[a-z0-9]+)*$/,
      `must be a reason code: lowercase words joined by -, e.g. ${known[0]}`,
    )
    .describe(`Reason code. Known values: ${known.join(', ')}. New codes may be added within a version.`);

const note = z.string().trim().min(1).max(1000).describe('Free text for people; not for automation.');
const timestamp = (what: string) => z.iso.datetime('must be an ISO 8601 UTC date-time').describe(what);

const LineIdSchema = OrderLineSchema.shape.lineId.min(1, 'must not be empty').describe('Order line id');

/** Units of one order line. */
export const EventLineSchema = z.object({
  lineId: LineIdSchema,
  sku: SkuSchema,
  quantity: QuantitySchema,
});
export type EventLine = z.infer<typeof EventLineSchema>;

const lineList = (what: string) =>
  z.array(EventLineSchema).min(1, 'must contain at least one line').describe(what);

const OrderStatusSchema = z.enum(ORDER_STATUSES);
const ServiceLevelSchema = z.enum(SHIPPING_SERVICES).describe('Carrier service level');

export const SHIPMENT_KINDS = ['ship', 'pickup', 'transfer'] as const;
const ShipmentKindSchema = z
  .enum(SHIPMENT_KINDS)
  .describe('ship: to the customer; pickup: hand over at this location; transfer: to the pickup store');

// ---------------------------------------------------------------------------------------------
// Data schemas, one per detail-type
// ---------------------------------------------------------------------------------------------

export const OrderCreatedDataSchema = z.object({
  order: OrderSchema.describe('The order as captured'),
});

export const AllocatedLineSchema = z.object({
  lineId: LineIdSchema,
  sku: SkuSchema,
  quantity: QuantitySchema.describe('Units ordered'),
  allocated: z.number().int().nonnegative().describe('Units promised (own locations and drop-ship)'),
  backordered: z.number().int().nonnegative().describe('Units waiting for stock'),
});

export const AllocatedShipmentSchema = z.object({
  locationId: LocationIdSchema.describe('Location whose stock is reserved'),
  kind: ShipmentKindSchema.optional(),
  toLocationId: LocationIdSchema.describe('For transfers: the pickup store').optional(),
  lines: lineList('Units reserved at this location'),
  shipBy: timestamp('When the location must have shipped to keep the delivery promise').optional(),
});

export const DropShipAllocationSchema = z.object({
  vendorId: LocationIdSchema.describe('Vendor location that ships directly to the customer'),
  lines: lineList('Units the vendor will ship'),
  shipBy: timestamp('When the vendor must have shipped to keep the delivery promise').optional(),
});

/** Shared by OrderAllocated and OrderBackordered: the committed sourcing plan, summarised. */
const allocationFields = {
  orderId: OrderIdSchema,
  previousStatus: OrderStatusSchema,
  lines: z.array(AllocatedLineSchema).min(1).describe('Every line of the order with its allocation'),
  shipments: z.array(AllocatedShipmentSchema).describe('Own-location shipments, one per location'),
  dropShip: z.array(DropShipAllocationSchema).describe('Vendor shipments straight to the customer'),
  backordered: z.array(EventLineSchema).describe('Units no location can send now'),
  backorderDeadline: timestamp('When unfilled backordered units are cancelled').optional(),
  promisedBy: z.iso
    .date()
    .describe('Delivery date promised to the customer (docs/inventory.md, "Delivery promise")')
    .optional(),
};

export const OrderAllocatedDataSchema = z.object({
  ...allocationFields,
  status: z.enum(['ALLOCATED', 'PARTIALLY_ALLOCATED']),
});

export const OrderBackorderedDataSchema = z.object({
  ...allocationFields,
  status: z.literal('BACKORDERED'),
});

export const OrderReleasedDataSchema = z.object({
  orderId: OrderIdSchema,
  shipments: z.array(
    z.object({
      shipmentId: ShipmentIdSchema,
      locationId: LocationIdSchema,
      kind: ShipmentKindSchema,
      lines: lineList('Units in this shipment'),
    }),
  ),
  dropShips: z.array(
    z.object({
      purchaseOrderId: PurchaseOrderIdSchema,
      vendorId: LocationIdSchema,
      lines: lineList('Units on this purchase order'),
    }),
  ),
});

export const ShipmentLineSchema = EventLineSchema.extend({
  description: z.string().optional().describe('Product description for the pick ticket'),
});

// Split around the discriminator so every variant lists its fields in the same, readable order.
const shipmentRequestIds = {
  shipmentId: ShipmentIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema.describe('The location asked to fulfil'),
};
const shipmentRequestWork = {
  lines: z.array(ShipmentLineSchema).min(1, 'must contain at least one line'),
  slaDeadline: timestamp('Ship (or ready for pickup) by this time'),
};

export const ShipmentRequestedDataSchema = z.discriminatedUnion('kind', [
  z.object({
    ...shipmentRequestIds,
    kind: z.literal('ship'),
    ...shipmentRequestWork,
    shipTo: AddressSchema,
    serviceLevel: ServiceLevelSchema,
    shipBy: timestamp(
      'Ship by this time to keep the delivery promise (docs/inventory.md, "Delivery promise")',
    ).optional(),
    promisedBy: z.iso.date().describe('Delivery date promised to the customer').optional(),
  }),
  z.object({
    ...shipmentRequestIds,
    kind: z.literal('pickup'),
    ...shipmentRequestWork,
    // The contact the customer gave at checkout, as the domain validates it.
    pickupContact: DeliverySchema.options[1].shape.contact,
  }),
  z.object({
    ...shipmentRequestIds,
    kind: z.literal('transfer'),
    ...shipmentRequestWork,
    toLocationId: LocationIdSchema.describe('Pickup store the stock goes to'),
    serviceLevel: ServiceLevelSchema,
  }),
]);

export const ShipmentAcceptedDataSchema = z.object({
  shipmentId: ShipmentIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema,
  expectedShipAt: timestamp('When the location expects to hand the parcel to the carrier').optional(),
});

export const ShipmentRejectedDataSchema = z.object({
  shipmentId: ShipmentIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema,
  reason: reasonCode([
    'out-of-stock',
    'damaged-stock',
    'no-capacity',
    'cannot-meet-sla',
    'address-unserviceable',
    'location-closed',
    'other',
  ]),
  note: note.optional(),
  lines: lineList('Units the location cannot fulfil; absent when the whole shipment is rejected').optional(),
});

export const ShipmentShippedDataSchema = z.object({
  shipmentId: ShipmentIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema.describe('Shipping location (the vendor for drop-ship)'),
  purchaseOrderId: PurchaseOrderIdSchema.optional(),
  carrier: z.string().min(1).max(64).describe('Carrier code, e.g. dhl, ups, postnl'),
  service: z.string().min(1).max(64).optional().describe("Carrier's service name"),
  trackingNumber: z.string().min(1).max(128),
  trackingUrl: z.httpUrl().optional(),
  shippedAt: timestamp('When the carrier took the parcel'),
  lines: lineList('Units that left the building'),
});

export const ShipmentDeliveredDataSchema = z.object({
  shipmentId: ShipmentIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema,
  purchaseOrderId: PurchaseOrderIdSchema.optional(),
  handover: z.enum(['carrier', 'pickup']).describe('carrier: delivered; pickup: collected by the customer'),
  deliveredAt: timestamp('When the customer got the goods'),
  lines: lineList('Units delivered'),
});

export const OrderReadyForPickupDataSchema = z.object({
  shipmentId: ShipmentIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema.describe('The pickup store: where the customer collects the order'),
  lines: lineList('Units waiting at the counter'),
  readyAt: timestamp('When the store reported the order ready'),
  pickupBy: timestamp(
    'Collect by this time (readyAt + pickup.holdDays), or the order is cancelled as not-collected and refunded',
  ),
  // The contact the customer gave at checkout, as the domain validates it.
  pickupContact: DeliverySchema.options[1].shape.contact,
});

export const DropShipRequestedDataSchema = z.object({
  purchaseOrderId: PurchaseOrderIdSchema,
  orderId: OrderIdSchema,
  vendorId: LocationIdSchema,
  lines: z.array(ShipmentLineSchema).min(1, 'must contain at least one line'),
  shipTo: AddressSchema,
  serviceLevel: ServiceLevelSchema,
  slaDeadline: timestamp('Ship by this time'),
  shipBy: timestamp(
    'Ship by this time to keep the delivery promise (docs/inventory.md, "Delivery promise")',
  ).optional(),
  promisedBy: z.iso.date().describe('Delivery date promised to the customer').optional(),
});

export const DropShipAcknowledgedDataSchema = z.object({
  purchaseOrderId: PurchaseOrderIdSchema,
  orderId: OrderIdSchema,
  vendorId: LocationIdSchema,
  vendorReference: z.string().min(1).max(128).optional().describe("The vendor's own order number"),
  expectedShipDate: z.iso.date().optional(),
});

export const ShipmentOverdueDataSchema = z.object({
  shipmentId: ShipmentIdSchema.describe('The overdue shipment, or the purchase order (po_…) for drop-ship'),
  orderId: OrderIdSchema,
  locationId: LocationIdSchema.describe('The silent location (the vendor for drop-ship)'),
  purchaseOrderId: PurchaseOrderIdSchema.optional(),
  kind: z
    .enum([...SHIPMENT_KINDS, 'drop-ship'])
    .describe('ship, pickup or transfer: an own location; drop-ship: a vendor purchase order'),
  lines: lineList('Units the shipment or purchase order covers'),
  requestedAt: timestamp('When the shipment or purchase order was sent to the location'),
  escalatedAt: timestamp('When the OMS escalated it'),
  nextDeadline: timestamp(
    'The location must ship by then (an accepted report alone does not extend it), or the units are re-sourced',
  ),
});

export const ShipmentCancelledDataSchema = z.object({
  shipmentId: ShipmentIdSchema.describe('The cancelled shipment, or the purchase order (po_…) for drop-ship'),
  orderId: OrderIdSchema,
  locationId: LocationIdSchema.describe('The location (or vendor) that must stop work on it'),
  purchaseOrderId: PurchaseOrderIdSchema.optional(),
  kind: z
    .enum([...SHIPMENT_KINDS, 'drop-ship'])
    .describe('ship, pickup or transfer: an own location; drop-ship: a vendor purchase order'),
  lines: lineList('Units the shipment or purchase order covered'),
  reason: reasonCode(['order-cancelled', 'not-collected']),
});

export const OrderCancelledDataSchema = z.object({
  orderId: OrderIdSchema,
  reason: z.string().min(1, 'must not be empty').describe('Cancellation reason code, optionally ": note"'),
  previousStatus: OrderStatusSchema,
  lines: z.array(EventLineSchema).min(1).describe('Every line of the order with the units cancelled'),
});

export const OrderLinesCancelledDataSchema = z.object({
  orderId: OrderIdSchema,
  // A per-line cancellation through the API carries the request's reason; the workflow and ops, theirs.
  reason: reasonCode([
    ...CANCEL_REASONS,
    'backorder-deadline-passed',
    'shipment-rejected',
    'ops',
    'not-collected',
  ]),
  note: note.optional(),
  lines: lineList('Units cancelled now (not the line totals)'),
  status: OrderStatusSchema.describe('Order status after the cancellation'),
});

export const OrderOnHoldDataSchema = z.object({
  orderId: OrderIdSchema,
  reason: reasonCode([
    'fraud-review',
    'payment-review',
    'address-verification',
    'customer-request',
    'manual',
  ]),
  note: note.optional(),
  previousStatus: OrderStatusSchema,
  by: ActorSchema,
  releaseBy: timestamp('When the hold expires if nobody acts').optional(),
});

export const OrderReleasedFromHoldDataSchema = z.object({
  orderId: OrderIdSchema,
  status: OrderStatusSchema.describe('Status the order resumes in'),
  by: ActorSchema,
  note: note.optional(),
});

export const RETURN_METHODS = ['mail', 'store'] as const;

export const ReturnAuthorizedDataSchema = z.object({
  rmaId: RmaIdSchema,
  orderId: OrderIdSchema,
  method: z.enum(RETURN_METHODS),
  returnLocationId: LocationIdSchema.describe('Where the goods must be returned'),
  expiresAt: timestamp('The RMA is void if nothing is received by then'),
  lines: z
    .array(
      EventLineSchema.extend({
        reason: reasonCode([
          'changed-mind',
          'wrong-size',
          'damaged',
          'defective',
          'not-as-described',
          'wrong-item',
          'other',
        ]),
      }),
    )
    .min(1, 'must contain at least one line'),
  label: z
    .object({
      carrier: z.string().min(1).max(64),
      trackingNumber: z.string().min(1).max(128),
      labelUrl: z.httpUrl(),
    })
    .optional()
    .describe('Prepaid return label, for mail returns'),
});

export const ReturnReceivedDataSchema = z.object({
  rmaId: RmaIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema,
  lines: lineList('Units received'),
});

export const RETURN_DISPOSITIONS = ['restock', 'dispose'] as const;

export const ReturnInspectedDataSchema = z.object({
  rmaId: RmaIdSchema,
  orderId: OrderIdSchema,
  locationId: LocationIdSchema,
  lines: z
    .array(EventLineSchema.extend({ disposition: z.enum(RETURN_DISPOSITIONS), note: note.optional() }))
    .min(1, 'must contain at least one line')
    .describe('A line split between dispositions appears once per disposition'),
});

const refundFields = {
  refundId: RefundIdSchema,
  orderId: OrderIdSchema,
  amount: MinorUnitsSchema.positive('must be at least 1').describe('Integer minor units (1999 = 19.99)'),
  currency: CurrencySchema,
};

export const RefundRequestedDataSchema = z.object({
  ...refundFields,
  reason: reasonCode([
    'return',
    'cancellation',
    'partial-cancellation',
    'not-collected',
    'goodwill',
    'price-adjustment',
  ]),
  rmaId: RmaIdSchema.optional(),
  lines: z
    .array(EventLineSchema.extend({ amount: MinorUnitsSchema }))
    .optional()
    .describe('What the amount is for, per line; absent for order-level refunds'),
});

export const RefundIssuedDataSchema = z.object({
  ...refundFields,
  providerReference: z.string().min(1).max(256).describe("Payment provider's refund id"),
});

export const RefundFailedDataSchema = z.object({
  ...refundFields,
  reason: reasonCode(['declined', 'payment-method-expired', 'provider-error', 'timeout', 'other']),
  retryable: z.boolean().describe('Whether the OMS will retry on its own'),
  note: note.optional(),
});

const progressFields = {
  orderId: OrderIdSchema,
  previousStatus: z.enum(ORDER_STATUSES),
  units: z
    .object({
      ordered: z.number().int().nonnegative(),
      cancelled: z.number().int().nonnegative(),
      shipped: z.number().int().nonnegative().describe('Of the units still wanted (ordered − cancelled)'),
      delivered: z.number().int().nonnegative().describe('Delivered or collected, of the units still wanted'),
    })
    .describe('The whole order, summed over its lines'),
  lines: z
    .array(
      z.object({
        lineId: LineIdSchema,
        sku: SkuSchema,
        quantity: QuantitySchema,
        quantities: LineQuantitiesSchema,
      }),
    )
    .min(1),
};

export const OrderPartiallyShippedDataSchema = z.object({
  ...progressFields,
  status: z.literal('PARTIALLY_SHIPPED'),
});
export const OrderShippedDataSchema = z.object({ ...progressFields, status: z.literal('SHIPPED') });
export const OrderPartiallyDeliveredDataSchema = z.object({
  ...progressFields,
  status: z.literal('PARTIALLY_DELIVERED'),
});
export const OrderDeliveredDataSchema = z.object({ ...progressFields, status: z.literal('DELIVERED') });

export const OrderCompletedDataSchema = z.object({
  orderId: OrderIdSchema,
  basis: z
    .enum(['delivered', 'delivery-window-elapsed'])
    .optional()
    .describe(
      'delivered: every wanted unit was delivered or collected; delivery-window-elapsed: every unit shipped but the carrier never reported delivery within the configured window (absent on events from before this field)',
    ),
  lines: z
    .array(
      z.object({
        lineId: LineIdSchema,
        sku: SkuSchema,
        quantity: QuantitySchema,
        quantities: LineQuantitiesSchema,
      }),
    )
    .min(1),
});

export const InventoryChangedDataSchema = z.object({
  sku: SkuSchema,
  locationId: LocationIdSchema,
  onHand: z.number().int().nonnegative(),
  reserved: z.number().int().nonnegative().describe('Units promised to orders, not yet shipped'),
  ats: z
    .number()
    .int()
    .nonnegative()
    .describe('Available to sell: onHand - reserved - safety stock, at least 0'),
  reason: reasonCode([
    'sync',
    'reservation',
    'reservation-released',
    'shipment',
    'return-restock',
    'adjustment',
  ]),
});

export const BackorderDeadlinePassedDataSchema = z.object({
  orderId: OrderIdSchema,
  deadline: timestamp('The deadline that passed'),
  lines: lineList('Backordered units still unfilled'),
});

// ---------------------------------------------------------------------------------------------
// Examples: one consistent story (an order to Amsterdam, split across a warehouse, a backorder
// and a drop-ship vendor), so the docs read as a sequence.
// ---------------------------------------------------------------------------------------------

const ORDER_ID = 'ord_01JD7W8Y3Q9T2M4N6P8R0S2V4X';
const SHIPMENT_ID = 'shp_01JD7WC2K8V5T1Q9M3N7P4R6S0';
const PO_ID = 'po_01JD7WC2K8V5T1Q9M3N7P4R6S1';
const RMA_ID = 'rma_01JDGQ4T7ZB2X5C8V1N4M7K0H3';
const REFUND_ID = 'rf_01JDH2E5R8T1Y4V7K0P3A6S9D2';
const SLA_DEADLINE = '2025-03-15T16:00:00.000Z';
const BACKORDER_DEADLINE = '2025-03-28T23:00:00.000Z';

const exampleAddress = {
  name: 'Sanne de Vries',
  line1: 'Keizersgracht 123',
  line2: '3e verdieping',
  city: 'Amsterdam',
  postalCode: '1015 CJ',
  country: 'NL',
  phone: '+31 20 555 0134',
};
const tshirt = { lineId: '1', sku: 'TSHIRT-ORG-BLK-M', quantity: 2 };
const mug = { lineId: '2', sku: 'MUG-STONE-350', quantity: 1 };
const lamp = { lineId: '3', sku: 'LAMP-DESK-OAK', quantity: 1 };
const noQuantities = { allocated: 0, backordered: 0, shipped: 0, delivered: 0, cancelled: 0, returned: 0 };

const exampleOrder: z.output<typeof OrderSchema> = {
  orderId: ORDER_ID,
  channel: 'web-nl',
  externalId: 'NL-100482',
  customer: { customerId: 'cus_48213', email: 'sanne.devries@example.com', name: 'Sanne de Vries' },
  currency: 'EUR',
  lines: [
    {
      ...tshirt,
      unitPrice: 2495,
      description: 'Organic cotton T-shirt, black, M',
      status: 'CREATED',
      quantities: noQuantities,
    },
    {
      ...mug,
      unitPrice: 1450,
      description: 'Stoneware mug 350 ml',
      status: 'CREATED',
      quantities: noQuantities,
    },
    { ...lamp, unitPrice: 8900, description: 'Oak desk lamp', status: 'CREATED', quantities: noQuantities },
  ],
  delivery: { method: 'ship', address: exampleAddress, service: 'express' },
  tags: ['vip'],
  status: 'CREATED',
  totals: { subtotal: 15340, units: 4 },
  createdAt: '2025-03-14T09:26:53.412Z',
  updatedAt: '2025-03-14T09:26:53.412Z',
  version: 1,
};

const exampleAllocation = {
  orderId: ORDER_ID,
  previousStatus: 'CREATED' as const,
  lines: [
    { ...tshirt, allocated: 2, backordered: 0 },
    { ...mug, allocated: 0, backordered: 1 },
    { ...lamp, allocated: 1, backordered: 0 },
  ],
  shipments: [{ locationId: 'wh-rotterdam', kind: 'ship' as const, lines: [tshirt] }],
  dropShip: [{ vendorId: 'vnd-lumina', lines: [lamp] }],
  backordered: [mug],
  backorderDeadline: BACKORDER_DEADLINE,
};

// ---------------------------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------------------------

/** `order`: about one order, so the envelope carries `orderId`; `inventory`: stock, no order. */
export type EventScope = 'order' | 'inventory';

export interface EventDefinition<TSchema extends z.ZodType = z.ZodType> {
  /** Major version of `data`; bumped only for breaking changes. */
  version: number;
  /** When the event is emitted. */
  description: string;
  /** Who typically subscribes. */
  consumers: readonly string[];
  scope: EventScope;
  schema: TSchema;
  /** A realistic `data` that `schema` accepts unchanged. */
  example: z.output<TSchema>;
}

// NoInfer: the schema alone decides the type, so a wrong example is a compile error, not a wider type.
function defineEvent<TSchema extends z.ZodType>(definition: {
  version: number;
  description: string;
  consumers: readonly string[];
  scope: EventScope;
  schema: TSchema;
  example: NoInfer<z.output<TSchema>>;
}): EventDefinition<TSchema> {
  return definition;
}

export const EVENT_CATALOG = {
  OrderCreated: defineEvent({
    version: 1,
    description:
      'An order was captured from a sales channel: validated, priced and de-duplicated by its Idempotency-Key. Carries the full order.',
    consumers: [
      'payment (authorisation)',
      'customer messaging (order confirmation)',
      'fraud screening',
      'analytics',
    ],
    scope: 'order',
    schema: OrderCreatedDataSchema,
    example: { order: exampleOrder },
  }),
  OrderAllocated: defineEvent({
    version: 1,
    description:
      'Sourcing committed a plan and at least one unit is promised: stock is reserved at the listed locations, drop-ship lines are assigned to vendors, and units nobody can send now are listed as backordered. Emitted again when the order is re-sourced (a backorder filled, a shipment rejected).',
    consumers: [
      'warehouses and 3PLs (workload forecast)',
      'customer messaging (delivery promise)',
      'analytics',
    ],
    scope: 'order',
    schema: OrderAllocatedDataSchema,
    example: { ...exampleAllocation, status: 'PARTIALLY_ALLOCATED' },
  }),
  OrderBackordered: defineEvent({
    version: 1,
    description:
      'Sourcing found no unit to promise: the whole order waits for stock until the backorder deadline.',
    consumers: ['customer messaging (delay notice)', 'purchasing and merchandising', 'analytics'],
    scope: 'order',
    schema: OrderBackorderedDataSchema,
    example: {
      ...exampleAllocation,
      lines: [
        { ...tshirt, allocated: 0, backordered: 2 },
        { ...mug, allocated: 0, backordered: 1 },
        { ...lamp, allocated: 0, backordered: 1 },
      ],
      shipments: [],
      dropShip: [],
      backordered: [tshirt, mug, lamp],
      status: 'BACKORDERED',
    },
  }),
  OrderReleased: defineEvent({
    version: 1,
    description:
      "The allocated order was released to fulfilment: published once per sourcing round, with the round's first shipment request (the order becomes RELEASED). Lists the round's shipments and drop-ship purchase orders; one ShipmentRequested per shipment and one DropShipRequested per purchase order are published alongside (one may arrive before this event). A shipment whose units were all cancelled meanwhile is listed but never requested.",
    consumers: ['customer messaging ("being prepared")', 'operations dashboards'],
    scope: 'order',
    schema: OrderReleasedDataSchema,
    example: {
      orderId: ORDER_ID,
      shipments: [{ shipmentId: SHIPMENT_ID, locationId: 'wh-rotterdam', kind: 'ship', lines: [tshirt] }],
      dropShips: [{ purchaseOrderId: PO_ID, vendorId: 'vnd-lumina', lines: [lamp] }],
    },
  }),
  ShipmentRequested: defineEvent({
    version: 1,
    description:
      'A location (warehouse, store, 3PL) is asked to pick and pack the lines and ship them to the customer, prepare them for pickup, or transfer them to the pickup store, by the SLA deadline.',
    consumers: ['the WMS, 3PL or store system of locationId'],
    scope: 'order',
    schema: ShipmentRequestedDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'wh-rotterdam',
      kind: 'ship',
      lines: [{ ...tshirt, description: 'Organic cotton T-shirt, black, M' }],
      slaDeadline: SLA_DEADLINE,
      shipTo: exampleAddress,
      serviceLevel: 'express',
      shipBy: '2025-03-15T23:00:00.000Z',
      promisedBy: '2025-03-17',
    },
  }),
  ShipmentAccepted: defineEvent({
    version: 1,
    description:
      'The location confirmed it will fulfil the shipment (a drop-ship vendor accepting its purchase order publishes DropShipAcknowledged instead).',
    consumers: ['operations dashboards', 'customer messaging (optional)'],
    scope: 'order',
    schema: ShipmentAcceptedDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'wh-rotterdam',
      expectedShipAt: '2025-03-15T11:00:00.000Z',
    },
  }),
  ShipmentRejected: defineEvent({
    version: 1,
    description:
      'The location cannot fulfil the shipment (or part of it). The OMS re-sources the units; OrderAllocated or OrderLinesCancelled follows.',
    consumers: ['operations', 'analytics (location reliability)'],
    scope: 'order',
    schema: ShipmentRejectedDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'wh-rotterdam',
      reason: 'damaged-stock',
      note: 'Last unit on the shelf has a torn seam',
      lines: [{ ...tshirt, quantity: 1 }],
    },
  }),
  ShipmentShipped: defineEvent({
    version: 1,
    description:
      'A carrier took the parcel: carrier, tracking and the units that left. Drop-ship vendors report through the same event with purchaseOrderId set.',
    consumers: ['customer messaging (tracking e-mail)', 'payment (capture on shipment)', 'marketplaces'],
    scope: 'order',
    schema: ShipmentShippedDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'wh-rotterdam',
      carrier: 'postnl',
      service: 'next-morning',
      trackingNumber: '3SQVDE123456789',
      trackingUrl: 'https://jouw.postnl.nl/track-and-trace/3SQVDE123456789-NL-1015CJ',
      shippedAt: '2025-03-15T11:42:10.000Z',
      lines: [tshirt],
    },
  }),
  OrderReadyForPickup: defineEvent({
    version: 1,
    description:
      'A pickup (click & collect) order is waiting at the store counter: tell the customer where and until when to collect it. Not collected by pickupBy, it is cancelled (reason not-collected), its units go back to the store stock and a refund is requested. Collected, it is a ShipmentDelivered with handover pickup.',
    consumers: ['customer messaging (ready-for-pickup e-mail / SMS)', 'store systems', 'operations'],
    scope: 'order',
    schema: OrderReadyForPickupDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'store-amsterdam-centrum',
      lines: [tshirt],
      readyAt: '2025-03-14T14:05:12.000Z',
      pickupBy: '2025-03-21T14:05:12.000Z',
      pickupContact: { name: 'Sanne de Vries', phone: '+31 6 1234 5678' },
    },
  }),
  ShipmentDelivered: defineEvent({
    version: 1,
    description: 'The carrier confirmed delivery, or the customer collected a pickup order.',
    consumers: ['customer messaging', 'payment', 'returns (the return window starts)', 'analytics'],
    scope: 'order',
    schema: ShipmentDeliveredDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'wh-rotterdam',
      handover: 'carrier',
      deliveredAt: '2025-03-16T10:05:31.000Z',
      lines: [tshirt],
    },
  }),
  DropShipRequested: defineEvent({
    version: 1,
    description:
      'A purchase order is sent to a drop-ship vendor, who ships the lines straight to the customer by the SLA deadline.',
    consumers: ["the vendor's order system (EDI 850 equivalent)"],
    scope: 'order',
    schema: DropShipRequestedDataSchema,
    example: {
      purchaseOrderId: PO_ID,
      orderId: ORDER_ID,
      vendorId: 'vnd-lumina',
      lines: [{ ...lamp, description: 'Oak desk lamp' }],
      shipTo: exampleAddress,
      serviceLevel: 'express',
      slaDeadline: '2025-03-17T16:00:00.000Z',
      shipBy: '2025-03-17T23:00:00.000Z',
      promisedBy: '2025-03-19',
    },
  }),
  DropShipAcknowledged: defineEvent({
    version: 1,
    description: 'The vendor accepted the purchase order (EDI 855 equivalent).',
    consumers: ['operations', 'customer messaging (delivery estimate)'],
    scope: 'order',
    schema: DropShipAcknowledgedDataSchema,
    example: {
      purchaseOrderId: PO_ID,
      orderId: ORDER_ID,
      vendorId: 'vnd-lumina',
      vendorReference: 'LUM-SO-77120',
      expectedShipDate: '2025-03-17',
    },
  }),
  ShipmentOverdue: defineEvent({
    version: 1,
    description:
      'A location or drop-ship vendor went silent: no acknowledgement or report within the heartbeat. The OMS escalates once and waits until nextDeadline; the partner can still ship (or reject) on the same shipment or purchase order id. Not shipped by then, the units are re-sourced (rerouted to own stock when there is some): OrderAllocated and a new ShipmentRequested or DropShipRequested follow.',
    consumers: ['fulfilment partners', 'operations', 'vendor management'],
    scope: 'order',
    schema: ShipmentOverdueDataSchema,
    example: {
      shipmentId: PO_ID,
      orderId: ORDER_ID,
      locationId: 'vnd-lumina',
      purchaseOrderId: PO_ID,
      kind: 'drop-ship',
      lines: [lamp],
      requestedAt: '2025-03-14T10:02:19.041Z',
      escalatedAt: '2025-03-15T10:02:19.530Z',
      nextDeadline: '2025-03-15T22:02:19.530Z',
    },
  }),
  ShipmentCancelled: defineEvent({
    version: 1,
    description:
      'A shipment or drop-ship purchase order released to a location was cancelled before it shipped (the order was cancelled): the location must not ship it. Carries the locationId, so partners subscribed by location receive it (OrderCancelled carries none); the reservation is released by the OMS.',
    consumers: ['fulfilment partners (stop picking)', 'drop-ship vendors (void the PO)', 'operations'],
    scope: 'order',
    schema: ShipmentCancelledDataSchema,
    example: {
      shipmentId: SHIPMENT_ID,
      orderId: ORDER_ID,
      locationId: 'wh-rotterdam',
      kind: 'ship',
      lines: [tshirt],
      reason: 'order-cancelled',
    },
  }),
  OrderCancelled: defineEvent({
    version: 1,
    description:
      'The whole order was cancelled before anything shipped (customer request, fraud, payment failure, ...); lines lists every line with the units cancelled. Partial cancellations are OrderLinesCancelled.',
    consumers: [
      'payment (void the authorisation)',
      'warehouses, 3PLs and vendors (stop work)',
      'customer messaging',
    ],
    scope: 'order',
    schema: OrderCancelledDataSchema,
    example: {
      orderId: ORDER_ID,
      reason: 'customer-request: ordered the wrong colour',
      previousStatus: 'ALLOCATED',
      lines: [tshirt, mug, lamp],
    },
  }),
  OrderLinesCancelled: defineEvent({
    version: 1,
    description:
      'Some units were cancelled while the rest of the order goes on: a customer request, a backorder deadline that passed, or a rejection that could not be re-sourced.',
    consumers: ['payment (partial void or refund)', 'locations holding the units', 'customer messaging'],
    scope: 'order',
    schema: OrderLinesCancelledDataSchema,
    example: {
      orderId: ORDER_ID,
      reason: 'backorder-deadline-passed',
      lines: [mug],
      status: 'SHIPPED',
    },
  }),
  OrderOnHold: defineEvent({
    version: 1,
    description:
      'The order was put on hold (fraud review, payment review, address check, operations); it is not sourced or released until OrderReleasedFromHold.',
    consumers: ['operations', 'fraud tooling', 'customer messaging (optional)'],
    scope: 'order',
    schema: OrderOnHoldDataSchema,
    example: {
      orderId: ORDER_ID,
      reason: 'payment-review',
      note: 'Billing and shipping country differ',
      previousStatus: 'CREATED',
      by: { type: 'system', id: 'fraud-screening' },
      releaseBy: '2025-03-15T09:26:53.000Z',
    },
  }),
  OrderReleasedFromHold: defineEvent({
    version: 1,
    description: 'A hold was lifted and the order resumes processing.',
    consumers: ['operations', 'sourcing'],
    scope: 'order',
    schema: OrderReleasedFromHoldDataSchema,
    example: {
      orderId: ORDER_ID,
      status: 'CREATED',
      by: { type: 'ops', id: 'agent-0042' },
      note: 'Customer confirmed by phone',
    },
  }),
  ReturnAuthorized: defineEvent({
    version: 1,
    description:
      'A return (RMA) was authorised for the lines, by mail or in store, to be received at the return location before it expires.',
    consumers: [
      'customer messaging (RMA and label)',
      'returns warehouse or store (expected inbound)',
      'carrier label service',
    ],
    scope: 'order',
    schema: ReturnAuthorizedDataSchema,
    example: {
      rmaId: RMA_ID,
      orderId: ORDER_ID,
      method: 'store',
      returnLocationId: 'store-ams-centrum',
      expiresAt: '2025-04-15T21:59:59.000Z',
      lines: [{ ...tshirt, quantity: 1, reason: 'wrong-size' }],
    },
  }),
  ReturnReceived: defineEvent({
    version: 1,
    description: 'Returned goods arrived at the return location.',
    consumers: ['customer messaging', 'payment (refund on receipt)', 'returns inspection'],
    scope: 'order',
    schema: ReturnReceivedDataSchema,
    example: {
      rmaId: RMA_ID,
      orderId: ORDER_ID,
      locationId: 'store-ams-centrum',
      lines: [{ ...tshirt, quantity: 1 }],
    },
  }),
  ReturnInspected: defineEvent({
    version: 1,
    description: 'Received goods were inspected: each unit is restocked or disposed of.',
    consumers: ['inventory (restock)', 'finance', 'refunds'],
    scope: 'order',
    schema: ReturnInspectedDataSchema,
    example: {
      rmaId: RMA_ID,
      orderId: ORDER_ID,
      locationId: 'store-ams-centrum',
      lines: [{ ...tshirt, quantity: 1, disposition: 'restock' }],
    },
  }),
  RefundRequested: defineEvent({
    version: 1,
    description:
      'The OMS asks the payment service to refund an amount (a return, a cancellation after capture, goodwill).',
    consumers: ['payment service (PSP adapter)'],
    scope: 'order',
    schema: RefundRequestedDataSchema,
    example: {
      refundId: REFUND_ID,
      orderId: ORDER_ID,
      amount: 2495,
      currency: 'EUR',
      reason: 'return',
      rmaId: RMA_ID,
      lines: [{ ...tshirt, quantity: 1, amount: 2495 }],
    },
  }),
  RefundIssued: defineEvent({
    version: 1,
    description: 'The payment provider confirmed the refund.',
    consumers: ['customer messaging', 'finance and accounting'],
    scope: 'order',
    schema: RefundIssuedDataSchema,
    example: {
      refundId: REFUND_ID,
      orderId: ORDER_ID,
      amount: 2495,
      currency: 'EUR',
      providerReference: 're_3P8xK2LkdF0a1b2c',
    },
  }),
  RefundFailed: defineEvent({
    version: 1,
    description: 'The payment provider refused the refund or failed; retryable says whether the OMS retries.',
    consumers: ['finance and operations', 'customer service'],
    scope: 'order',
    schema: RefundFailedDataSchema,
    example: {
      refundId: REFUND_ID,
      orderId: ORDER_ID,
      amount: 2495,
      currency: 'EUR',
      reason: 'provider-error',
      retryable: true,
    },
  }),
  OrderPartiallyShipped: defineEvent({
    version: 1,
    description:
      'The first units of the order left a building while others are still to ship (a split order: one of its shipments shipped). Emitted once per order, when it becomes PARTIALLY_SHIPPED.',
    consumers: ['customer messaging ("part of your order is on its way")', 'customer service'],
    scope: 'order',
    schema: OrderPartiallyShippedDataSchema,
    example: {
      orderId: ORDER_ID,
      previousStatus: 'RELEASED',
      status: 'PARTIALLY_SHIPPED',
      units: { ordered: 4, cancelled: 1, shipped: 2, delivered: 0 },
      lines: [
        { ...tshirt, quantities: { ...noQuantities, allocated: 2, shipped: 2 } },
        { ...mug, quantities: { ...noQuantities, cancelled: 1 } },
        { ...lamp, quantities: { ...noQuantities, allocated: 1 } },
      ],
    },
  }),
  OrderShipped: defineEvent({
    version: 1,
    description:
      'Every unit still wanted (ordered − cancelled) has shipped or been collected; nothing is left to leave a building. Delivery reports follow per shipment.',
    consumers: ['customer messaging ("your order is on its way")', 'finance (capture on shipment)'],
    scope: 'order',
    schema: OrderShippedDataSchema,
    example: {
      orderId: ORDER_ID,
      previousStatus: 'PARTIALLY_SHIPPED',
      status: 'SHIPPED',
      units: { ordered: 4, cancelled: 1, shipped: 3, delivered: 0 },
      lines: [
        { ...tshirt, quantities: { ...noQuantities, allocated: 2, shipped: 2 } },
        { ...mug, quantities: { ...noQuantities, cancelled: 1 } },
        { ...lamp, quantities: { ...noQuantities, allocated: 1, shipped: 1 } },
      ],
    },
  }),
  OrderPartiallyDelivered: defineEvent({
    version: 1,
    description:
      'The first units of the order were delivered or collected while others are still on their way (or still to ship). Emitted once per order, when it becomes PARTIALLY_DELIVERED.',
    consumers: ['customer messaging', 'customer service'],
    scope: 'order',
    schema: OrderPartiallyDeliveredDataSchema,
    example: {
      orderId: ORDER_ID,
      previousStatus: 'SHIPPED',
      status: 'PARTIALLY_DELIVERED',
      units: { ordered: 4, cancelled: 1, shipped: 3, delivered: 2 },
      lines: [
        { ...tshirt, quantities: { ...noQuantities, allocated: 2, shipped: 2, delivered: 2 } },
        { ...mug, quantities: { ...noQuantities, cancelled: 1 } },
        { ...lamp, quantities: { ...noQuantities, allocated: 1, shipped: 1 } },
      ],
    },
  }),
  OrderDelivered: defineEvent({
    version: 1,
    description:
      'Every unit still wanted was delivered or collected. OrderCompleted follows in the same write.',
    consumers: ['customer messaging ("delivered")', 'loyalty'],
    scope: 'order',
    schema: OrderDeliveredDataSchema,
    example: {
      orderId: ORDER_ID,
      previousStatus: 'PARTIALLY_DELIVERED',
      status: 'DELIVERED',
      units: { ordered: 4, cancelled: 1, shipped: 3, delivered: 3 },
      lines: [
        { ...tshirt, quantities: { ...noQuantities, allocated: 2, shipped: 2, delivered: 2 } },
        { ...mug, quantities: { ...noQuantities, cancelled: 1 } },
        { ...lamp, quantities: { ...noQuantities, allocated: 1, shipped: 1, delivered: 1 } },
      ],
    },
  }),
  OrderCompleted: defineEvent({
    version: 1,
    description:
      'Nothing is left to fulfil: every unit was delivered, collected or cancelled (basis delivered), or every unit shipped and the carrier reported no delivery within the configured delivery window (basis delivery-window-elapsed). Returns and refunds may still follow.',
    consumers: ['analytics', 'loyalty', 'finance', 'customer messaging (review request)'],
    scope: 'order',
    schema: OrderCompletedDataSchema,
    example: {
      orderId: ORDER_ID,
      basis: 'delivered',
      lines: [
        { ...tshirt, quantities: { ...noQuantities, allocated: 2, shipped: 2, delivered: 2, returned: 1 } },
        { ...mug, quantities: { ...noQuantities, cancelled: 1 } },
        { ...lamp, quantities: { ...noQuantities, allocated: 1, shipped: 1, delivered: 1 } },
      ],
    },
  }),
  InventoryChanged: defineEvent({
    version: 1,
    description:
      'Stock of a SKU at a location changed (a WMS or POS sync, a reservation or its release, a shipment, a restock). Not tied to an order.',
    consumers: ['storefronts and marketplaces (stock feeds)', 'merchandising'],
    scope: 'inventory',
    schema: InventoryChangedDataSchema,
    example: {
      sku: 'MUG-STONE-350',
      locationId: 'wh-rotterdam',
      onHand: 40,
      reserved: 12,
      ats: 26,
      reason: 'sync',
    },
  }),
  BackorderDeadlinePassed: defineEvent({
    version: 1,
    description:
      'Backordered units were not sourced by the deadline. The OMS cancels them next (OrderLinesCancelled follows).',
    consumers: ['customer messaging', 'operations', 'purchasing'],
    scope: 'order',
    schema: BackorderDeadlinePassedDataSchema,
    example: { orderId: ORDER_ID, deadline: BACKORDER_DEADLINE, lines: [mug] },
  }),
};

export type EventCatalog = typeof EVENT_CATALOG;
export type DetailType = keyof EventCatalog;
export type EventData<T extends DetailType> = z.output<EventCatalog[T]['schema']>;
/** A typed event of one detail-type. */
export type CatalogEvent<T extends DetailType = DetailType> = {
  [K in T]: DomainEvent<K, EventData<K>>;
}[T];

export type OrderAllocatedData = EventData<'OrderAllocated'>;
export type OrderBackorderedData = EventData<'OrderBackordered'>;

/** Catalog order: lifecycle order, which the docs follow. */
export const DETAIL_TYPES = Object.keys(EVENT_CATALOG) as DetailType[];

export function isDetailType(type: string): type is DetailType {
  return Object.hasOwn(EVENT_CATALOG, type);
}

function orderIdOf(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return undefined;
  if ('orderId' in data) return data.orderId;
  if ('order' in data) return orderIdOf(data.order);
  return undefined;
}

// Typed on `unknown` so it applies to every envelope schema, whatever its data type.
function orderIdsAgree(event: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  if (typeof event !== 'object' || event === null || !('data' in event)) return;
  const inData = orderIdOf(event.data);
  const inEnvelope = 'orderId' in event ? event.orderId : undefined;
  if (inData !== undefined && inData !== inEnvelope) {
    ctx.addIssue({ code: 'custom', path: ['orderId'], message: 'must equal the orderId in data' });
  }
}

/**
 * The full envelope (the EventBridge `detail`) of one detail-type, with typed `data`. Order events
 * must carry the order's id in the envelope: partners route and order by it.
 */
export function eventEnvelopeSchemaFor<T extends DetailType>(type: T) {
  const entry: EventDefinition<EventCatalog[T]['schema']> = EVENT_CATALOG[type];
  return EventEnvelopeSchema.extend({
    type: z.literal(type),
    version: z.literal(entry.version),
    orderId: entry.scope === 'order' ? OrderIdSchema : OrderIdSchema.optional(),
    data: entry.schema,
  }).superRefine(orderIdsAgree);
}

export interface EventIssue {
  /** Dotted path into the envelope, e.g. `data.lines[0].sku`. */
  path: string;
  message: string;
}

export class EventValidationError extends Error {
  constructor(
    message: string,
    readonly issues: readonly EventIssue[],
    readonly type?: string,
  ) {
    super(message);
    this.name = 'EventValidationError';
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(event)';
}

// Built once per type: parseEvent sits on hot paths (webhook dispatch, consumers).
const envelopeSchemas = new Map<DetailType, z.ZodType>();
function envelopeSchemaOf(type: DetailType): z.ZodType {
  let schema = envelopeSchemas.get(type);
  if (schema === undefined) {
    schema = eventEnvelopeSchemaFor(type);
    envelopeSchemas.set(type, schema);
  }
  return schema;
}

/**
 * Validates an envelope against the schema of its `type` and returns the typed event. Throws
 * EventValidationError naming every offending field.
 */
export function parseEvent(input: unknown): CatalogEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new EventValidationError('Not an event: expected a JSON object envelope', [
      { path: '(event)', message: 'must be an object' },
    ]);
  }
  const type: unknown = 'type' in input ? input.type : undefined;
  if (typeof type !== 'string') {
    throw new EventValidationError('Not an event: type is missing', [
      { path: 'type', message: 'must be a string' },
    ]);
  }
  if (!isDetailType(type)) {
    throw new EventValidationError(
      `Unknown event type "${type}"; known types: ${DETAIL_TYPES.join(', ')}`,
      [{ path: 'type', message: `is not a known event type` }],
      type,
    );
  }
  const entry = EVENT_CATALOG[type];
  const version: unknown = 'version' in input ? input.version : undefined;
  if (typeof version === 'number' && version !== entry.version) {
    throw new EventValidationError(
      `${type} version ${version} is not supported; this catalog has version ${entry.version}`,
      [{ path: 'version', message: `must be ${entry.version}` }],
      type,
    );
  }
  const result = envelopeSchemaOf(type).safeParse(input);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.message,
    }));
    throw new EventValidationError(
      `Invalid ${type} v${entry.version} event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
      type,
    );
  }
  return result.data as CatalogEvent;
}

const EXAMPLE_EVENT_ID_PREFIX = '01JD7WB0Q4M3ZK8F5T2N9H6C';

// When each example happened, following the story of the examples (some are alternative branches).
const EXAMPLE_OCCURRED_AT: Record<DetailType, string> = {
  OrderCreated: '2025-03-14T09:26:53.412Z',
  OrderOnHold: '2025-03-14T09:26:54.108Z',
  OrderReleasedFromHold: '2025-03-14T10:02:17.530Z',
  OrderAllocated: '2025-03-14T10:02:18.244Z',
  OrderBackordered: '2025-03-14T10:02:18.244Z',
  OrderReleased: '2025-03-14T10:02:18.912Z',
  ShipmentRequested: '2025-03-14T10:02:19.035Z',
  DropShipRequested: '2025-03-14T10:02:19.041Z',
  ShipmentAccepted: '2025-03-14T10:05:42.118Z',
  ShipmentRejected: '2025-03-14T10:05:42.118Z',
  OrderCancelled: '2025-03-14T11:20:03.870Z',
  ShipmentCancelled: '2025-03-14T11:20:04.112Z',
  DropShipAcknowledged: '2025-03-14T13:30:05.264Z',
  ShipmentOverdue: '2025-03-15T10:02:19.530Z',
  ShipmentShipped: '2025-03-15T11:42:12.377Z',
  OrderReadyForPickup: '2025-03-14T14:05:12.318Z',
  ShipmentDelivered: '2025-03-16T10:05:40.201Z',
  ReturnAuthorized: '2025-03-18T08:14:09.655Z',
  ReturnReceived: '2025-03-20T15:47:30.120Z',
  ReturnInspected: '2025-03-21T09:12:03.448Z',
  InventoryChanged: '2025-03-21T09:12:03.502Z',
  RefundRequested: '2025-03-21T09:12:03.611Z',
  RefundFailed: '2025-03-21T09:12:09.904Z',
  RefundIssued: '2025-03-21T09:17:10.316Z',
  BackorderDeadlinePassed: '2025-03-28T23:00:00.412Z',
  OrderLinesCancelled: '2025-03-28T23:00:01.090Z',
  OrderPartiallyShipped: '2025-03-15T11:42:12.377Z',
  OrderShipped: '2025-03-15T16:20:44.018Z',
  OrderPartiallyDelivered: '2025-03-16T10:05:40.201Z',
  OrderDelivered: '2025-03-17T14:31:09.772Z',
  OrderCompleted: '2025-03-28T23:00:01.090Z',
};

/** The example `data` of a type wrapped in a complete, valid envelope (for docs and tests). */
export function exampleEvent<T extends DetailType>(type: T): CatalogEvent<T> {
  const entry: EventDefinition<EventCatalog[T]['schema']> = EVENT_CATALOG[type];
  const index = DETAIL_TYPES.indexOf(type);
  const event = {
    eventId: `${EXAMPLE_EVENT_ID_PREFIX}${String(index).padStart(2, '0')}`,
    type,
    version: entry.version,
    occurredAt: EXAMPLE_OCCURRED_AT[type],
    ...(entry.scope === 'order' ? { orderId: ORDER_ID, channel: 'web-nl' } : {}),
    correlationId: 'req_5c1f0a7e9b2d4c38',
    data: entry.example,
  };
  return event as CatalogEvent<T>;
}
