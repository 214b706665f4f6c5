import { expect, test } from 'vitest';
import { maskPii } from '../../functions/commons/mask-pii.ts';

test('personal fields and email addresses in free text are masked in log objects', () => {
  const line = JSON.stringify(
    {
      order: {
        customer: { customerId: 'c-1', email: 'ada@example.com', phone: '+44 20 7946 0958', name: 'Ada' },
        delivery: { address: { line1: '12 Analytical St', city: 'London' } },
      },
      detail: 'customer.email ada@example.com is not valid',
      lineCount: 3,
    },
    maskPii,
  );
  expect(line).not.toMatch(/ada@example\.com|7946|Analytical|"Ada"/);
  expect(line).toContain('"lineCount":3');
});

test('customer id, city, postal code and geo are masked wherever they appear, not only inside an address', () => {
  const line = JSON.stringify(
    {
      customerId: 'cust-ada',
      shipTo: { city: 'Brooklyn', postalCode: '11201', geo: { lat: 40.6943, lon: -73.9903 } },
      problem: { field: 'delivery.address.postalCode', lat: 40.69, lon: -73.99 },
      orderId: 'ord_1',
    },
    maskPii,
  );
  expect(line).not.toMatch(/cust-ada|Brooklyn|11201|40\.69|73\.99/);
  expect(line).toContain('"orderId":"ord_1"');
  // A field path naming a personal field is not itself personal data.
  expect(line).toContain('"field":"delivery.address.postalCode"');
});
