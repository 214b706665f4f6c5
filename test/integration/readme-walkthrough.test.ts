import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../../infra/template-metadata.ts';
import { startTestStack, type TestStack } from '../support/local-stack.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

/** The README's walkthrough block, exactly as written, with only the local URL's port changed. */
function walkthrough(apiUrl: string): string {
  const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
  const block = /<!-- walkthrough:start -->\s*```bash\n([\s\S]*?)```\s*<!-- walkthrough:end -->/.exec(
    readme,
  )?.[1];
  if (!block) throw new Error('README walkthrough block not found');
  expect(block).toContain('http://127.0.0.1:3000/v1');
  return block.replaceAll('http://127.0.0.1:3000/v1', apiUrl);
}

test('the README curl walkthrough works verbatim against the local runtime', async () => {
  expect(stack.runtime.keyFor('web')).toBe('quartermaster-web-local-key');
  const script = walkthrough(stack.api);
  const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], {
    timeout: 60_000,
  });
  expect(stdout).toMatch(/HTTP\/1\.1 201/);
  expect(stdout).toMatch(/HTTP\/1\.1 200/);
  expect(stdout).toMatch(/idempotent-replayed: true/i);
  expect(stdout).toMatch(/"history":\[\{[^\]]*"to":"CREATED"/);
  expect(stdout).toContain('"customerId":"cust-42"');
  expect(stdout).toContain('"field":"currency"');
  expect(stdout).toContain('"field":"customer"');
  expect(stdout).toContain('"status":"CANCELLED"');
  expect(stdout.trimEnd().endsWith('403')).toBe(true);
});
