import type { z } from 'zod';
import type { Location } from '../../shared/domain/location.ts';
import type { PlaceOrderRequestSchema } from '../../shared/domain/order.ts';

/** An active shipping warehouse on the equator; tests override what their case is about. */
export function testLocation(locationId: string, overrides: Partial<Location> = {}): Location {
  return {
    locationId,
    name: `Location ${locationId}`,
    type: 'warehouse',
    geo: { lat: 0, lon: 1 },
    capabilities: ['ship'],
    dailyShipmentCapacity: 1000,
    shipmentFixedCost: 500,
    unitHandlingCost: 100,
    status: 'active',
    transferToStores: false,
    ...overrides,
  };
}

/** A place-order body shipping the given lines (at 19.99 EUR a unit) to a customer in Germany. */
export function shipToGermanyBody(
  lines: readonly { sku: string; quantity: number }[],
): z.input<typeof PlaceOrderRequestSchema> {
  return {
    customer: { customerId: 'c-1' },
    currency: 'EUR',
    lines: lines.map((line) => ({ ...line, unitPrice: 1999 })),
    delivery: {
      method: 'ship',
      address: {
        name: 'A Customer',
        line1: '1 Main St',
        city: 'Somewhere',
        postalCode: '10115',
        country: 'DE',
        geo: { lat: 50, lon: 10.5 },
      },
    },
  };
}
