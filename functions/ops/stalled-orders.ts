import { parseOrThrow } from '../../shared/domain/validation.ts';
import { makeFindStalledOrders, StalledOrdersQuerySchema } from '../../shared/usecases/resume-fulfilment.ts';
import { inventory } from '../commons/inventory.ts';
import { clock, orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { engine } from '../workflow/commons.ts';

const findStalledOrders = makeFindStalledOrders({ orders, inventory, engine, clock });

/** GET /ops/orders/stalled (admin): unsettled orders with no live fulfilment run, and what they reserve. */
export const handler = apiHandler(async (event) => {
  const query = parseOrThrow(StalledOrdersQuerySchema, event.queryStringParameters ?? {}, 'query');
  return json(200, { items: await findStalledOrders(query) });
});
