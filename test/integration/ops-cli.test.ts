import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedDemoInventory } from '../../local/demo/demo-inventory.ts';
import { apiClient, demoOrder, startTestStack, type TestStack } from '../support/local-stack.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'cli/quartermaster.ts');

let stack: TestStack;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child process, as `npm run oms --` would. */
function oms(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(TSX, [CLI, ...args], { env: { ...env, ...extraEnv }, cwd: ROOT }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}
const json = (run: Run) => JSON.parse(run.stdout) as Record<string, unknown>;

let orderId: string;
beforeAll(async () => {
  stack = await startTestStack({ eventFanout: { partners: {} } });
  await seedDemoInventory(stack.api, (c) => stack.runtime.keyFor(c));
  env = { ...process.env, QM_API_URL: stack.api, QM_API_KEY: stack.runtime.keyFor('ops') };
  const web = apiClient(stack.api, stack.runtime.keyFor('web'));
  const created = await web('POST', '/orders', demoOrder(), { idempotencyKey: `cli-${Date.now()}` });
  orderId = (created.body as { orderId: string }).orderId;
});
afterAll(async () => {
  await stack?.close();
});

describe('orders', () => {
  test('orders list --json has the order; the table has a header and the id', async () => {
    const listed = await oms(['orders', 'list', '--channel', 'web', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.stringify(json(listed))).toContain(orderId);
    const table = await oms(['orders', 'list', '--channel', 'web']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^orderId\s+channel\s+status/);
    expect(table.stdout).toContain(orderId);
  });

  test('orders show, then cancel with a reason', async () => {
    const shown = await oms(['orders', 'show', orderId, '--json']);
    expect(shown.code).toBe(0);
    expect(json(shown).orderId).toBe(orderId);
    const cancelled = await oms(['orders', 'cancel', orderId, '--reason', 'customer-request', '--json']);
    expect(cancelled.code).toBe(0);
    expect(json(cancelled).status).toBe('CANCELLED');
  });

  test('an API error prints the problem detail and exits 1', async () => {
    const unfiltered = await oms(['orders', 'list']);
    expect(unfiltered.code).toBe(1);
    expect(unfiltered.stderr).toMatch(/^Error 400: .*\n\s+query: admin listing needs one of/);
    const missing = await oms(['orders', 'show', '01ARZ3NDEKTSV4RRFFQ69G5FAV']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error 404: /);
    const invalid = await oms(['orders', 'cancel', orderId, '--reason', 'bored']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/Error 400: .*\n\s+reason: /);
  });

  test('a bad key is refused (403) with a non-zero exit', async () => {
    const refused = await oms(['orders', 'list'], { QM_API_KEY: 'not-a-key' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Error 403');
  });
});

describe('inventory', () => {
  test('show, sync with a sequence (an older one is refused), adjust', async () => {
    const synced = await oms([
      'inventory',
      'sync',
      'MUG-WHT',
      'dc-reno',
      '--on-hand',
      '12',
      '--sequence',
      `${Date.now()}`,
    ]);
    expect(synced.code).toBe(0);
    const stale = await oms(['inventory', 'sync', 'MUG-WHT', 'dc-reno', '--on-hand', '1', '--sequence', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Error 409');
    const adjusted = await oms([
      'inventory',
      'adjust',
      'MUG-WHT',
      'dc-reno',
      '--delta',
      '3',
      '--reason',
      'received',
      '--json',
    ]);
    expect(adjusted.code).toBe(0);
    const shown = await oms(['inventory', 'show', 'MUG-WHT', '--json']);
    expect(shown.code).toBe(0);
    const positions = json(shown).positions as { locationId: string; onHand: number }[];
    expect(positions.find((p) => p.locationId === 'dc-reno')?.onHand).toBe(15);
  });

  test('seed from a file prints progress and a summary; a bad row fails the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qm-cli-'));
    const file = join(dir, 'seed.json');
    writeFileSync(
      file,
      JSON.stringify([
        { sku: 'HOODIE-GRY-L', locationId: 'dc-newark', onHand: 7 },
        { sku: 'SNEAKER-WHT-42', locationId: 'dc-reno', onHand: 4, safetyStock: 1 },
      ]),
    );
    const seeded = await oms(['inventory', 'seed', file]);
    expect(seeded.code).toBe(0);
    expect(seeded.stderr).toContain('Seeding 1/2: HOODIE-GRY-L at dc-newark');
    expect(seeded.stderr).toContain('Seeding 2/2');
    expect(seeded.stdout).toContain('Seeded 2 of 2 positions');

    writeFileSync(file, JSON.stringify([{ sku: 'HOODIE-GRY-L', locationId: 'dc-newark', onHand: -1 }]));
    const bad = await oms(['inventory', 'seed', file, '--json']);
    expect(bad.code).toBe(1);
    expect(json(bad)).toMatchObject({ seeded: 0, failed: 1 });
  });
});

describe('executions, DLQs, replay', () => {
  test('executions list answers from the ops API', async () => {
    const listed = await oms(['executions', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(typeof json(listed)).toBe('object');
  });

  test('locally, dlq list shows the dead-letter queues and their depth', async () => {
    const listed = await oms(['dlq', 'list', '--json']);
    expect(listed.code).toBe(0);
    const queues = (json(listed) as { queues: { name: string; depth: number; deadLetterQueue: boolean }[] })
      .queues;
    expect(queues.some((q) => q.deadLetterQueue)).toBe(true);
    const table = await oms(['dlq', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^name\s+depth\s+deadLetterQueue/);
  });

  test('locally, events replay re-publishes an archive window; a bad window is a usage error', async () => {
    const archives = (await (
      await fetch(`${stack.runtime.url}/_local/archives`, {
        headers: { 'x-api-key': stack.runtime.keyFor('ops') },
      })
    ).json()) as {
      archives: { name: string }[];
    };
    const archive = archives.archives[0]?.name;
    expect(archive).toBeDefined();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const replay = await oms([
      'events',
      'replay',
      '--archive',
      archive!,
      '--from',
      from,
      '--to',
      to,
      '--json',
    ]);
    expect(replay.code, replay.stderr).toBe(0);
    const backwards = await oms(['events', 'replay', '--archive', archive!, '--from', to, '--to', from]);
    expect(backwards.code).not.toBe(0);
  });

  test('against a deployed stack, redrive and replay print the AWS CLI calls', async () => {
    const remote = { QM_API_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1', QM_API_KEY: 'k' };
    const redrive = await oms(['dlq', 'redrive', 'Quartermaster-PublisherDlq'], remote);
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain('aws sqs start-message-move-task');
    const replay = await oms(
      [
        'events',
        'replay',
        '--archive',
        'qm-archive',
        '--from',
        '2025-01-01T00:00:00Z',
        '--to',
        '2025-01-02T00:00:00Z',
      ],
      remote,
    );
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('aws events start-replay');
    expect(replay.stdout).toContain('--event-start-time 2025-01-01T00:00:00.000Z');
  });
});

describe('usage', () => {
  test('unknown command and missing arguments exit 2 with the usage', async () => {
    const unknown = await oms(['orders', 'explode']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage: quartermaster');
    const missing = await oms(['orders', 'cancel', orderId]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Missing --reason');
  });

  test('an unreachable API exits 3 and says where it looked', async () => {
    const down = await oms(['orders', 'list'], { QM_API_URL: 'http://127.0.0.1:9/v1' });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('Cannot reach http://127.0.0.1:9/v1/orders');
  });
});
