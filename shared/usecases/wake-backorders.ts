import { availableToSell } from '../domain/inventory.ts';
import type { InventoryStore } from '../ports/inventory-store.ts';
import type { LocationRepository } from '../ports/location-repository.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';
import type { WorkflowEngine } from '../ports/workflow-engine.ts';

/** Waitlist entries read per wake-up; more stock than they wait for is left for the next change. */
export const WAKE_BATCH = 50;

export interface WakeBackordersResult {
  sku: string;
  /** Network ATS of the SKU when the waitlist was read. */
  ats: number;
  woken: string[];
  /** Orders whose wait had already ended (answered, timed out, cancelled): taken off the waitlist. */
  gone: string[];
  /** Orders ON_HOLD: left waiting, at their place in the queue. */
  held: string[];
}

/**
 * Stock of a SKU may have arrived (InventoryChanged): wake the orders backordered on it, oldest order
 * first, as many as the network's available units can serve. A woken execution allocates again; what
 * it still cannot get it waits for again, at its place in the queue (its order date). An order woken
 * by two changes at once is answered once: Step Functions takes one answer per token. An order ops
 * put ON_HOLD is skipped and keeps its place (release-hold wakes it): woken, it would only go back to
 * waiting for the release.
 */
export function makeWakeBackorders(deps: {
  shipments: Pick<ShipmentRepository, 'listBackorderWaiters' | 'deleteWaiter'>;
  inventory: Pick<InventoryStore, 'listPositions'>;
  locations: Pick<LocationRepository, 'all'>;
  engine: Pick<WorkflowEngine, 'sendTaskSuccess'>;
  orders: Pick<OrderRepository, 'get'>;
}) {
  return async function wakeBackorders(input: { sku: string }): Promise<WakeBackordersResult> {
    const [positions, locations] = await Promise.all([
      deps.inventory.listPositions(input.sku),
      deps.locations.all(),
    ]);
    // Paused locations source nothing, so their stock serves no backorder.
    const active = new Set(locations.filter((l) => l.status === 'active').map((l) => l.locationId));
    const ats = positions
      .filter((p) => active.has(p.locationId))
      .reduce((sum, p) => sum + availableToSell(p), 0);
    const result: WakeBackordersResult = { sku: input.sku, ats, woken: [], gone: [], held: [] };
    if (ats <= 0) return result;
    let remaining = ats;
    for (const waiter of await deps.shipments.listBackorderWaiters(input.sku, WAKE_BATCH)) {
      if (remaining <= 0) break;
      if ((await deps.orders.get(waiter.orderId))?.status === 'ON_HOLD') {
        result.held.push(waiter.orderId);
        continue;
      }
      const outcome = await deps.engine.sendTaskSuccess(waiter.taskToken, {
        wokenBy: 'InventoryChanged',
        sku: input.sku,
        ats,
      });
      // Only this wait leaves the waitlist: the woken execution may already be waiting again.
      await deps.shipments.deleteWaiter(waiter.orderId, 'backorder', waiter.taskToken);
      if (outcome === 'sent') {
        result.woken.push(waiter.orderId);
        remaining -= waiter.quantity;
      } else result.gone.push(waiter.orderId);
    }
    return result;
  };
}
