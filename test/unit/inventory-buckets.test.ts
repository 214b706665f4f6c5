import { describe, expect, it } from 'vitest';
import {
  bucketConfigFromEnv,
  configuredBuckets,
  distributeOnHand,
  pickBuckets,
  reservationBuckets,
  spreadDelta,
  takeFrom,
} from '../../shared/adapters/aws/inventory-buckets.ts';

const bucket = (index: number, onHand: number, reserved = 0, safetyStock = 0) => ({
  index,
  onHand,
  reserved,
  safetyStock,
});

describe('inventory bucket arithmetic', () => {
  it('spreads on hand around what each bucket has reserved, filling in order when short', () => {
    expect(distributeOnHand(10, [0, 0, 0], [0, 0, 0])).toEqual([4, 3, 3]);
    expect(distributeOnHand(10, [5, 0, 1], [1, 0, 0])).toEqual([7, 1, 2]);
    expect(distributeOnHand(4, [3, 3], [0, 0])).toEqual([3, 1]);
  });

  it('picks buckets from the starting one, splitting when one cannot cover', () => {
    const buckets = [bucket(0, 5, 4), bucket(1, 3), bucket(2, 6, 1, 1)];
    expect(pickBuckets(buckets, 2, 1)).toEqual(new Map([[1, 2]]));
    expect(pickBuckets(buckets, 6, 1)).toEqual(
      new Map([
        [1, 3],
        [2, 3],
      ]),
    );
    expect(pickBuckets(buckets, 9, 2)).toBeUndefined();
  });

  it('adds evenly and removes only units no bucket has reserved', () => {
    const buckets = [bucket(0, 5, 4), bucket(1, 3), bucket(2, 6, 1)];
    expect(spreadDelta(buckets, 4)).toEqual(
      new Map([
        [0, 2],
        [1, 1],
        [2, 1],
      ]),
    );
    expect(spreadDelta(buckets, -7)).toEqual(
      new Map([
        [2, -5],
        [1, -2],
      ]),
    );
    expect(spreadDelta(buckets, -10)).toBeUndefined();
  });

  it('reads per-bucket units of a reservation item; the rest of its quantity is in bucket 0', () => {
    const item = { quantity: 7, bucket_2: 3, bucket_5: 0, bucket_1: 1 };
    expect(reservationBuckets(item)).toEqual(
      new Map([
        [2, 3],
        [1, 1],
        [0, 3],
      ]),
    );
    expect(takeFrom(reservationBuckets(item), 5)).toEqual(
      new Map([
        [2, 3],
        [1, 1],
        [0, 1],
      ]),
    );
  });

  it('reads the configuration from the environment and refuses bad values', () => {
    expect(bucketConfigFromEnv(undefined)).toEqual({});
    expect(configuredBuckets(bucketConfigFromEnv('4'), 'ANY')).toBe(4);
    const config = bucketConfigFromEnv('{"default":2,"skus":{"HOT":16}}');
    expect([configuredBuckets(config, 'HOT'), configuredBuckets(config, 'COLD')]).toEqual([16, 2]);
    expect(() => bucketConfigFromEnv('{"skus":{"HOT":0}}')).toThrow(/skus.HOT/);
    expect(() => bucketConfigFromEnv('99')).toThrow(/1…32/);
  });
});
