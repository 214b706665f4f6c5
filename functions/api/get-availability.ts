import { systemClock } from '../../shared/ports/clock.ts';
import { makeGetAvailability } from '../../shared/usecases/get-availability.ts';
import { inventory, locations } from '../commons/inventory.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

const getAvailability = makeGetAvailability({ inventory, locations, clock: systemClock });

/** `sku` may repeat (`?sku=A&sku=B`) as well as be comma-separated; the use case validates the rest. */
function availabilityQuery(event: Parameters<Parameters<typeof apiHandler>[0]>[0]) {
  const multi = event.multiValueQueryStringParameters ?? {};
  const single = event.queryStringParameters ?? {};
  const skus = multi.sku ?? (single.sku === undefined ? [] : [single.sku]);
  return skus.length ? { ...single, sku: skus.join(',') } : single;
}

/** GET /availability?sku=..&lat=&lon=|postalCode=[&country=&quantity=&serviceLevel=]: what a storefront shows. */
export const handler = apiHandler(async (event) => {
  return json(200, await getAvailability({ query: availabilityQuery(event) }));
});
