import { conflict } from '../domain/errors.ts';
import type { Order } from '../domain/order.ts';
import { CANCELLABLE_SHIPMENT_STATUSES, unitsLeft, WORKFLOW_ERRORS } from '../domain/shipment.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';
import { orderEvent } from './fulfilment-events.ts';

/**
 * The fulfilment side of a cancellation. Before: refuse when a shipment already left a building
 * (the order status stays RELEASED while other shipments are in flight). After the order is
 * CANCELLED (OrderCancelled goes to partners through the outbox): close every live shipment (with a
 * ShipmentCancelled naming its location, for partners subscribed by location) and fail
 * every task the workflow waits on with `OrderCancelled`, which ends the execution in its Cancelled
 * state. Repeating it is harmless.
 */
export function makeCancelFulfilment(deps: {
  shipments: ShipmentRepository;
  engine: WorkflowEngine;
  clock: Clock;
  ids: IdGenerator;
}) {
  return {
    async assertCancellable(orderId: string): Promise<void> {
      const shipped = (await deps.shipments.listByOrder(orderId)).find((s) => unitsLeft(s.status));
      if (shipped) {
        throw conflict(
          `Order ${orderId} can no longer be cancelled: shipment ${shipped.shipmentId} has shipped`,
          { shipmentId: shipped.shipmentId },
        );
      }
    },

    async afterCancel(
      order: Pick<Order, 'orderId' | 'channel'>,
      correlationId: string,
    ): Promise<{ shipmentsCancelled: number; tasksSignalled: number }> {
      const { orderId } = order;
      const cause = `Order ${orderId} was cancelled`;
      let shipmentsCancelled = 0;
      let tasksSignalled = 0;
      for (const shipment of await deps.shipments.listByOrder(orderId)) {
        // A pickup waiting at the counter is closed too: its units go back to the shelf's stock.
        if (!CANCELLABLE_SHIPMENT_STATUSES.includes(shipment.status)) continue;
        const { taskToken, ...rest } = shipment;
        const now = deps.clock.now().toISOString();
        const cancelled = orderEvent(
          'ShipmentCancelled',
          { eventId: deps.ids.eventId(), occurredAt: now, correlationId },
          order,
          {
            shipmentId: shipment.shipmentId,
            orderId,
            locationId: shipment.locationId,
            ...(shipment.kind === 'drop-ship' ? { purchaseOrderId: shipment.shipmentId } : {}),
            kind: shipment.kind,
            lines: shipment.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity })),
            reason: 'order-cancelled',
          },
        );
        const outcome = await deps.shipments.update(
          {
            ...rest,
            status: 'CANCELLED',
            reason: 'order cancelled',
            updatedAt: now,
            version: shipment.version + 1,
          },
          shipment.version,
          [cancelled],
        );
        if (outcome === 'updated') shipmentsCancelled++;
        if (taskToken !== undefined) {
          if (
            (await deps.engine.sendTaskFailure(taskToken, WORKFLOW_ERRORS.orderCancelled, cause)) === 'sent'
          )
            tasksSignalled++;
        }
      }
      for (const waiter of await deps.shipments.listWaiters(orderId)) {
        if (
          (await deps.engine.sendTaskFailure(waiter.taskToken, WORKFLOW_ERRORS.orderCancelled, cause)) ===
          'sent'
        )
          tasksSignalled++;
        // Its token is dead now: off the backorder waitlists too, so no wake-up spends stock on it.
        await deps.shipments.deleteWaiter(orderId, waiter.kind, waiter.taskToken);
      }
      return { shipmentsCancelled, tasksSignalled };
    },
  };
}
