import { makeGetInventoryNetwork } from '../../shared/usecases/get-inventory-network.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

const getInventoryNetwork = makeGetInventoryNetwork({ inventory, locations });

/** GET /inventory/{sku}: the network view, per location and totals. */
export const handler = apiHandler(async (event) => {
  return json(200, await getInventoryNetwork({ sku: event.pathParameters?.sku ?? '' }));
});
