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
  expect(line).toContain('"customerId":"c-1"');
  expect(line).toContain('"lineCount":3');
});
