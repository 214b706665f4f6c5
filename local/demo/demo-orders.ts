import { type RetryOptions, sendRetrying } from './send-retrying.ts';

/** Demo orders seeded by `npm start`, through the real API; fixed Idempotency-Keys make re-seeding a no-op. */
export const DEMO_ORDERS: { channel: string; idempotencyKey: string; body: Record<string, unknown> }[] = [
  {
    channel: 'web',
    idempotencyKey: 'demo-order-1',
    body: {
      externalId: 'WEB-1001',
      customer: { customerId: 'cust-ada', email: 'ada@example.com', name: 'Ada Lovelace' },
      currency: 'USD',
      lines: [
        { sku: 'TSHIRT-BLK-M', quantity: 2, unitPrice: 1999, description: 'T-shirt, black, M' },
        { sku: 'MUG-WHT', quantity: 1, unitPrice: 1250, description: 'Mug, white' },
      ],
      delivery: {
        method: 'ship',
        service: 'standard',
        address: {
          name: 'Ada Lovelace',
          line1: '12 Analytical St',
          city: 'Brooklyn',
          region: 'NY',
          postalCode: '11201',
          country: 'US',
          geo: { lat: 40.6943, lon: -73.9903 },
        },
      },
      tags: ['first-order'],
    },
  },
  {
    channel: 'marketplace',
    idempotencyKey: 'demo-order-2',
    body: {
      externalId: 'MKT-77812',
      customer: { customerId: 'cust-grace', email: 'grace@example.com' },
      currency: 'USD',
      lines: [{ sku: 'HOODIE-GRY-L', quantity: 1, unitPrice: 5400 }],
      delivery: {
        method: 'ship',
        service: 'express',
        address: {
          name: 'Grace Hopper',
          line1: '1 Compiler Way',
          city: 'Arlington',
          region: 'VA',
          postalCode: '22201',
          country: 'US',
        },
      },
    },
  },
  {
    channel: 'store',
    idempotencyKey: 'demo-order-3',
    body: {
      customer: { customerId: 'cust-alan', name: 'Alan Turing' },
      currency: 'USD',
      lines: [{ sku: 'SNEAKER-WHT-42', quantity: 1, unitPrice: 8900 }],
      delivery: { method: 'pickup', locationId: 'store-nyc-soho', contact: { name: 'Alan Turing' } },
      requestedDeliveryDate: '2026-12-01',
    },
  },
];

export async function seedDemoOrders(
  apiUrl: string,
  keyFor: (channel: string) => string,
  retry: RetryOptions = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (const demo of DEMO_ORDERS) {
    const what = `Seeding ${demo.idempotencyKey}`;
    const response = await sendRetrying(
      what,
      `${apiUrl}/orders`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'x-api-key': keyFor(demo.channel),
          'Idempotency-Key': demo.idempotencyKey,
        },
        body: JSON.stringify(demo.body),
      },
      retry,
    );
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`${what} failed: ${response.status} ${await response.text()}`);
    }
    ids.push(((await response.json()) as { orderId: string }).orderId);
  }
  return ids;
}

/**
 * Allocates the seeded orders (the fulfilment workflow does this on AWS). Repeating an allocation
 * is harmless, so transient failures are retried; an order that cannot be allocated (a 409) stays
 * as it is, as it would on AWS.
 */
export async function allocateDemoOrders(
  apiUrl: string,
  keyFor: (channel: string) => string,
  orderIds: string[],
  retry: RetryOptions = {},
): Promise<void> {
  for (const orderId of orderIds) {
    await sendRetrying(
      `Allocating demo order ${orderId}`,
      `${apiUrl}/orders/${orderId}/allocate`,
      { method: 'POST', headers: { 'x-api-key': keyFor('ops') } },
      retry,
    );
  }
}
