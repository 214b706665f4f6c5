import { makeHoldInventory } from '../../shared/usecases/hold-inventory.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { channelKeys, clock, ids } from '../commons/orders.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';
import { callerFromEvent, readJsonBody } from '../http/request.ts';

const holdInventory = makeHoldInventory({ inventory, locations, clock, ids });

/** POST /reservations: a cart-time soft hold with a TTL. */
export const handler = apiHandler(async (event) => {
  const { hold, created } = await holdInventory({
    caller: callerFromEvent(event, channelKeys),
    body: readJsonBody(event),
  });
  return json(created ? 201 : 200, hold);
});
