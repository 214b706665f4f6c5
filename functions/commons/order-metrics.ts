import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Order } from '../../shared/domain/order.ts';
import type { SourcingPlan } from '../../shared/sourcing/types.ts';

/**
 * Business metrics of the OMS (CloudWatch namespace `Quartermaster`, through Powertools Metrics' EMF
 * lines, flushed by the `logMetrics` middleware). Names are the contract of the dashboard and alarms in
 * infra/constructs/observability.ts: rename both together.
 */
export const BUSINESS_METRICS = {
  ordersCaptured: 'OrdersCaptured',
  ordersAllocated: 'OrdersAllocated',
  ordersBackordered: 'OrdersBackordered',
  /** Allocations sourced from more than one location, own or vendor (split rate = this / allocated). */
  splitShipments: 'SplitShipments',
  /** Shipments planned by an allocation, own and drop-ship. */
  plannedShipments: 'PlannedShipments',
  /** Order lines (partly) sent by a drop-ship vendor (drop-ship rate = this / allocated lines). */
  dropShipLines: 'DropShipLines',
  allocatedLines: 'AllocatedLines',
  /** From capture to an allocation run that changed the order (a backorder filled later counts again). */
  timeToAllocate: 'TimeToAllocateMs',
  webhookFailures: 'WebhookDeliveryFailures',
} as const;

/**
 * Correlation keys on every later log line of this invocation (the API middleware resets them per
 * request): an order id, and the Step Functions execution name when a workflow is the caller.
 */
export function correlate(logger: Logger, keys: { orderId?: string; executionName?: string }): void {
  const present = Object.fromEntries(Object.entries(keys).filter(([, v]) => v !== undefined && v !== ''));
  if (Object.keys(present).length) logger.appendKeys(present);
}

/** POST /orders: one count per newly captured order, by sales channel (replays are counted apart). */
export function recordOrderCaptured(metrics: Metrics, order: Pick<Order, 'channel'>, created: boolean): void {
  metrics.addDimension('channel', order.channel);
  metrics.addMetric(created ? BUSINESS_METRICS.ordersCaptured : 'OrderCaptureReplayed', MetricUnit.Count, 1);
}

/**
 * An allocation run that changed the order: allocated or backordered, split shipments, drop-ship
 * lines, and the time from capture to allocation. A repeat run that changed nothing records nothing.
 */
export function recordAllocation(
  metrics: Metrics,
  result: { order: Order; plan?: SourcingPlan; changed: boolean },
  now: Date,
): void {
  if (!result.changed) return;
  const { order, plan } = result;
  const allocatedLines = order.lines.filter((l) => l.quantities.allocated > 0).length;
  if (order.status === 'BACKORDERED' || order.lines.some((l) => l.quantities.backordered > 0)) {
    metrics.addMetric(BUSINESS_METRICS.ordersBackordered, MetricUnit.Count, 1);
  }
  if (allocatedLines === 0) return;
  metrics.addMetric(BUSINESS_METRICS.ordersAllocated, MetricUnit.Count, 1);
  metrics.addMetric(BUSINESS_METRICS.allocatedLines, MetricUnit.Count, allocatedLines);
  if (plan) {
    const shipments = [...plan.shipments, ...plan.dropShip].filter((s) => s.units > 0);
    const sources = new Set(shipments.map((s) => s.locationId)).size;
    const dropShipLines = new Set(plan.dropShip.flatMap((s) => s.lines.map((l) => l.lineId))).size;
    metrics.addMetric(BUSINESS_METRICS.plannedShipments, MetricUnit.Count, shipments.length);
    metrics.addMetric(BUSINESS_METRICS.splitShipments, MetricUnit.Count, sources > 1 ? 1 : 0);
    metrics.addMetric(BUSINESS_METRICS.dropShipLines, MetricUnit.Count, dropShipLines);
  }
  const elapsed = now.getTime() - Date.parse(order.createdAt);
  if (Number.isFinite(elapsed) && elapsed >= 0) {
    metrics.addMetric(BUSINESS_METRICS.timeToAllocate, MetricUnit.Milliseconds, elapsed);
  }
}
