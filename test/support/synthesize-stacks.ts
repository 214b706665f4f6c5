import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthesizeStack } from '../../local/template/synthesize.ts';
import { SHARED_STACK_CONFIGS } from './shared-stack-configs.ts';

/**
 * Run by test/global-setup.ts as a child process (so DynamoDB Local's JVM boots on the other core
 * meanwhile): synthesizes the default config and each of SHARED_STACK_CONFIGS into `<dir>`, loading
 * the CDK once, and prints `{ stackFile, fixtureStackFiles }` as JSON.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: synthesize-stacks.ts <output directory>');
const stackFile = join(dir, 'stack.json');
writeFileSync(stackFile, JSON.stringify(synthesizeStack()));
const fixtureStackFiles: Record<string, string> = {};
for (const [i, configFile] of SHARED_STACK_CONFIGS.entries()) {
  const file = join(dir, `fixture-${i}.json`);
  writeFileSync(file, JSON.stringify(synthesizeStack({ configFile })));
  fixtureStackFiles[configFile] = file;
}
process.stdout.write(JSON.stringify({ stackFile, fixtureStackFiles }));
