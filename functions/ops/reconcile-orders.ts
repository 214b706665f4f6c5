import { makeReconcileStalledOrders } from '../../shared/usecases/resume-fulfilment.ts';
import { inventory } from '../commons/inventory.ts';
import { clock, orders } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { readJsonBody } from '../http/request.ts';
import { engine, shipments } from '../workflow/commons.ts';

const reconcile = makeReconcileStalledOrders({ orders, inventory, shipments, engine, clock });

/**
 * POST /ops/orders/reconcile (admin): every stalled order resumed (`action: resume`), its
 * reservations released (`release`), or only reported (`report`, the default); says what it did.
 */
export const handler = apiHandler(async (event) => {
  return json(200, await reconcile(readJsonBody(event, { optional: true })));
});
