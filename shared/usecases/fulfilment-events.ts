import type { Order } from '../domain/order.ts';
import type { Shipment } from '../domain/shipment.ts';
import { type CatalogEvent, type DetailType, EVENT_CATALOG, type EventData } from '../events/catalog.ts';

export interface EventBase {
  eventId: string;
  occurredAt: string;
  correlationId: string;
}

/** A catalog event of `type` about `order` (the builders' shape, typed by the catalog). */
export function orderEvent<T extends DetailType>(
  type: T,
  base: EventBase,
  order: Pick<Order, 'orderId' | 'channel'>,
  data: EventData<T>,
): CatalogEvent<T> {
  return {
    ...base,
    type,
    version: EVENT_CATALOG[type].version,
    orderId: order.orderId,
    channel: order.channel,
    data,
  } as CatalogEvent<T>;
}

const describe = (order: Order) => {
  const byLine = new Map(order.lines.map((l) => [l.lineId, l]));
  return (line: Shipment['lines'][number]) => {
    const description = byLine.get(line.lineId)?.description;
    return { ...line, ...(description === undefined ? {} : { description }) };
  };
};

/** ShipmentRequested (own locations) or DropShipRequested (vendors) for a new shipment. */
export function shipmentRequestEvent(
  base: EventBase,
  order: Order,
  shipment: Shipment,
  slaDeadline: string,
): CatalogEvent<'ShipmentRequested' | 'DropShipRequested'> {
  const lines = shipment.lines.map(describe(order));
  const delivery = order.delivery;
  if (shipment.kind === 'drop-ship') {
    if (delivery.method !== 'ship') throw new Error('drop-ship needs a ship-to address');
    return orderEvent('DropShipRequested', base, order, {
      purchaseOrderId: shipment.shipmentId,
      orderId: order.orderId,
      vendorId: shipment.locationId,
      lines,
      shipTo: delivery.address,
      serviceLevel: delivery.service,
      slaDeadline,
      ...promiseOf(order, shipment),
    });
  }
  const ids = { shipmentId: shipment.shipmentId, orderId: order.orderId, locationId: shipment.locationId };
  if (shipment.kind === 'pickup' && delivery.method === 'pickup') {
    return orderEvent('ShipmentRequested', base, order, {
      ...ids,
      kind: 'pickup',
      lines,
      slaDeadline,
      ...(delivery.contact === undefined ? {} : { pickupContact: delivery.contact }),
    });
  }
  if (shipment.kind === 'transfer' && shipment.toLocationId !== undefined) {
    return orderEvent('ShipmentRequested', base, order, {
      ...ids,
      kind: 'transfer',
      lines,
      slaDeadline,
      toLocationId: shipment.toLocationId,
      serviceLevel: 'standard',
    });
  }
  if (delivery.method !== 'ship') throw new Error(`a ${shipment.kind} shipment of a pickup order`);
  return orderEvent('ShipmentRequested', base, order, {
    ...ids,
    kind: 'ship',
    lines,
    slaDeadline,
    shipTo: delivery.address,
    serviceLevel: delivery.service,
    ...promiseOf(order, shipment),
  });
}

/** The shipment's ship-by and the order's promised delivery date, when there is a promise. */
function promiseOf(order: Order, shipment: Shipment): { shipBy?: string; promisedBy?: string } {
  return {
    ...(shipment.shipBy === undefined ? {} : { shipBy: shipment.shipBy }),
    ...(order.promisedBy === undefined ? {} : { promisedBy: order.promisedBy }),
  };
}

interface ReleasedShipment {
  shipmentId: string;
  locationId: string;
  kind: Shipment['kind'];
  lines: { lineId: string; sku: string; quantity: number }[];
}

/**
 * OrderReleased for a sourcing round: `released` (the shipment whose request moved the order to
 * RELEASED, with its units as requested) and the rest of the round's plan; own-location shipments
 * and drop-ship purchase orders listed apart.
 */
export function orderReleasedEvent(
  base: EventBase,
  order: Order,
  released: ReleasedShipment,
  round: readonly ReleasedShipment[] = [],
): CatalogEvent<'OrderReleased'> {
  const all = [released, ...round.filter((s) => s.shipmentId !== released.shipmentId)];
  const lines = (s: ReleasedShipment) =>
    s.lines.map(({ lineId, sku, quantity }) => ({ lineId, sku, quantity }));
  const shipments: EventData<'OrderReleased'>['shipments'] = [];
  const dropShips: EventData<'OrderReleased'>['dropShips'] = [];
  for (const s of all) {
    if (s.lines.length === 0) continue;
    if (s.kind === 'drop-ship') {
      dropShips.push({ purchaseOrderId: s.shipmentId, vendorId: s.locationId, lines: lines(s) });
    } else {
      shipments.push({ shipmentId: s.shipmentId, locationId: s.locationId, kind: s.kind, lines: lines(s) });
    }
  }
  return orderEvent('OrderReleased', base, order, { orderId: order.orderId, shipments, dropShips });
}
