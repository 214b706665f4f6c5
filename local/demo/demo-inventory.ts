import { type RetryOptions, sendRetrying } from './send-retrying.ts';

/** Demo network seeded by `npm start` through the real API (PUT is idempotent, syncs are sequenced). */
const location = (
  name: string,
  type: 'warehouse' | 'store' | 'vendor' | 'dark-store',
  lat: number,
  lon: number,
  capabilities: string[],
  costs: { fixed: number; unit: number; capacity: number },
  /** The zone whose calendar day the daily capacity (units) resets on. */
  timeZone = 'America/New_York',
  /** Cut-offs and transit times (docs/inventory.md, "Delivery promise"). */
  deliveryPromise?: Record<string, unknown>,
) => ({
  name,
  type,
  geo: { lat, lon },
  capabilities,
  dailyShipmentCapacity: costs.capacity,
  timeZone,
  shipmentFixedCost: costs.fixed,
  unitHandlingCost: costs.unit,
  status: 'active',
  ...(deliveryPromise === undefined ? {} : { deliveryPromise }),
});

const row = (serviceLevel: string, days: number, postalCodePrefix?: string) => ({
  serviceLevel,
  country: 'US',
  ...(postalCodePrefix === undefined ? {} : { postalCodePrefix }),
  days,
});

export const DEMO_LOCATIONS: Record<string, ReturnType<typeof location>> = {
  'dc-newark': location(
    'Newark DC',
    'warehouse',
    40.7357,
    -74.1724,
    ['ship', 'returns'],
    { fixed: 350, unit: 40, capacity: 5000 },
    'America/New_York',
    {
      cutoffs: { standard: '17:00', express: '15:00', 'next-day': '13:00' },
      // East-coast postcodes (0, 1, 2) are close; the rest of the country is ground.
      transit: [
        row('standard', 5),
        row('standard', 2, '0'),
        row('standard', 2, '1'),
        row('standard', 3, '2'),
        row('express', 2),
        row('next-day', 1, '0'),
        row('next-day', 1, '1'),
      ],
    },
  ),
  'dc-reno': location(
    'Reno DC',
    'warehouse',
    39.5296,
    -119.8138,
    ['ship', 'returns'],
    {
      fixed: 300,
      unit: 35,
      capacity: 8000,
    },
    'America/Los_Angeles',
    {
      cutoffs: { standard: '16:00', express: '14:00', 'next-day': '12:00' },
      transit: [
        row('standard', 5),
        row('standard', 2, '8'),
        row('standard', 2, '9'),
        row('express', 2),
        row('next-day', 1, '89'),
        row('next-day', 1, '9'),
      ],
    },
  ),
  'store-nyc-soho': location(
    'SoHo store',
    'store',
    40.7233,
    -74.003,
    ['pickup', 'ship-from-store', 'returns'],
    {
      fixed: 600,
      unit: 90,
      capacity: 40,
    },
    'America/New_York',
    {
      // A store ships seven days a week, by courier within the city.
      cutoffs: { standard: '15:00', 'next-day': '12:00' },
      shipsOnWeekends: true,
      transit: [row('standard', 4)],
      distanceBands: [
        { serviceLevel: 'standard', maxKm: 30, days: 1 },
        { serviceLevel: 'next-day', maxKm: 30, days: 1 },
      ],
    },
  ),
  'vendor-acme': location(
    'Acme (drop-ship)',
    'vendor',
    41.8781,
    -87.6298,
    ['ship'],
    {
      fixed: 500,
      unit: 0,
      capacity: 1000,
    },
    'America/Chicago',
    // The vendor needs a day to pick from its own stock and ships standard only.
    { cutoffs: { standard: '14:00' }, handlingDays: 1, transit: [row('standard', 4)] },
  ),
};

/** sku → location → on hand */
export const DEMO_STOCK: Record<string, Record<string, number>> = {
  'TSHIRT-BLK-M': { 'dc-newark': 120, 'dc-reno': 300, 'store-nyc-soho': 6 },
  'MUG-WHT': { 'dc-newark': 40, 'dc-reno': 0 },
  'HOODIE-GRY-L': { 'dc-reno': 25, 'store-nyc-soho': 2 },
  'SNEAKER-WHT-42': { 'store-nyc-soho': 3, 'dc-newark': 10 },
  'DESK-OAK': { 'vendor-acme': 50 },
};

async function send(url: string, key: string, method: string, body: unknown, retry: RetryOptions) {
  const what = `${method} ${url}`;
  const response = await sendRetrying(
    what,
    url,
    { method, headers: { 'Content-Type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) },
    retry,
  );
  // 409: an older-or-equal sequence, i.e. this was seeded before (or by an attempt that did get through).
  if (response.status >= 300 && response.status !== 409) {
    throw new Error(`${what} failed: ${response.status} ${await response.text()}`);
  }
  return response;
}

export async function seedDemoInventory(
  apiUrl: string,
  keyFor: (channel: string) => string,
  retry: RetryOptions = {},
): Promise<void> {
  for (const [id, body] of Object.entries(DEMO_LOCATIONS)) {
    await send(`${apiUrl}/locations/${id}`, keyFor('ops'), 'PUT', body, retry);
  }
  for (const [sku, byLocation] of Object.entries(DEMO_STOCK)) {
    for (const [locationId, onHand] of Object.entries(byLocation)) {
      // Sequence 1: a restart re-sends it and gets 409 (older or equal sequence), leaving live stock alone.
      await send(
        `${apiUrl}/inventory/${sku}/${locationId}`,
        keyFor('wms'),
        'PUT',
        { onHand, sequence: 1 },
        retry,
      );
    }
  }
}
