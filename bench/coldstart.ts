import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { foreignZodLocales, lambdaBuildOptions } from '../infra/bundling/lambda-bundle.ts';
import { ENTRY_METADATA, REPO_ROOT } from '../infra/constructs/qm-function.ts';
import { readTemplateFile, resourcesOfType, synthesizeStack } from '../local/template/template.ts';
import { percentile, table } from './lib/stats.ts';

/**
 * bench:coldstart — per Lambda function of the synthesized template: the bundle exactly as QmFunction
 * builds it (size, gzip), and module init time (a fresh `node` per sample importing the bundle),
 * checked against the budgets in docs/coldstart.md. Prints OVER where a budget is exceeded, or
 * LOCALES where a zod locale other than English is in a bundle, and exits 1 then.
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

interface Budget {
  bundleBytes: number;
  initMs: number;
}

/** Budgets from the table in docs/coldstart.md: `| Function | bundle ≤ MB | init ≤ ms |`; `*` is the default. */
function readBudgets(): Map<string, Budget> {
  const budgets = new Map<string, Budget>();
  const doc = readFileSync(resolve(REPO_ROOT, 'docs/coldstart.md'), 'utf8');
  for (const line of doc.split('\n')) {
    const cells = line
      .split('|')
      .map((c) => c.trim())
      .filter(Boolean);
    if (cells.length !== 3) continue;
    const [name, mb, ms] = cells as [string, string, string];
    const bundleMb = Number.parseFloat(mb);
    const initMs = Number.parseFloat(ms);
    if (Number.isNaN(bundleMb) || Number.isNaN(initMs)) continue;
    budgets.set(name.replaceAll('`', ''), { bundleBytes: bundleMb * 1024 * 1024, initMs });
  }
  if (!budgets.has('*')) throw new Error('docs/coldstart.md has no default (*) budget row');
  return budgets;
}

interface Fn {
  name: string;
  entry: string;
  environment: Record<string, string>;
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
    out.push({ name, entry, environment });
  }
  return out;
}

/** What weighs most in a bundle, by package (node_modules) or `app` for our own sources. */
function heaviestPackages(metafile: Metafile, count: number): string {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match?.[1] ?? 'app';
      byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
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

const budgets = readBudgets();
const functions = functionsOfTemplate().filter((f) => !only || only.includes(f.name));
const dir = mkdtempSync(join(tmpdir(), 'qm-coldstart-'));
const rows: Record<string, string | number>[] = [];
let over = 0;
try {
  for (const fn of functions) {
    const outfile = join(dir, fn.name, 'index.js');
    // The options QmFunction passes to esbuild through NodejsFunction bundling (AWS SDK bundled: no externals).
    const result = await build(lambdaBuildOptions(REPO_ROOT, fn.entry, outfile));
    const bundle = readFileSync(outfile);
    const heaviest = heaviestPackages(result.metafile!, 2);
    const locales = foreignZodLocales(result.metafile!);
    const gzip = gzipSync(bundle).byteLength;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
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
    const budget = budgets.get(fn.name) ?? budgets.get('*')!;
    const p50 = percentile(times, 50);
    const max = Math.max(...times);
    const flags = [
      bundle.byteLength > budget.bundleBytes ? 'OVER size' : '',
      p50 > budget.initMs ? 'OVER init' : '',
      locales.length ? `LOCALES ${locales.join(' ')}` : '',
    ].filter(Boolean);
    over += flags.length;
    rows.push({
      function: fn.name,
      'bundle B': bundle.byteLength,
      'gzip B': gzip,
      'map B': statSync(`${outfile}.map`).size,
      'init p50 ms': p50,
      'init max ms': max,
      'init cpu p50 ms': percentile(cpuTimes, 50),
      'budget MB': (budget.bundleBytes / 1024 / 1024).toFixed(2),
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
    ? `\n${over} budget(s) exceeded or foreign zod locales bundled (docs/coldstart.md)`
    : '\nall within budget (docs/coldstart.md)',
);
process.exitCode = over > 0 ? 1 : 0;
