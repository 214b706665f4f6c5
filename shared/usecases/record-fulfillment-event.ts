import { type Caller, canActForLocation, requireScope } from '../domain/caller.ts';
import { conflict, notFound } from '../domain/errors.ts';
import {
  FulfillmentEventRequestSchema,
  publicShipment,
  type Shipment,
  type ShipmentStatus,
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
};

const MAX_ATTEMPTS = 5;

/**
 * `POST /fulfillments/{shipmentId}/events`: a location or vendor reports on a shipment released to
 * it. The shipment's task token (stored, never exposed) answers the waiting workflow step:
 * accepted → heartbeat, shipped → success, rejected → failure `ShipmentRejected`. Idempotent on the
 * partner's `eventId`; a shipment of another partner's location reads as 404.
 */
export function makeRecordFulfillmentEvent(deps: {
  shipments: ShipmentRepository;
  orders: OrderRepository;
  inventory: InventoryStore;
  engine: WorkflowEngine;
  clock: Clock;
  ids: IdGenerator;
}) {
  const confirmShipment = makeConfirmShipmentReservations(deps);

  async function signal(shipment: Shipment, type: string, note: string | undefined): Promise<void> {
    const token = shipment.taskToken;
    if (token === undefined) return;
    if (type === 'accepted') await deps.engine.sendTaskHeartbeat(token);
    else if (type === 'shipped') {
      await deps.engine.sendTaskSuccess(token, { shipmentId: shipment.shipmentId, status: 'SHIPPED' });
    } else if (type === 'delivered' && shipment.kind === 'pickup') {
      // Collected at the counter: the hand-over is the pickup's shipment (a token already answered is 'gone').
      await deps.engine.sendTaskSuccess(token, { shipmentId: shipment.shipmentId, status: 'DELIVERED' });
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
      if (shipment.processedEventIds.includes(request.eventId)) {
        // A repeat: finish what a crashed first attempt may have left undone (every step is idempotent).
        if (shipment.status === 'SHIPPED' || shipment.status === 'DELIVERED') await consumeStock(shipment);
        if (request.type === 'shipped' || request.type === 'delivered')
          await syncOrder(shipment, input.correlationId);
        await signal(shipment, request.type, request.note);
        return { shipment: publicShipment(shipment), applied: false };
      }
      const rule = TRANSITIONS[request.type]!;
      // A pickup order is handed over at the counter: `delivered` (collected) straight from
      // REQUESTED/ACCEPTED, with no carrier and no tracking.
      const collected =
        request.type === 'delivered' &&
        shipment.kind === 'pickup' &&
        (shipment.status === 'REQUESTED' || shipment.status === 'ACCEPTED');
      if (!rule.from.includes(shipment.status) && !collected) {
        throw conflict(
          `Shipment ${shipment.shipmentId} is ${shipment.status}; a ${request.type} report is accepted only when it is ${rule.from.join(' or ')}`,
          { shipmentStatus: shipment.status },
        );
      }
      const order = await deps.orders.get(shipment.orderId);
      if (!order) throw notFound('Shipment', input.shipmentId);
      const now = deps.clock.now().toISOString();
      const base = { eventId: deps.ids.eventId(), occurredAt: now, correlationId: input.correlationId };
      const ids = {
        shipmentId: shipment.shipmentId,
        orderId: shipment.orderId,
        locationId: shipment.locationId,
      };
      const purchaseOrder = shipment.kind === 'drop-ship' ? { purchaseOrderId: shipment.shipmentId } : {};
      let event: DomainEvent;
      if (request.type === 'accepted' && shipment.kind === 'drop-ship') {
        // A vendor accepting its purchase order is the PO acknowledgement (EDI 855), not a location's.
        event = orderEvent('DropShipAcknowledged', base, order, {
          purchaseOrderId: shipment.shipmentId,
          orderId: shipment.orderId,
          vendorId: shipment.locationId,
        });
      } else if (request.type === 'accepted') {
        event = orderEvent('ShipmentAccepted', base, order, ids);
      } else if (request.type === 'rejected') {
        event = orderEvent('ShipmentRejected', base, order, {
          ...ids,
          reason: request.reason ?? 'other',
          ...(request.note === undefined ? {} : { note: request.note }),
        });
      } else if (request.type === 'shipped') {
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
        event = orderEvent('ShipmentDelivered', base, order, {
          ...ids,
          ...purchaseOrder,
          handover: shipment.kind === 'pickup' ? 'pickup' : 'carrier',
          deliveredAt: now,
          lines: shipment.lines,
        });
      }
      const next: Shipment = {
        ...shipment,
        status: rule.to,
        ...(request.tracking === undefined ? {} : { tracking: request.tracking }),
        ...(request.type === 'rejected' ? { reason: request.reason ?? 'other' } : {}),
        processedEventIds: [...shipment.processedEventIds, request.eventId].slice(-50),
        updatedAt: now,
        version: shipment.version + 1,
      };
      const outcome = await deps.shipments.update(next, shipment.version, [event]);
      if (outcome === 'conflict') continue;
      if (outcome === 'order-cancelled') {
        // The cancellation was written first: nothing ships (the cancel closes the shipment).
        throw conflict(
          `Order ${shipment.orderId} was cancelled; shipment ${shipment.shipmentId} must not be ${request.type === 'shipped' ? 'shipped' : 'handed over'}`,
          { shipmentStatus: shipment.status, orderStatus: 'CANCELLED' },
        );
      }
      if (request.type === 'shipped' || collected) await consumeStock(next);
      if (request.type === 'shipped' || request.type === 'delivered')
        await syncOrder(next, input.correlationId);
      await signal(next, request.type, request.note);
      return { shipment: publicShipment(next), applied: true };
    }
    throw conflict(`Shipment ${input.shipmentId} is changing concurrently; retry`);
  };
}
