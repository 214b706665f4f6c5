import { describe, expect, it } from 'vitest';
import {
  type DeliveryPromiseConfig,
  DeliveryPromiseConfigSchema,
  instantOf,
  locationPromise,
  promiseFrom,
  transitDays,
} from '../../shared/domain/delivery-promise.ts';
import { PutLocationRequestSchema } from '../../shared/domain/location.ts';

const NY = 'America/New_York';
const config = (overrides: Partial<DeliveryPromiseConfig> = {}): DeliveryPromiseConfig =>
  DeliveryPromiseConfigSchema.parse({
    cutoffs: { standard: '15:00', express: '13:00' },
    transit: [
      { serviceLevel: 'standard', country: 'US', days: 3 },
      { serviceLevel: 'express', country: 'US', days: 2 },
    ],
    ...overrides,
  });
const US = { country: 'US', postalCode: '10001' };

describe('delivery promise: cut-off', () => {
  // 2025-06-02 is a Monday; New York is on EDT (UTC-4).
  it('an order before the cut-off ships today; ship-by is the end of the local day', () => {
    const promise = promiseFrom(config(), NY, 'standard', US, new Date('2025-06-02T18:59:00Z'));
    expect(promise).toEqual({
      serviceLevel: 'standard',
      shipDate: '2025-06-02',
      shipBy: '2025-06-03T04:00:00.000Z',
      promisedBy: '2025-06-05',
      transitDays: 3,
    });
  });

  it('an order at or after the cut-off ships the next ship day', () => {
    const promise = promiseFrom(config(), NY, 'standard', US, new Date('2025-06-02T19:00:00Z'));
    expect(promise).toMatchObject({ shipDate: '2025-06-03', promisedBy: '2025-06-06' });
  });

  it('each level has its own cut-off; a level without one is not offered', () => {
    const at = new Date('2025-06-02T17:30:00Z'); // 13:30 in New York
    expect(promiseFrom(config(), NY, 'standard', US, at)?.shipDate).toBe('2025-06-02');
    expect(promiseFrom(config(), NY, 'express', US, at)).toMatchObject({
      shipDate: '2025-06-03',
      promisedBy: '2025-06-05',
    });
    expect(promiseFrom(config(), NY, 'next-day', US, at)).toBeUndefined();
  });

  it('handling days push the ship day by ship days', () => {
    const promise = promiseFrom(
      config({ handlingDays: 2 }),
      NY,
      'standard',
      US,
      new Date('2025-06-05T12:00:00Z'),
    );
    // Thursday before the cut-off + 2 ship days = Monday; + 3 transit days = Thursday.
    expect(promise).toMatchObject({ shipDate: '2025-06-09', promisedBy: '2025-06-12' });
  });
});

describe('delivery promise: time zones', () => {
  it('the cut-off is read on the location clock', () => {
    const at = new Date('2025-06-02T23:30:00Z'); // 19:30 in New York, 16:30 in Los Angeles
    const late = config({ cutoffs: { standard: '17:00' } });
    expect(promiseFrom(late, NY, 'standard', US, at)?.shipDate).toBe('2025-06-03');
    expect(promiseFrom(late, 'America/Los_Angeles', 'standard', US, at)).toMatchObject({
      shipDate: '2025-06-02',
      shipBy: '2025-06-03T07:00:00.000Z',
    });
  });

  it('the local day can differ from the UTC day', () => {
    // 01:00 UTC on Tuesday is still Monday 21:00 in New York: after the cut-off, ships Tuesday.
    expect(promiseFrom(config(), NY, 'standard', US, new Date('2025-06-03T01:00:00Z'))?.shipDate).toBe(
      '2025-06-03',
    );
    // 23:00 UTC on Monday is already Tuesday 07:00 in Berlin: before the cut-off, ships Tuesday.
    expect(
      promiseFrom(config(), 'Europe/Berlin', 'standard', US, new Date('2025-06-02T23:00:00Z'))?.shipDate,
    ).toBe('2025-06-03');
  });

  it('ship-by is local midnight across a daylight-saving change', () => {
    expect(instantOf('2025-03-09', 0, NY).toISOString()).toBe('2025-03-09T05:00:00.000Z');
    expect(instantOf('2025-03-10', 0, NY).toISOString()).toBe('2025-03-10T04:00:00.000Z');
    const sunday = promiseFrom(
      config({ shipsOnWeekends: true }),
      NY,
      'standard',
      US,
      new Date('2025-03-09T15:00:00Z'),
    );
    expect(sunday).toMatchObject({ shipDate: '2025-03-09', shipBy: '2025-03-10T04:00:00.000Z' });
  });
});

describe('delivery promise: weekends', () => {
  const fridayLate = new Date('2025-06-06T20:00:00Z'); // Friday 16:00 in New York

  it('a location that ships on weekdays ships a Friday-evening order on Monday; transit skips the weekend', () => {
    expect(promiseFrom(config(), NY, 'express', US, fridayLate)).toMatchObject({
      shipDate: '2025-06-09',
      promisedBy: '2025-06-11',
    });
    // Placed on Saturday morning, before the cut-off: still Monday.
    expect(promiseFrom(config(), NY, 'express', US, new Date('2025-06-07T12:00:00Z'))?.shipDate).toBe(
      '2025-06-09',
    );
    // Shipped Thursday with 3 business days of transit: delivered Tuesday.
    expect(promiseFrom(config(), NY, 'standard', US, new Date('2025-06-05T12:00:00Z'))?.promisedBy).toBe(
      '2025-06-10',
    );
  });

  it('weekend shipping and weekend carriers count Saturday and Sunday', () => {
    const sevenDays = config({ shipsOnWeekends: true, deliversOnWeekends: true });
    expect(promiseFrom(sevenDays, NY, 'express', US, fridayLate)).toMatchObject({
      shipDate: '2025-06-07',
      promisedBy: '2025-06-09',
    });
  });
});

describe('delivery promise: transit table', () => {
  const table = config({
    transit: [
      { serviceLevel: 'standard', country: 'US', days: 5 },
      { serviceLevel: 'standard', country: 'US', postalCodePrefix: '100', days: 2 },
      { serviceLevel: 'standard', country: 'US', postalCodePrefix: '1000', days: 1 },
      { serviceLevel: 'standard', country: 'GB', postalCodePrefix: 'sw1', days: 1 },
      { serviceLevel: 'express', country: 'US', postalCodePrefix: '10', days: 1 },
    ],
    distanceBands: [
      { serviceLevel: 'standard', maxKm: 1000, days: 3 },
      { serviceLevel: 'standard', maxKm: 200, days: 1 },
    ],
  });

  it('the longest matching postcode prefix wins; a row without prefix covers the country', () => {
    expect(transitDays(table, 'standard', { country: 'US', postalCode: '10001' })).toBe(1);
    expect(transitDays(table, 'standard', { country: 'US', postalCode: '10011' })).toBe(2);
    expect(transitDays(table, 'standard', { country: 'US', postalCode: '94105' })).toBe(5);
    expect(transitDays(table, 'standard', { country: 'US' })).toBe(5);
    expect(transitDays(table, 'standard', { country: 'GB', postalCode: 'SW1A 1AA' })).toBe(1);
    expect(transitDays(table, 'express', { country: 'US', postalCode: '94105' })).toBeUndefined();
  });

  it('distance bands answer when no row matches: the tightest band that covers the distance', () => {
    expect(transitDays(table, 'standard', { country: 'CA', distanceKm: 150 })).toBe(1);
    expect(transitDays(table, 'standard', { country: 'CA', distanceKm: 650 })).toBe(3);
    expect(transitDays(table, 'standard', { country: 'CA', distanceKm: 1500 })).toBeUndefined();
    expect(transitDays(table, 'standard', { country: 'CA' })).toBeUndefined();
  });

  it('a location promises by distance from its own point', () => {
    const location = {
      geo: { lat: 40.7357, lon: -74.1724 },
      timeZone: NY,
      deliveryPromise: config({
        transit: [],
        distanceBands: [{ serviceLevel: 'standard', maxKm: 50, days: 1 }],
      }),
    };
    const at = new Date('2025-06-02T12:00:00Z');
    const near = { country: 'US', geo: { lat: 40.7128, lon: -74.006 } };
    const far = { country: 'US', geo: { lat: 34.0522, lon: -118.2437 } };
    expect(locationPromise(location, 'standard', near, at)?.promisedBy).toBe('2025-06-03');
    expect(locationPromise(location, 'standard', far, at)).toBeUndefined();
    const { deliveryPromise: _d, ...unconfigured } = location;
    expect(locationPromise(unconfigured, 'standard', near, at)).toBeUndefined();
  });
});

describe('delivery promise: configuration', () => {
  const put = (deliveryPromise: unknown) =>
    PutLocationRequestSchema.safeParse({
      name: 'DC',
      type: 'warehouse',
      geo: { lat: 1, lon: 1 },
      capabilities: ['ship'],
      dailyShipmentCapacity: 10,
      shipmentFixedCost: 1,
      unitHandlingCost: 1,
      status: 'active',
      deliveryPromise,
    });

  it('a transit row slower than its level allows is refused, naming the row', () => {
    const result = put({
      cutoffs: { 'next-day': '12:00' },
      transit: [
        { serviceLevel: 'standard', country: 'US', days: 5 },
        { serviceLevel: 'next-day', country: 'US', days: 3 },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['deliveryPromise.transit.1.days', 'must be at most 1 for next-day'],
    ]);
  });

  it('a cut-off must be a local HH:MM time and a level one of the three', () => {
    const result = put({
      cutoffs: { standard: '25:00', sameday: '10:00' },
      transit: [{ serviceLevel: 'overnight', country: 'US', days: 1 }],
    });
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'deliveryPromise.cutoffs',
      'deliveryPromise.cutoffs.standard',
      'deliveryPromise.transit.0.serviceLevel',
    ]);
  });

  it('defaults: no handling days, weekdays only', () => {
    const result = put({ cutoffs: { standard: '16:00' } });
    expect(result.data?.deliveryPromise).toEqual({
      cutoffs: { standard: '16:00' },
      handlingDays: 0,
      shipsOnWeekends: false,
      deliversOnWeekends: false,
      transit: [],
      distanceBands: [],
    });
  });
});
