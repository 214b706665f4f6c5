/**
 * Fields that hold personal data in orders (customers, addresses, pickup contacts), masked wherever
 * they appear: a city, postal code or position identifies a household, and the customer id joins a
 * log line to the person.
 */
const PII_KEYS = new Set([
  'email',
  'phone',
  'name',
  'line1',
  'line2',
  'street',
  'address',
  'contact',
  'city',
  'postalCode',
  'postcode',
  'zip',
  'geo',
  'lat',
  'lon',
  'latitude',
  'longitude',
  'customerId',
]);

/**
 * JSON replacer for the Logger: whatever object a log call passes, personal data is masked before the
 * line is written. Handlers do not log payloads; this is the guard for when someone does.
 */
export function maskPii(key: string, value: unknown): unknown {
  if (PII_KEYS.has(key) && value !== null && value !== undefined) {
    return typeof value === 'object' ? '[masked object]' : '[masked]';
  }
  if (typeof value === 'string') {
    // Free text (error messages, details) can quote an email address.
    return value.replace(/[^\s@"'<>]+@[^\s@"'<>]+\.[a-z]{2,}/gi, '[masked email]');
  }
  return value;
}
