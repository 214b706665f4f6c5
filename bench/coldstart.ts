import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  bundledPackages,
  DEFAULT_LAMBDA_BUNDLE_CHOICES,
  foreignZodLocales,
  type LambdaBundleChoices,
  lambdaBuildOptions,
  unwantedPackages,
} from '../infra/bundling/lambda-bundle.ts';
import { BUNDLE_METADATA, ENTRY_METADATA, REPO_ROOT } from '../infra/constructs/qm-function.ts';
import { synthesizeStack } from '../local/template/synthesize.ts';
import { readTemplateFile, resourcesOfType } from '../local/template/template.ts';
import { budgetFor, readColdStartBudgets } from './lib/coldstart-budgets.ts';
import { percentile, table } from './lib/stats.ts';

/**
 * bench:coldstart — per Lambda function of the synthesized template: the bundle exactly as QmFunction
 * builds it (size, gzip), and module init time (a fresh `node` per sample importing the bundle),
 * checked against the budgets in docs/coldstart.md. Prints OVER where a budget is exceeded, LOCALES
 * where a zod locale other than English is in a bundle, or UNWANTED where a package the function's
 * bundling choices keep out (AWS SDK, X-Ray SDK) is in it, and exits 1 then.
 * Usage: npm run bench:coldstart -- [--samples 5] [--only ApiCreateOrder,ApiListOrders]
 *   [--template cdk.out/Quartermaster.template.json] (instead of synthesizing)
 */
const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '5' },
    only: { type: 'string' },
    template: { type: 'string' },
  },
});
const samples = Number(values.samples);
const only = values.only?.split(',');

interface Fn {
  name: string;
  entry: string;
  environment: Record<string, string>;
  choices: LambdaBundleChoices;
}

/** Functions with their entry and environment; values the template computes get stand-ins. */
function functionsOfTemplate(): Fn[] {
  const { template } = values.template ? readTemplateFile(values.template) : synthesizeStack();
  const out: Fn[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const entry = resource.Metadata?.[ENTRY_METADATA];
    if (typeof entry !== 'string') continue;
    // The logical id without CDK's hash suffix: construct path, e.g. ApiCreateOrder.
    const name = logicalId.replace(/[0-9A-F]{8}$/, '');
    const variables = ((
      resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
    )?.Variables ?? {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      environment[key] = resolveForColdStart(value, key);
    }
    const choices = {
      ...DEFAULT_LAMBDA_BUNDLE_CHOICES,
      ...(resource.Metadata?.[BUNDLE_METADATA] as Partial<LambdaBundleChoices> | undefined),
    };
    out.push({ name, entry, environment, choices });
  }
  return out;
}

/** What weighs most in a bundle, by package (node_modules); our own sources are `app`. */
function heaviestPackages(metafile: Metafile, count: number): string {
  const packages = bundledPackages(metafile);
  const total = Object.values(metafile.outputs).reduce(
    (sum, output) =>
      sum + Object.values(output.inputs).reduce((s, { bytesInOutput }) => s + bytesInOutput, 0),
    0,
  );
  packages.set('app', total - [...packages.values()].reduce((s, b) => s + b, 0));
  return [...packages]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, bytes]) => `${name} ${Math.round(bytes / 1024)}`)
    .join(', ');
}

/**
 * An environment value as the function would see it: literals as they are, `Fn::Join` joined (so a
 * JSON value built around ARNs, e.g. STATE_MACHINES, still parses), any other intrinsic a placeholder.
 */
function resolveForColdStart(value: unknown, key: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (Array.isArray(join)) return join[1].map((part) => resolveForColdStart(part, key)).join(join[0]);
  return `coldstart-${key.toLowerCase()}`;
}

/**
 * Wall time of the import, and the CPU time the process spent in it (less sensitive to other load on
 * the machine than wall time, though not immune to it).
 */
const IMPORT_SCRIPT = `
const c0 = process.cpuUsage();
const t0 = performance.now();
const mod = await import(process.argv[1]);
const t1 = performance.now();
const cpu = process.cpuUsage(c0);
if (typeof mod.handler !== 'function') throw new Error('no handler export');
process.stdout.write(JSON.stringify({ importMs: t1 - t0, cpuMs: (cpu.user + cpu.system) / 1000 }));
`;

const budgets = readColdStartBudgets(REPO_ROOT);
const functions = functionsOfTemplate().filter((f) => !only || only.includes(f.name));
const dir = mkdtempSync(join(tmpdir(), 'qm-coldstart-'));
const rows: Record<string, string | number>[] = [];
let over = 0;
try {
  for (const fn of functions) {
    const outfile = join(dir, fn.name, 'index.js');
    // The options QmFunction passes to esbuild through NodejsFunction bundling, with the function's choices.
    const result = await build(lambdaBuildOptions(REPO_ROOT, fn.entry, outfile, fn.choices));
    const bundle = readFileSync(outfile);
    const heaviest = heaviestPackages(result.metafile!, 3);
    const locales = foreignZodLocales(result.metafile!);
    const unwanted = unwantedPackages(result.metafile!, fn.choices);
    const gzip = gzipSync(bundle).byteLength;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      // Externals (the AWS SDK with awsSdk "runtime") resolve as on Lambda, whose NODE_PATH includes
      // the runtime's node_modules: here the project's, so their load is part of the measured init.
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      ...fn.environment,
      // What the function needs to load outside Lambda, with telemetry off so only our init is measured.
      TABLE_NAME: 'coldstart-table',
      CHANNEL_API_KEYS: '{}',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    };
    const times: number[] = [];
    const cpuTimes: number[] = [];
    for (let i = 0; i < samples; i++) {
      // NODE_OPTIONS as in the template (--enable-source-maps), since Lambda runs with it.
      const run = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', IMPORT_SCRIPT, pathToFileURL(outfile).href],
        { env, encoding: 'utf8' },
      );
      if (run.status !== 0) throw new Error(`${fn.name}: import failed\n${run.stderr}`);
      const sample = JSON.parse(run.stdout) as { importMs: number; cpuMs: number };
      times.push(sample.importMs);
      cpuTimes.push(sample.cpuMs);
    }
    const budget = budgetFor(budgets, fn.name);
    const p50 = percentile(times, 50);
    const max = Math.max(...times);
    const flags = [
      bundle.byteLength > budget.bundleBytes ? 'OVER size' : '',
      p50 > budget.initMs ? 'OVER init' : '',
      locales.length ? `LOCALES ${locales.join(' ')}` : '',
      unwanted.length ? `UNWANTED ${unwanted.join(' ')}` : '',
    ].filter(Boolean);
    over += flags.length;
    rows.push({
      function: fn.name,
      sdk: fn.choices.awsSdk,
      tracing: fn.choices.tracing,
      'bundle B': bundle.byteLength,
      'gzip B': gzip,
      'map B': statSync(`${outfile}.map`).size,
      'init p50 ms': p50,
      'init max ms': max,
      'init cpu p50 ms': percentile(cpuTimes, 50),
      'budget KB': budget.bundleBytes / 1024,
      'budget ms': budget.initMs,
      status: flags.length ? flags.join(', ') : 'ok',
      'largest inputs (KB)': heaviest,
    });
    process.stdout.write('.');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `\n\nbench:coldstart — ${functions.length} functions, ${samples} samples each, Node ${process.version}\n`,
);
console.log(table(rows));
console.log(
  over > 0
    ? `\n${over} budget(s) exceeded, foreign zod locales or unwanted packages bundled (docs/coldstart.md)`
    : '\nall within budget (docs/coldstart.md)',
);
process.exitCode = over > 0 ? 1 : 0;
