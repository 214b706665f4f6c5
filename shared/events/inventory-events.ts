import type { Location } from '../domain/location.ts';
import type { Order } from '../domain/order.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import { type CatalogEvent, EVENT_CATALOG, type EventData } from './catalog.ts';

// The shapes come from the event catalog, the published contract, so a builder cannot drift from it.
export type OrderAllocated = CatalogEvent<'OrderAllocated'>;
export type OrderBackordered = CatalogEvent<'OrderBackordered'>;

interface EventBase {
  eventId: string;
  occurredAt: string;
  correlationId: string;
}

/** Units of one order line promised by one location (a reservation's active quantity). */
export interface ReservedUnits {
  lineId: string;
  sku: string;
  locationId: string;
  quantity: number;
}

type AllocationSummary = Pick<
  EventData<'OrderAllocated'>,
  'lines' | 'shipments' | 'dropShip' | 'backordered' | 'promisedBy'
>;

/**
 * The committed plan as the catalog describes it, from the order's line quantities and its active
 * reservations: own locations become shipments (pickup, transfer to the pickup store, or ship),
 * vendors become drop-ship, and unfilled units are listed as backordered.
 */
export function allocationSummary(
  order: Order,
  reserved: readonly ReservedUnits[],
  locationsById: ReadonlyMap<string, Pick<Location, 'type'>>,
): AllocationSummary {
  const byLocation = new Map<string, { lineId: string; sku: string; quantity: number }[]>();
  for (const units of reserved) {
    if (units.quantity <= 0) continue;
    const lines = byLocation.get(units.locationId) ?? [];
    lines.push({ lineId: units.lineId, sku: units.sku, quantity: units.quantity });
    byLocation.set(units.locationId, lines);
  }
  const pickupStore = order.delivery.method === 'pickup' ? order.delivery.locationId : undefined;
  const shipBys = new Map((order.promise?.locations ?? []).map((p) => [p.locationId, p.shipBy]));
  const shipBy = (locationId: string) => {
    const at = shipBys.get(locationId);
    return at === undefined ? {} : { shipBy: at };
  };
  const shipments: AllocationSummary['shipments'] = [];
  const dropShip: AllocationSummary['dropShip'] = [];
  for (const [locationId, lines] of [...byLocation].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (locationsById.get(locationId)?.type === 'vendor')
      dropShip.push({ vendorId: locationId, lines, ...shipBy(locationId) });
    else if (pickupStore === undefined)
      shipments.push({ locationId, kind: 'ship', lines, ...shipBy(locationId) });
    else if (locationId === pickupStore) shipments.push({ locationId, kind: 'pickup', lines });
    else shipments.push({ locationId, kind: 'transfer', toLocationId: pickupStore, lines });
  }
  return {
    lines: order.lines.map((line) => ({
      lineId: line.lineId,
      sku: line.sku,
      quantity: line.quantity,
      allocated: line.quantities.allocated,
      backordered: line.quantities.backordered,
    })),
    shipments,
    dropShip,
    backordered: order.lines
      .filter((line) => line.quantities.backordered > 0)
      .map((line) => ({ lineId: line.lineId, sku: line.sku, quantity: line.quantities.backordered })),
    ...(order.promisedBy === undefined ? {} : { promisedBy: order.promisedBy }),
  };
}

/** At least one unit is promised: the order is ALLOCATED or PARTIALLY_ALLOCATED. */
export function orderAllocated(
  base: EventBase,
  order: Order & { status: 'ALLOCATED' | 'PARTIALLY_ALLOCATED' },
  previousStatus: OrderStatus,
  summary: AllocationSummary,
): OrderAllocated {
  return {
    ...base,
    type: 'OrderAllocated',
    version: EVENT_CATALOG.OrderAllocated.version,
    orderId: order.orderId,
    channel: order.channel,
    data: { orderId: order.orderId, status: order.status, previousStatus, ...summary },
  };
}

/** Nothing could be promised: the order waits for stock. */
export function orderBackordered(
  base: EventBase,
  order: Order & { status: 'BACKORDERED' },
  previousStatus: OrderStatus,
  summary: AllocationSummary,
): OrderBackordered {
  return {
    ...base,
    type: 'OrderBackordered',
    version: EVENT_CATALOG.OrderBackordered.version,
    orderId: order.orderId,
    channel: order.channel,
    data: { orderId: order.orderId, status: order.status, previousStatus, ...summary },
  };
}
