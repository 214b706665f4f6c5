import { z } from 'zod';

/**
 * ISO 4217 currencies accepted at capture, with their minor-unit exponent. Amounts are always
 * integers in minor units (cents, pence, yen), so there is no floating point anywhere in money.
 */
export const CURRENCY_MINOR_UNITS = {
  AED: 2,
  AUD: 2,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  MXN: 2,
  MYR: 2,
  NOK: 2,
  NZD: 2,
  PLN: 2,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TRY: 2,
  TWD: 2,
  USD: 2,
  ZAR: 2,
} as const;

export type CurrencyCode = keyof typeof CURRENCY_MINOR_UNITS;
export const CURRENCY_CODES = Object.keys(CURRENCY_MINOR_UNITS) as [CurrencyCode, ...CurrencyCode[]];

export const CurrencySchema = z.enum(CURRENCY_CODES, {
  error: () => `must be a supported ISO 4217 currency code (${CURRENCY_CODES.join(', ')})`,
});

/** Largest amount accepted for one price (10^12 minor units) so that totals stay exact integers. */
export const MAX_MINOR_UNITS = 1_000_000_000_000;

export const MinorUnitsSchema = z
  .number({ error: 'must be a number of minor units (an integer, e.g. 1999 for 19.99)' })
  .int('must be an integer number of minor units (e.g. 1999 for 19.99)')
  .nonnegative('must not be negative')
  .max(MAX_MINOR_UNITS, `must be at most ${MAX_MINOR_UNITS}`);

export function multiplyMinorUnits(unitPrice: number, quantity: number): number {
  const total = unitPrice * quantity;
  if (!Number.isSafeInteger(total)) throw new RangeError('amount exceeds the safe integer range');
  return total;
}
