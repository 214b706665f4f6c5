import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../local/dynamodb/dynamodb-local.ts';
import { synthesizeStack } from '../local/template/template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    /** The stack synthesized once for the run, as `{ stackName, template }` JSON. */
    stackFile: string;
  }
}

/**
 * One DynamoDB Local and one synthesized template for the whole run; suites isolate themselves with
 * uniquely prefixed table names (test/support/local-stack.ts).
 */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'qm-test-'));
  const stackFile = join(dir, 'stack.json');
  const [dynamo] = await Promise.all([
    startDynamoDbLocal(),
    (async () => writeFileSync(stackFile, JSON.stringify(synthesizeStack())))(),
  ]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('stackFile', stackFile);
  return async () => {
    await dynamo.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
