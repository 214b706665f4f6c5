import { z } from 'zod';
import type { LocationIdSchema } from './order.ts';

/**
 * A shipment the fulfilment workflow released to a location (own warehouse/store) or a drop-ship
 * vendor. The task token of the workflow step waiting for the location's callback is stored with it
 * and never leaves the system: partners address the shipment by its id only.
 */
export const SHIPMENT_STATUSES = [
  'REQUESTED',
  'ACCEPTED',
  'SHIPPED',
  'DELIVERED',
  // Pickup (click & collect): picked and waiting at the counter, then collected by the customer.
  'READY_FOR_PICKUP',
  'PICKED_UP',
  'REJECTED',
  'TIMED_OUT',
  'CANCELLED',
  'FAILED',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** Statuses in which the workflow is still waiting for the location. */
export const LIVE_SHIPMENT_STATUSES: readonly ShipmentStatus[] = ['REQUESTED', 'ACCEPTED'];

/**
 * Statuses in which the shipment's units have left the location's stock (shipped, delivered, or
 * collected at the counter): on hand was consumed and the order can no longer be cancelled whole.
 */
export const UNITS_LEFT_STATUSES: readonly ShipmentStatus[] = ['SHIPPED', 'DELIVERED', 'PICKED_UP'];
export const unitsLeft = (status: ShipmentStatus) => UNITS_LEFT_STATUSES.includes(status);

/**
 * The location has done its part for the fulfilment workflow: the units left (above), or a pickup
 * is ready at the counter (still on hand and reserved until collected or given up as not collected).
 */
export const locationDone = (status: ShipmentStatus) => unitsLeft(status) || status === 'READY_FOR_PICKUP';

/** Statuses a whole-order cancellation closes (the units are still at the location, reserved). */
export const CANCELLABLE_SHIPMENT_STATUSES: readonly ShipmentStatus[] = [
  ...LIVE_SHIPMENT_STATUSES,
  'READY_FOR_PICKUP',
];

export type ShipmentKind = 'ship' | 'pickup' | 'transfer' | 'drop-ship';

export interface ShipmentLine {
  lineId: string;
  sku: string;
  quantity: number;
}

export interface Shipment {
  shipmentId: string;
  orderId: string;
  locationId: string;
  kind: ShipmentKind;
  toLocationId?: string;
  lines: ShipmentLine[];
  status: ShipmentStatus;
  /** The allocation round that planned it (1 = first allocation; re-sourcing adds rounds). */
  round: number;
  /** Internal only: never returned by the API, never in an event. */
  taskToken?: string;
  tracking?: { carrier: string; trackingNumber: string; trackingUrl?: string };
  reason?: string;
  /**
   * When the workflow escalated the shipment (ShipmentOverdue): the location went silent past the
   * heartbeat. The status is unchanged, so the partner can still answer during the grace period.
   */
  escalatedAt?: string;
  /**
   * When the location must have shipped to keep the order's delivery promise (the promise made when
   * it was given the units: the end of its ship day, local time).
   */
  shipBy?: string;
  /** Pickup: when the store reported it ready at the counter. */
  readyAt?: string;
  /** Pickup: the customer must collect it by then, or it is cancelled as not collected. */
  pickupBy?: string;
  /**
   * Pickup given up as not collected (CANCELLED) whose order and stock are still to be settled: it
   * stays in the sweeper's index until the order change and the release are written (crash-safe).
   */
  notCollectedPending?: boolean;
  /** Partner event ids already applied (idempotency of the callback API). */
  processedEventIds: string[];
  requestedAt: string;
  updatedAt: string;
  version: number;
}

/** What partners may see of a shipment. */
export function publicShipment(
  shipment: Shipment,
): Omit<Shipment, 'taskToken' | 'processedEventIds' | 'notCollectedPending'> {
  const { taskToken: _token, processedEventIds: _ids, notCollectedPending: _pending, ...rest } = shipment;
  return rest;
}

/**
 * Deterministic ids, so a retried workflow step writes the same shipment again instead of a second
 * one: one shipment per order, allocation round and location. Drop-ship purchase orders use `po_`.
 */
export function shipmentIdFor(
  orderId: string,
  round: number,
  locationId: z.infer<typeof LocationIdSchema>,
  kind: ShipmentKind,
): string {
  const prefix = kind === 'drop-ship' ? 'po' : 'shp';
  return `${prefix}_${orderId.replace(/^ord_/, '')}.${round}.${locationId}`;
}

export const FULFILLMENT_EVENT_TYPES = [
  'accepted',
  'shipped',
  'delivered',
  'rejected',
  // Pickup shipments only: the order is waiting at the counter, then the customer collected it.
  'ready-for-pickup',
  'picked-up',
] as const;
/** Reports that only a pickup shipment takes. */
export const PICKUP_EVENT_TYPES: readonly FulfillmentEventType[] = ['ready-for-pickup', 'picked-up'];
export type FulfillmentEventType = (typeof FULFILLMENT_EVENT_TYPES)[number];

export const REJECTION_REASONS = [
  'out-of-stock',
  'damaged-stock',
  'no-capacity',
  'cannot-meet-sla',
  'address-unserviceable',
  'location-closed',
  'other',
] as const;

const eventIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'may contain only letters, digits and . _ : @ -');

/** `POST /fulfillments/{shipmentId}/events`: what a location or vendor reports about a shipment. */
export const FulfillmentEventRequestSchema = z
  .strictObject({
    type: z.enum(FULFILLMENT_EVENT_TYPES),
    /** The partner's id for this report; a repeat with the same id changes nothing. */
    eventId: eventIdSchema,
    tracking: z
      .strictObject({
        carrier: z.string().trim().min(1).max(64),
        trackingNumber: z.string().trim().min(1).max(128),
        trackingUrl: z.httpUrl().optional(),
      })
      .optional(),
    reason: z.enum(REJECTION_REASONS).optional(),
    note: z.string().trim().min(1).max(1000).optional(),
    /**
     * picked-up only, optional: what the customer collected. Partial pickup is refused (409 naming
     * the line): the whole shipment is handed over or none of it (docs/workflows.md, Pickup).
     */
    lines: z
      .array(
        z.strictObject({
          lineId: z.string({ error: 'must be a string (line id)' }).min(1).max(64),
          quantity: z.number({ error: 'must be a number' }).int('must be an integer').min(1),
        }),
        { error: 'must be an array of { lineId, quantity }' },
      )
      .min(1, 'must contain at least one line')
      .max(200)
      .optional(),
  })
  .superRefine((event, ctx) => {
    if (event.lines !== undefined && event.type !== 'picked-up') {
      ctx.addIssue({ code: 'custom', path: ['lines'], message: 'is only accepted with a picked-up event' });
    }
    if (event.type === 'shipped' && event.tracking === undefined) {
      ctx.addIssue({ code: 'custom', path: ['tracking'], message: 'is required for a shipped event' });
    }
    if (event.type === 'rejected' && event.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is required for a rejected event' });
    }
  });
export type FulfillmentEventRequest = z.infer<typeof FulfillmentEventRequestSchema>;

/** Error names the workflow's Retry/Catch rules match on (SendTaskFailure `error`, Lambda errors). */
export const WORKFLOW_ERRORS = {
  /** A location rejected the shipment: release and re-source. */
  shipmentRejected: 'ShipmentRejected',
  /** The order was cancelled while the workflow ran: end in the Cancelled state. */
  orderCancelled: 'OrderCancelled',
  /** Worth retrying: a concurrent change, a throttled dependency. */
  transient: 'TransientError',
  /** Ops put the order on hold after the hold check: Allocate goes back to waiting for the release. */
  orderOnHold: 'OrderOnHold',
} as const;

/** An error whose `name` the state machine matches (Lambda reports it as the error type). */
export class WorkflowError extends Error {
  constructor(name: (typeof WORKFLOW_ERRORS)[keyof typeof WORKFLOW_ERRORS], message: string) {
    super(message);
    this.name = name;
  }
}

/** A shipment as the callback API returns it (no task token, no processed event ids). */
export const ShipmentViewSchema = z.object({
  shipmentId: z.string(),
  orderId: z.string(),
  locationId: z.string(),
  kind: z.enum(['ship', 'pickup', 'transfer', 'drop-ship']),
  toLocationId: z.string().optional(),
  lines: z.array(z.object({ lineId: z.string(), sku: z.string(), quantity: z.number().int() })),
  status: z.enum(SHIPMENT_STATUSES),
  round: z.number().int(),
  tracking: z
    .object({ carrier: z.string(), trackingNumber: z.string(), trackingUrl: z.string().optional() })
    .optional(),
  reason: z.string().optional(),
  escalatedAt: z.string().optional(),
  shipBy: z.string().optional(),
  readyAt: z.string().optional(),
  pickupBy: z.string().optional(),
  requestedAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
