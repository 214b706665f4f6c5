import { makeSyncInventory } from '../../shared/usecases/sync-inventory.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { clock } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { readJsonBody } from '../http/request.ts';

const syncInventory = makeSyncInventory({ inventory, locations, clock });

/** PUT /inventory/{sku}/{locationId}: absolute on-hand from a WMS/POS, ordered by sequence. */
export const handler = apiHandler(async (event) => {
  const result = await syncInventory({
    sku: event.pathParameters?.sku ?? '',
    locationId: event.pathParameters?.locationId ?? '',
    body: readJsonBody(event),
  });
  return json(200, result);
});
