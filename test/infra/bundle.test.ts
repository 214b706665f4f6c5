import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Tracer as PowertoolsTracer } from '@aws-lambda-powertools/tracer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import { App, AssetStaging, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { build, type Metafile } from 'esbuild';
import { describe, expect, onTestFinished, test } from 'vitest';
import * as zod from 'zod';
import { readColdStartBudgets } from '../../bench/lib/coldstart-budgets.ts';
import {
  DEFAULT_LAMBDA_BUNDLE_CHOICES,
  foreignZodLocales,
  type LambdaBundleChoices,
  lambdaBuildOptions,
  unwantedPackages,
} from '../../infra/bundling/lambda-bundle.ts';
import { Tracer as TracerOff } from '../../infra/bundling/tracer-off.ts';
import { captureLambdaHandler as captureLambdaHandlerOff } from '../../infra/bundling/tracer-off-middleware.ts';
import * as zodEn from '../../infra/bundling/zod-en.ts';
import {
  BUNDLE_CHOICES_CONTEXT,
  BUNDLE_METADATA,
  QmFunction,
  REPO_ROOT,
} from '../../infra/constructs/qm-function.ts';

/** The API function with the most schemas; every function bundles zod the same way. */
const ENTRY = 'functions/api/create-order.ts';

/** Hebrew or Cyrillic text, raw or as esbuild's ASCII escapes: the he/ru/uk/be… locales' messages. */
const FOREIGN_SCRIPT = /[\u0400-\u04ff\u0590-\u05ff]|\\u0(?:4[0-4]|5[9a-f])[0-9a-f]/i;

async function bundle(alias: boolean, choices: LambdaBundleChoices = DEFAULT_LAMBDA_BUNDLE_CHOICES) {
  const options = lambdaBuildOptions(REPO_ROOT, ENTRY, join(REPO_ROOT, 'out', 'index.js'), choices);
  const result = await build({ ...options, write: false, ...(alias ? {} : { alias: {} }) });
  const output = result.outputFiles.find((f) => f.path.endsWith('index.js'));
  return { metafile: result.metafile!, js: output?.text ?? '', bytes: output?.contents.byteLength ?? 0 };
}

/** Strings only X-Ray's SDK carries (its context-missing setting), raw in a bundle that has it. */
const XRAY_SDK = 'AWS_XRAY_CONTEXT_MISSING';

/** QmFunction's bundle as NodejsFunction builds it (esbuild CLI), with the given construct context. */
function synthesizedBundle(context: Record<string, unknown>): string {
  mkdirSync(join(REPO_ROOT, 'cdk.out'), { recursive: true });
  const outdir = mkdtempSync(join(REPO_ROOT, 'cdk.out', 'bundle-test-'));
  onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
  // CDK caches staged assets per process by source and bundling options: an identical bundle of an
  // earlier test would point into that test's (removed) output directory.
  AssetStaging.clearAssetHashCache();
  const app = new App({ outdir, context });
  const stack = new Stack(app, 'BundleTest');
  new QmFunction(stack, 'CreateOrder', {
    entry: ENTRY,
    description: 'bundle test',
    service: 'orders',
    logRetention: RetentionDays.ONE_DAY,
  });
  const assembly = app.synth();
  const assetDirs = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
  expect(assetDirs).toHaveLength(1);
  const dir = join(assembly.directory, assetDirs[0]!);
  expect(readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
  const template = JSON.parse(readFileSync(join(assembly.directory, 'BundleTest.template.json'), 'utf8'));
  const fn = Object.values(template.Resources as Record<string, { Type: string; Metadata?: Json }>).find(
    (r) => r.Type === 'AWS::Lambda::Function',
  );
  expect(fn?.Metadata?.[BUNDLE_METADATA]).toEqual({
    ...DEFAULT_LAMBDA_BUNDLE_CHOICES,
    ...(context[BUNDLE_CHOICES_CONTEXT] as object),
  });
  return readFileSync(join(dir, 'index.js'), 'utf8');
}

type Json = Record<string, unknown>;

describe('Lambda bundles carry zod with its English locale only', () => {
  test('a function bundled with the Lambda settings has no zod locale but en', async () => {
    const { metafile, js } = await bundle(true);
    expect(foreignZodLocales(metafile)).toEqual([]);
    const inputs = Object.entries(Object.values(metafile.outputs).find((o) => o.entryPoint)!.inputs);
    expect(
      inputs.some(([path, { bytesInOutput }]) => /zod\/v4\/locales\/en\.js$/.test(path) && bytesInOutput > 0),
    ).toBe(true);
    expect(js).not.toMatch(FOREIGN_SCRIPT);
  });

  test('the check sees the locales when zod is bundled as published (without the alias)', async () => {
    const { metafile, js } = await bundle(false);
    expect(foreignZodLocales(metafile)).toEqual(expect.arrayContaining(['he', 'ru', 'ta', 'th']));
    expect(js).toMatch(FOREIGN_SCRIPT);
  });

  test("zod's schema compiler stays out of the bundle (and is there without the alias)", async () => {
    // Bytes the compiler contributes to the output (the metafile lists tree-shaken inputs too).
    const compilerBytes = ({ outputs }: Metafile) =>
      Object.values(outputs)
        .flatMap((output) => Object.entries(output.inputs))
        .filter(([path]) => path.endsWith('zod/v4/core/compile.js'))
        .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    expect(compilerBytes((await bundle(true)).metafile)).toBe(0);
    expect(compilerBytes((await bundle(false)).metafile)).toBeGreaterThan(10_000);
  });

  test('NodejsFunction, given QmFunction’s esbuild arguments, bundles without foreign locales', () => {
    const js = synthesizedBundle({});
    expect(js).not.toMatch(FOREIGN_SCRIPT);
    expect(js).toContain('Invalid input'); // zod's English messages are there
  });
});

describe('Lambda bundles leave out what the bundling choices say (docs/coldstart.md)', () => {
  test('by default the AWS SDK comes from the runtime and X-Ray’s SDK is not bundled', async () => {
    const { metafile, js } = await bundle(true);
    expect(unwantedPackages(metafile, DEFAULT_LAMBDA_BUNDLE_CHOICES)).toEqual([]);
    expect(js).toContain('require("@aws-sdk/client-dynamodb")');
    expect(js).toContain('require("@aws-sdk/lib-dynamodb")');
    expect(js).not.toContain(XRAY_SDK);
  });

  test('the check sees the SDK and X-Ray when the choices bundle them (negative control)', async () => {
    const { metafile, js } = await bundle(true, { awsSdk: 'bundled', tracing: 'powertools' });
    expect(unwantedPackages(metafile, DEFAULT_LAMBDA_BUNDLE_CHOICES)).toEqual(
      expect.arrayContaining([
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/lib-dynamodb',
        '@smithy/core',
        'aws-xray-sdk-core',
      ]),
    );
    expect(unwantedPackages(metafile, { awsSdk: 'bundled', tracing: 'powertools' })).toEqual([]);
    expect(js).not.toContain('require("@aws-sdk/client-dynamodb")');
    expect(js).toContain(XRAY_SDK);
  });

  test('the bundle fits its docs/coldstart.md budget, which the bundled SDK would exceed', async () => {
    const budget = readColdStartBudgets(REPO_ROOT).get('ApiCreateOrder')!.bundleBytes;
    expect((await bundle(true)).bytes).toBeLessThanOrEqual(budget);
    expect((await bundle(true, { awsSdk: 'bundled', tracing: 'active' })).bytes).toBeGreaterThan(budget);
    expect((await bundle(true, { awsSdk: 'runtime', tracing: 'powertools' })).bytes).toBeGreaterThan(budget);
  });

  test('NodejsFunction follows the choices of the construct context, default and opted in', () => {
    const slim = synthesizedBundle({});
    expect(slim).toContain('require("@aws-sdk/client-dynamodb")');
    expect(slim).not.toContain(XRAY_SDK);
    const full = synthesizedBundle({
      [BUNDLE_CHOICES_CONTEXT]: { awsSdk: 'bundled', tracing: 'powertools' },
    });
    expect(full).not.toContain('require("@aws-sdk/client-dynamodb")');
    expect(full).toContain(XRAY_SDK);
  });
});

describe('infra/bundling/tracer-off.ts', () => {
  test('has every method the functions call on the tracer, as the Powertools Tracer does', () => {
    const sources = execSync('git ls-files functions shared', { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(REPO_ROOT, f), 'utf8'))
      .join('\n');
    const called = [...new Set([...sources.matchAll(/\btracer\.(\w+)\(/g)].map((m) => m[1]!))];
    expect(called).toContain('captureAWSv3Client');
    const real = new PowertoolsTracer({ enabled: false }) as unknown as Record<string, unknown>;
    const off = new TracerOff() as unknown as Record<string, unknown>;
    for (const name of called) {
      expect(typeof real[name], name).toBe('function');
      expect(typeof off[name], name).toBe('function');
    }
  });

  test('passes clients through and its middleware lets the handler run', async () => {
    const tracer = new TracerOff();
    const client = new DynamoDBClient({ region: 'us-east-1' });
    expect(tracer.captureAWSv3Client(client)).toBe(client);
    expect(tracer.isTracingEnabled()).toBe(false);
    const handler = middy(async (event: { n: number }) => event.n + 1).use(
      captureLambdaHandlerOff(tracer as unknown as PowertoolsTracer),
    );
    expect(await handler({ n: 1 }, {} as never)).toBe(2);
  });
});

/** zod's schema compiler, left out of bundles by zod-compile-off.ts (same names, calls refuse). */
const COMPILER = ['compile', 'withParser', 'ZodCompileAsyncError', 'ZodCompileUnsupportedError'];

describe('infra/bundling/zod-en.ts', () => {
  test('exports what zod exports, with the same values except the locale namespaces', () => {
    const shim = new Map(Object.entries(zodEn));
    expect([...shim.keys()].sort()).toEqual(Object.keys(zod).sort());
    for (const [name, value] of Object.entries(zod)) {
      if (['core', 'locales', 'z', 'default', ...COMPILER].includes(name)) continue;
      expect(shim.get(name), name).toBe(value);
    }
    expect(zodEn.INVALID).toBe(zod.INVALID);
    expect(() => zodEn.z.compile(zod.z.string())).toThrow(/not in Quartermaster's Lambda bundles/);
    expect(() => zodEn.z.core.compileFn(zod.z.string())).toThrow(/zod-compile-off/);
    expect(Object.keys(zodEn.z.core).sort()).toEqual(Object.keys(zod.z.core).sort());
    expect(Object.keys(zodEn.locales)).toEqual(['en']);
    expect(Object.keys(zodEn.z.core.locales)).toEqual(['en']);
    expect(zodEn.locales.en).toBe(zod.locales.en);
  });

  test('errors stay English', () => {
    const { z } = zodEn;
    const result = z.object({ sku: z.string().min(3) }).safeParse({ sku: 'x' });
    expect(result.error?.issues[0]?.message).toBe('Too small: expected string to have >=3 characters');
  });
});
