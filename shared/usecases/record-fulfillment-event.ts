import { type Caller, canActForLocation, requireScope } from '../domain/caller.ts';
import { conflict, fieldErrorAt, notFound } from '../domain/errors.ts';
import { DEFAULT_PICKUP_HOLD_DAYS, partialPickupErrors, pickupByFrom } from '../domain/pickup.ts';
import {
  FulfillmentEventRequestSchema,
  PICKUP_EVENT_TYPES,
  publicShipment,
  type Shipment,
  type ShipmentStatus,
  unitsLeft,
  WORKFLOW_ERRORS,
} from '../domain/shipment.ts';
import { parseOrThrow } from '../domain/validation.ts';
import type { DomainEvent } from '../events/envelope.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { makeConfirmShipmentReservations } from './confirm-shipment-reservations.ts';
import { orderEvent } from './fulfilment-events.ts';
import { changeOrder, progressChange } from './fulfilment-order.ts';

/** Which report moves a shipment from which status. */
const TRANSITIONS: Record<string, { from: readonly ShipmentStatus[]; to: ShipmentStatus }> = {
  accepted: { from: ['REQUESTED'], to: 'ACCEPTED' },
  shipped: { from: ['REQUESTED', 'ACCEPTED'], to: 'SHIPPED' },
  delivered: { from: ['SHIPPED'], to: 'DELIVERED' },
  rejected: { from: ['REQUESTED', 'ACCEPTED'], to: 'REJECTED' },
  // Pickup shipments only. Collected straight from REQUESTED/ACCEPTED is a hand-over without the
  // ready step (the customer was already in the store).
  'ready-for-pickup': { from: ['REQUESTED', 'ACCEPTED'], to: 'READY_FOR_PICKUP' },
  'picked-up': { from: ['REQUESTED', 'ACCEPTED', 'READY_FOR_PICKUP'], to: 'PICKED_UP' },
};

const MAX_ATTEMPTS = 5;

/**
 * `POST /fulfillments/{shipmentId}/events`: a location or vendor reports on a shipment released to
 * it. The shipment's task token (stored, never exposed) answers the waiting workflow step:
 * accepted → heartbeat, shipped → success, rejected → failure `ShipmentRejected`. Idempotent on the
 * partner's `eventId`; a shipment of another partner's location reads as 404.
 *
 * Pickup shipments: `ready-for-pickup` (success: the store's part is done; the units stay on hand
 * and reserved; `pickupBy` = now + pickup.holdDays; OrderReadyForPickup tells the customer), then
 * `picked-up` (or `delivered`, the same report): on hand and reserved drop, ShipmentDelivered with
 * handover pickup, the order moves on to DELIVERED/COMPLETED. Partial pickup is refused (409 naming
 * the line). A pickup the not-collected sweep cancelled first answers 409: exactly one of the two
 * wins, on the shipment's version.
 */
export function makeRecordFulfillmentEvent(deps: {
  shipments: ShipmentRepository;
  orders: OrderRepository;
  inventory: InventoryStore;
  engine: WorkflowEngine;
  clock: Clock;
  ids: IdGenerator;
  /** `pickup.holdDays`: a ready pickup must be collected within this many days (fractions allowed). */
  pickupHoldDays?: number;
}) {
  const holdDays = deps.pickupHoldDays ?? DEFAULT_PICKUP_HOLD_DAYS;
  const confirmShipment = makeConfirmShipmentReservations(deps);

  async function signal(shipment: Shipment, type: string, note: string | undefined): Promise<void> {
    const token = shipment.taskToken;
    if (token === undefined) return;
    if (type === 'accepted') await deps.engine.sendTaskHeartbeat(token);
    else if (type === 'shipped') {
      await deps.engine.sendTaskSuccess(token, { shipmentId: shipment.shipmentId, status: 'SHIPPED' });
    } else if (type === 'ready-for-pickup' || type === 'picked-up') {
      // Ready at the counter is the store's part of fulfilment done: the run settles and ends; the
      // collection (or the not-collected sweep) follows outside it. Collected straight away answers
      // the same way (a token already answered is 'gone').
      await deps.engine.sendTaskSuccess(token, { shipmentId: shipment.shipmentId, status: shipment.status });
    } else if (type === 'rejected') {
      await deps.engine.sendTaskFailure(
        token,
        WORKFLOW_ERRORS.shipmentRejected,
        `${shipment.locationId} rejected ${shipment.shipmentId}: ${shipment.reason ?? note ?? 'no reason'}`,
      );
    }
  }

  /**
   * On hand and reserved drop together at the location once the shipment is recorded as shipped
   * (or collected): after the write that excludes a cancellation, so a refused report consumes
   * nothing. Repeatable by shipment id (a retried report finishes a crashed first attempt).
   */
  async function consumeStock(shipment: Shipment): Promise<void> {
    await confirmShipment({
      orderId: shipment.orderId,
      body: {
        shipmentId: shipment.shipmentId,
        locationId: shipment.locationId,
        lines: shipment.lines.map(({ lineId, quantity }) => ({ lineId, quantity })),
      },
    });
  }

  /** Line quantities and the order's status follow its shipments, with history and events. */
  async function syncOrder(shipment: Shipment, correlationId: string): Promise<void> {
    const shipments = await deps.shipments.listByOrder(shipment.orderId);
    await changeOrder(deps, shipment.orderId, (order, now) =>
      progressChange(order, shipments, {
        by: { type: 'partner', id: shipment.locationId },
        nextEvent: () => ({ eventId: deps.ids.eventId(), occurredAt: now, correlationId }),
        why: `shipment ${shipment.shipmentId}`,
      }),
    );
  }

  return async function recordFulfillmentEvent(input: {
    caller: Caller;
    shipmentId: string;
    body: unknown;
    correlationId: string;
  }): Promise<{ shipment: ReturnType<typeof publicShipment>; applied: boolean }> {
    requireScope(input.caller, 'fulfillment');
    const request = parseOrThrow(FulfillmentEventRequestSchema, input.body, 'fulfilment event');
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const shipment = await deps.shipments.get(input.shipmentId);
      if (!shipment || !canActForLocation(input.caller, shipment.locationId)) {
        throw notFound('Shipment', input.shipmentId);
      }
      // `delivered` on a pickup shipment is the collection: the same report as `picked-up`.
      const type = request.type === 'delivered' && shipment.kind === 'pickup' ? 'picked-up' : request.type;
      if (PICKUP_EVENT_TYPES.includes(type) && shipment.kind !== 'pickup') {
        throw conflict(`Shipment ${shipment.shipmentId} is a ${shipment.kind} shipment, not a pickup`, {
          errors: [fieldErrorAt(['type'], `${type} is only for pickup shipments (kind pickup)`)],
        });
      }
      if (shipment.processedEventIds.includes(request.eventId)) {
        // A repeat: finish what a crashed first attempt may have left undone (every step is idempotent).
        if (unitsLeft(shipment.status)) await consumeStock(shipment);
        if (type === 'shipped' || type === 'delivered' || type === 'picked-up')
          await syncOrder(shipment, input.correlationId);
        await signal(shipment, type, request.note);
        return { shipment: publicShipment(shipment), applied: false };
      }
      const rule = TRANSITIONS[type]!;
      if (!rule.from.includes(shipment.status)) {
        const why =
          shipment.status === 'CANCELLED' && shipment.reason === 'not-collected'
            ? ` (not collected by ${shipment.pickupBy}: its units went back to stock and the order was refunded)`
            : '';
        throw conflict(
          `Shipment ${shipment.shipmentId} is ${shipment.status}${why}; a ${type} report is accepted only when it is ${rule.from.join(' or ')}`,
          { shipmentStatus: shipment.status },
        );
      }
      if (type === 'picked-up') {
        const partial = partialPickupErrors(shipment, request.lines);
        if (partial.length > 0) {
          throw conflict(
            `Partial pickup is refused: shipment ${shipment.shipmentId} is handed over whole or not at all`,
            { errors: partial },
          );
        }
      }
      const order = await deps.orders.get(shipment.orderId);
      if (!order) throw notFound('Shipment', input.shipmentId);
      if (type === 'ready-for-pickup' && order.status === 'CANCELLED') {
        throw conflict(
          `Order ${shipment.orderId} was cancelled; shipment ${shipment.shipmentId} must not be handed over`,
          {
            shipmentStatus: shipment.status,
            orderStatus: 'CANCELLED',
          },
        );
      }
      const now = deps.clock.now().toISOString();
      const base = { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId };
      const ids = {
        shipmentId: shipment.shipmentId,
        orderId: shipment.orderId,
        locationId: shipment.locationId,
      };
      const purchaseOrder = shipment.kind === 'drop-ship' ? { purchaseOrderId: shipment.shipmentId } : {};
      let event: DomainEvent;
      let pickup: Pick<Shipment, 'readyAt' | 'pickupBy'> = {};
      if (type === 'ready-for-pickup') {
        pickup = { readyAt: now, pickupBy: pickupByFrom(new Date(now), holdDays) };
        event = orderEvent('OrderReadyForPickup', base, order, {
          ...ids,
          lines: shipment.lines,
          readyAt: now,
          pickupBy: pickup.pickupBy!,
          ...(order.delivery.method === 'pickup' && order.delivery.contact !== undefined
            ? { pickupContact: order.delivery.contact }
            : {}),
        });
      } else if (type === 'accepted' && shipment.kind === 'drop-ship') {
        // A vendor accepting its purchase order is the PO acknowledgement (EDI 855), not a location's.
        event = orderEvent('DropShipAcknowledged', base, order, {
          purchaseOrderId: shipment.shipmentId,
          orderId: shipment.orderId,
          vendorId: shipment.locationId,
        });
      } else if (type === 'accepted') {
        event = orderEvent('ShipmentAccepted', base, order, ids);
      } else if (type === 'rejected') {
        event = orderEvent('ShipmentRejected', base, order, {
          ...ids,
          reason: request.reason ?? 'other',
          ...(request.note === undefined ? {} : { note: request.note }),
        });
      } else if (type === 'shipped') {
        const tracking = request.tracking!;
        event = orderEvent('ShipmentShipped', base, order, {
          ...ids,
          ...purchaseOrder,
          carrier: tracking.carrier,
          trackingNumber: tracking.trackingNumber,
          ...(tracking.trackingUrl === undefined ? {} : { trackingUrl: tracking.trackingUrl }),
          shippedAt: now,
          lines: shipment.lines,
        });
      } else {
        // delivered (a carrier), or picked-up: collected at the counter.
        event = orderEvent('ShipmentDelivered', base, order, {
          ...ids,
          ...purchaseOrder,
          handover: type === 'picked-up' ? 'pickup' : 'carrier',
          deliveredAt: now,
          lines: shipment.lines,
        });
      }
      const next: Shipment = {
        ...shipment,
        status: rule.to,
        ...pickup,
        ...(request.tracking === undefined ? {} : { tracking: request.tracking }),
        ...(type === 'rejected' ? { reason: request.reason ?? 'other' } : {}),
        processedEventIds: [...shipment.processedEventIds, request.eventId].slice(-50),
        updatedAt: now,
        version: shipment.version + 1,
      };
      const outcome = await deps.shipments.update(next, shipment.version, [event]);
      if (outcome === 'conflict') continue;
      if (outcome === 'order-cancelled') {
        // The cancellation was written first: nothing ships (the cancel closes the shipment).
        throw conflict(
          `Order ${shipment.orderId} was cancelled; shipment ${shipment.shipmentId} must not be ${type === 'shipped' ? 'shipped' : 'handed over'}`,
          { shipmentStatus: shipment.status, orderStatus: 'CANCELLED' },
        );
      }
      if (type === 'shipped' || type === 'picked-up') await consumeStock(next);
      if (type === 'shipped' || type === 'delivered' || type === 'picked-up')
        await syncOrder(next, input.correlationId);
      await signal(next, type, request.note);
      return { shipment: publicShipment(next), applied: true };
    }
    throw conflict(`Shipment ${input.shipmentId} is changing concurrently; retry`);
  };
}
