import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** The stack synthesized once for the run (default config), as `{ stackName, template }` JSON. */
    stackFile: string;
    /** The same for each config of SHARED_STACK_CONFIGS (test/support/shared-stack-configs.ts). */
    fixtureStackFiles: Record<string, string>;
  }
}

/**
 * One DynamoDB Local and one synthesized template per config for the whole run; suites isolate
 * themselves with uniquely prefixed table names (test/support/local-stack.ts). The templates are
 * synthesized in one child process, loading the CDK (~7 s CPU) once rather than in every suite that
 * needs a fixture config, while DynamoDB Local starts.
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'qm-test-'));
  const [dynamo, synthesized] = await Promise.all([
    startDynamoDbLocal(),
    promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'support/synthesize-stacks.ts'), dir],
      { maxBuffer: 1 << 20 },
    ),
  ]);
  const files = JSON.parse(synthesized.stdout) as {
    stackFile: string;
    fixtureStackFiles: Record<string, string>;
  };
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('stackFile', files.stackFile);
  project.provide('fixtureStackFiles', files.fixtureStackFiles);
  return async () => {
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
