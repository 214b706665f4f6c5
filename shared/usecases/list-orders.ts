import { z } from 'zod';
import type { Caller } from '../domain/caller.ts';
import { forbidden, validationError } from '../domain/errors.ts';
import type { Order } from '../domain/order.ts';
import { ORDER_STATUSES } from '../domain/order-status.ts';
import { parseOrThrow } from '../domain/validation.ts';
import {
  InvalidCursorError,
  type OrderListQuery,
  type OrderRepository,
  type Page,
} from '../ports/order-repository.ts';

export const ListOrdersQuerySchema = z
  .strictObject({
    customerId: z.string().min(1).max(128).optional(),
    status: z.enum(ORDER_STATUSES).optional(),
    channel: z.string().min(1).max(64).optional(),
    createdFrom: z.iso.datetime('must be an ISO-8601 UTC timestamp').optional(),
    createdTo: z.iso.datetime('must be an ISO-8601 UTC timestamp').optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .refine((q) => [q.customerId, q.status, q.channel].filter((v) => v !== undefined).length <= 1, {
    message: 'use at most one of customerId, status, channel',
    path: ['customerId'],
  });

/**
 * Lists orders by customer, status or channel, newest first, with an opaque cursor. A channel sees
 * only its own orders; an admin key must say which slice it wants.
 */
export function makeListOrders(deps: { orders: OrderRepository }) {
  return async function listOrders(input: { caller: Caller; query: unknown }): Promise<Page<Order>> {
    const q = parseOrThrow(ListOrdersQuerySchema, input.query ?? {}, 'query');
    const { caller } = input;
    if (q.channel !== undefined && !caller.admin && q.channel !== caller.channel) {
      throw forbidden(
        `This API key belongs to channel ${caller.channel} and cannot list channel ${q.channel}`,
      );
    }
    let query: OrderListQuery;
    if (q.customerId !== undefined) query = { by: 'customer', customerId: q.customerId };
    else if (q.status !== undefined) query = { by: 'status', status: q.status };
    else if (q.channel !== undefined) query = { by: 'channel', channel: q.channel };
    else if (!caller.admin) query = { by: 'channel', channel: caller.channel };
    else
      throw validationError('Say which orders to list', [
        { pointer: '', field: 'query', message: 'admin listing needs one of customerId, status, channel' },
      ]);
    try {
      return await deps.orders.list(query, {
        limit: q.limit,
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        ...(caller.admin ? {} : { onlyChannel: caller.channel }),
        ...(q.createdFrom === undefined ? {} : { createdFrom: q.createdFrom }),
        ...(q.createdTo === undefined ? {} : { createdTo: q.createdTo }),
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw validationError('The cursor is not valid', [
          { pointer: '', field: 'query:cursor', message: 'is not a cursor returned by this listing' },
        ]);
      }
      throw error;
    }
  };
}
