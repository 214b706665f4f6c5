import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../infra/template-metadata.ts';
import { seedDemoInventory } from './demo/demo-inventory.ts';
import { allocateDemoOrders, seedDemoOrders } from './demo/demo-orders.ts';
import { startDynamoDbLocal } from './dynamodb/dynamodb-local.ts';
import { formatLogLine } from './log-format.ts';
import { startLocalRuntime } from './runtime.ts';
import { readTemplateFile } from './template/template.ts';

/**
 * `npm start`: the whole OMS on this machine. DynamoDB Local keeps its data in .local-data/ between
 * runs (`--fresh` wipes it); the API, functions and tables come from the synthesized CDK template.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    // AWS-protocol emulation and /_local: always on 127.0.0.1, whatever --host (default: --port + 1).
    'admin-port': { type: 'string', default: process.env.QM_ADMIN_PORT },
    fresh: { type: 'boolean', default: false },
    'no-seed': { type: 'boolean', default: false },
    template: { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string', default: process.env.QM_LOG_LEVEL ?? 'INFO' },
    'raw-logs': { type: 'boolean', default: false },
    // Event fan-out (outbox → bus → partners) runs by default; --no-events turns it off.
    // --partner id=http://127.0.0.1:4000/webhooks,whsec_… points a partner at a local URL and secret.
    events: { type: 'boolean', default: true },
    'no-events': { type: 'boolean', default: false },
    partner: { type: 'string', multiple: true, default: [] },
  },
});

const dataDir = resolve(REPO_ROOT, '.local-data');
if (values.fresh) rmSync(dataDir, { recursive: true, force: true });

console.log('Starting DynamoDB Local (Java) …');
const dynamo = await startDynamoDbLocal({ dataDir: resolve(dataDir, 'dynamodb') });
console.log(`Synthesizing the CDK app and starting the local runtime …`);
const partners = Object.fromEntries(
  (values.partner ?? []).map((spec) => {
    const match = /^([^=]+)=([^,]+),(.+)$/.exec(spec);
    if (!match) throw new Error(`--partner ${spec}: expected id=url,secret`);
    return [match[1]!, { url: match[2]!, secret: match[3]! }];
  }),
);
const runtime = await startLocalRuntime({
  ...(!values['no-events'] || values.partner?.length ? { eventFanout: { partners } } : {}),
  dynamoEndpoint: dynamo.endpoint,
  schedules: { run: true },
  // Executions and their history survive restarts (GET /ops/executions); --fresh wipes them too.
  stepFunctions: { storeDirectory: resolve(dataDir, 'executions') },
  port: Number(values.port),
  host: values.host,
  adminPort:
    values['admin-port'] !== undefined
      ? Number(values['admin-port'])
      : Number(values.port) === 0
        ? 0
        : Number(values.port) + 1,
  logLevel: values['log-level'],
  ...(values.template ? { stack: readTemplateFile(values.template) } : {}),
  ...(values.config ? { configFile: values.config } : {}),
  logSink: (fn, _stream, line) =>
    console.log(values['raw-logs'] ? `[${fn}] ${line}` : formatLogLine(fn, line)),
});

let seeded: string[] = [];
let seedFailure = '';
if (!values['no-seed']) {
  const keyFor = (c: string) => runtime.keyFor(c);
  // Seeding retries transient failures (QM_FAULTS injects them); one that persists is reported, and the
  // runtime keeps running without the rest of the demo data rather than dying mid-start.
  try {
    await seedDemoInventory(runtime.apiUrl, keyFor);
    seeded = await seedDemoOrders(runtime.apiUrl, keyFor);
    await allocateDemoOrders(runtime.apiUrl, keyFor, seeded);
  } catch (error) {
    seedFailure = (error as Error).message;
    console.error(`!!! Demo data was not fully seeded: ${seedFailure}`);
  }
}

const web = runtime.keyFor('web');

/** Where events go locally, and the ops endpoints for dead-letter queues and replay. */
function eventsBanner(): string {
  const fanout = runtime.fanout;
  if (!fanout)
    return 'Events: fan-out is off (--no-events); outbox records stay unpublished until it runs.\n';
  const buses = fanout.buses.map(
    (b) =>
      `  Bus        ${b.name}: ${b.rules.length} rules${b.archives.length ? `, archive ${b.archives.map((a) => a.name).join(', ')}` : ''}`,
  );
  const dlqs = fanout.queues.filter((q) => fanout.deadLetterQueues.has(q.logicalId)).map((q) => q.name);
  return `Events (outbox → stream publisher → bus → rules):
${buses.join('\n')}
  DLQs       ${dlqs.length ? dlqs.join(', ') : 'none'}
  Queues     GET  ${runtime.url}/_local/queues   (depth, DLQ flag; …/{name}/messages to peek)
  Redrive    POST ${runtime.url}/_local/queues/{name}/redrive
  Replay     POST ${runtime.url}/_local/archives/{name}/replay  {"startTime","endTime","partners":["id"]}
  (/_local answers loopback callers with the ops key in x-api-key only)
`;
}
console.log(`
Quartermaster is running locally.

  API        ${runtime.apiUrl}          (the local twin of the API Gateway stage URL)
  DynamoDB   ${dynamo.endpoint}   (data in .local-data/; npm start -- --fresh to wipe)
  AWS APIs   ${runtime.adminUrl}/_aws/   (Step Functions, EventBridge, SQS emulation; loopback only, never on --host)
  Demo data  ${values['no-seed'] ? 'not seeded (--no-seed)' : seedFailure ? `NOT fully seeded (${seedFailure})` : `${seeded.length} orders (${seeded.join(', ')}), 4 locations, 5 SKUs`}

API keys (header x-api-key), one per sales channel from quartermaster.config.json:
${runtime.apiKeys.map((k) => `  ${k.name.padEnd(28)} ${k.value}`).join('\n')}

Try it:
  export API=${runtime.apiUrl} KEY=${web}
  curl -s -H "x-api-key: $KEY" "$API/orders?limit=5"

${eventsBanner()}
Where this local runtime differs from AWS:
${runtime.warnings.map((w) => `  ! ${w}`).join('\n')}

Press Ctrl+C to stop.
`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('Stopping …');
  await runtime.close();
  await dynamo.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
