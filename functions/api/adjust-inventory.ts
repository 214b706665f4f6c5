import { makeAdjustInventory } from '../../shared/usecases/adjust-inventory.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { clock, ids } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { readJsonBody } from '../http/request.ts';

const adjustInventory = makeAdjustInventory({ inventory, locations, clock, ids });

/** POST /inventory/adjustments: a batch of deltas with reasons, all or nothing. */
export const handler = apiHandler(async (event) => {
  return json(200, await adjustInventory({ body: readJsonBody(event) }));
});
