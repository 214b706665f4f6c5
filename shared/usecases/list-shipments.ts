import { z } from 'zod';
import { type Caller, canSeeChannel, hasScope, requireScope } from '../domain/caller.ts';
import { forbidden, notFound, validationError } from '../domain/errors.ts';
import { LocationIdSchema, OrderIdSchema } from '../domain/order.ts';
import { publicShipment } from '../domain/shipment.ts';
import { parseOrThrow } from '../domain/validation.ts';
import { InvalidCursorError, type OrderRepository, type Page } from '../ports/order-repository.ts';
import type { ShipmentRepository } from '../ports/shipment-repository.ts';

const limit = z.coerce.number().int().min(1).max(100).default(20);
const cursor = z.string().min(1).max(2048).optional();

export const ListOrderShipmentsQuerySchema = z.strictObject({ limit, cursor });

/** Statuses a listing can ask for: `open` = REQUESTED or ACCEPTED, the location still has to ship. */
export const SHIPMENT_LISTING_STATUSES = ['open'] as const;

export const ListOpenShipmentsQuerySchema = z.strictObject({
  status: z.enum(SHIPMENT_LISTING_STATUSES).default('open'),
  locationId: LocationIdSchema.optional(),
  limit,
  cursor,
});

type ShipmentView = ReturnType<typeof publicShipment>;

async function withCursorChecked<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InvalidCursorError) {
      throw validationError('The cursor is not valid', [
        { pointer: '', field: 'query:cursor', message: 'is not a cursor returned by this listing' },
      ]);
    }
    throw error;
  }
}

/**
 * `GET /orders/{orderId}/shipments`: an order's shipments, cursor-paginated. The channel that owns
 * the order (and admin keys) see all of them; a fulfilment partner sees only those released to its
 * locations, and an order with none of them reads as 404 (a partner learns nothing of other
 * partners' orders). Task tokens and processed event ids never leave the system.
 */
export function makeListOrderShipments(deps: {
  orders: OrderRepository;
  shipments: Pick<ShipmentRepository, 'pageByOrder'>;
}) {
  return async function listOrderShipments(input: {
    caller: Caller;
    orderId: string;
    query: unknown;
  }): Promise<Page<ShipmentView>> {
    const { caller } = input;
    if (!hasScope(caller, 'orders') && !hasScope(caller, 'fulfillment')) requireScope(caller, 'orders');
    const q = parseOrThrow(ListOrderShipmentsQuerySchema, input.query ?? {}, 'query');
    if (!OrderIdSchema.safeParse(input.orderId).success) throw notFound('Order', input.orderId);
    const order = await deps.orders.get(input.orderId);
    if (!order) throw notFound('Order', input.orderId);
    const ownsOrder = caller.admin || (hasScope(caller, 'orders') && canSeeChannel(caller, order.channel));
    if (!ownsOrder && !hasScope(caller, 'fulfillment')) throw notFound('Order', input.orderId);
    const page = await withCursorChecked(() =>
      deps.shipments.pageByOrder(order.orderId, {
        limit: q.limit,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(ownsOrder ? {} : { locationIds: caller.locationIds ?? [] }),
      }),
    );
    // A partner with nothing of this order: as if it did not exist (only the first page can tell).
    if (!ownsOrder && q.cursor === undefined && page.items.length === 0 && page.nextCursor === undefined) {
      throw notFound('Order', input.orderId);
    }
    return { items: page.items.map(publicShipment), ...pick(page) };
  };
}

/**
 * `GET /fulfillments?status=open`: the shipments a partner still has to ship (REQUESTED or
 * ACCEPTED) at its locations, oldest request first, cursor-paginated: what a partner that missed
 * ShipmentRequested webhooks works through to catch up. `locationId` narrows to one of the key's
 * locations; admin keys must name the location.
 */
export function makeListOpenShipments(deps: { shipments: Pick<ShipmentRepository, 'pageOpenAt'> }) {
  return async function listOpenShipments(input: {
    caller: Caller;
    query: unknown;
  }): Promise<Page<ShipmentView>> {
    const { caller } = input;
    requireScope(caller, 'fulfillment');
    const q = parseOrThrow(ListOpenShipmentsQuerySchema, input.query ?? {}, 'query');
    let locationIds: readonly string[];
    if (q.locationId !== undefined) {
      if (!caller.admin && !(caller.locationIds ?? []).includes(q.locationId)) {
        throw forbidden(`The API key of ${caller.channel} cannot act for location ${q.locationId}`);
      }
      locationIds = [q.locationId];
    } else if (caller.admin) {
      throw validationError('Say which location to list', [
        { pointer: '', field: 'query:locationId', message: 'is required with an admin key' },
      ]);
    } else locationIds = caller.locationIds ?? [];
    if (locationIds.length === 0) return { items: [] };
    const page = await withCursorChecked(() =>
      deps.shipments.pageOpenAt(locationIds, {
        limit: q.limit,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      }),
    );
    return { items: page.items.map(publicShipment), ...pick(page) };
  };
}

const pick = (page: Page<unknown>) => (page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor });
