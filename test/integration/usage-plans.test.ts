import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiClient, sharedStack, startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  // A stack of its own, from a config with tiny per-channel limits: the limits come from the template.
  stack = await startTestStack({
    stack: sharedStack('test/fixtures/throttled.config.json'),
  });
});
afterAll(async () => {
  await stack?.close();
});

test('a channel over its usage-plan burst gets 429 problem+json; other channels are unaffected', async () => {
  const tiny = apiClient(stack.api, stack.runtime.keyFor('tiny'));
  // Tokens are taken when a request arrives, so a concurrent burst of 6 against burst 2 throttles 4.
  const responses = await Promise.all(Array.from({ length: 6 }, () => tiny('GET', '/orders')));
  const statuses = responses.map((r) => r.status).sort();
  expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
  const throttled = responses.find((r) => r.status === 429)!;
  expect(throttled.headers.get('content-type')).toBe('application/problem+json');
  expect((throttled.body as { title: string }).title).toBe('Too many requests');

  const web = apiClient(stack.api, stack.runtime.keyFor('web'));
  expect((await web('GET', '/orders')).status).toBe(200);
});

test('a channel over its daily quota gets 429 (quota exceeded)', async () => {
  const capped = apiClient(stack.api, stack.runtime.keyFor('capped'));
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await capped('GET', '/orders')).status);
  expect(statuses).toEqual([200, 200, 200, 429, 429]);
  expect(((await capped('GET', '/orders')).body as { title: string }).title).toBe('Quota exceeded');
});
