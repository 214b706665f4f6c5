import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { build } from 'esbuild';
import { describe, expect, onTestFinished, test } from 'vitest';
import * as zod from 'zod';
import { foreignZodLocales, lambdaBuildOptions } from '../../infra/bundling/lambda-bundle.ts';
import * as zodEn from '../../infra/bundling/zod-en.ts';
import { QmFunction, REPO_ROOT } from '../../infra/constructs/qm-function.ts';

/** The API function with the most schemas; every function bundles zod the same way. */
const ENTRY = 'functions/api/create-order.ts';

/** Hebrew or Cyrillic text, raw or as esbuild's ASCII escapes: the he/ru/uk/be… locales' messages. */
const FOREIGN_SCRIPT = /[\u0400-\u04ff\u0590-\u05ff]|\\u0(?:4[0-4]|5[9a-f])[0-9a-f]/i;

async function bundle(alias: boolean) {
  const options = lambdaBuildOptions(REPO_ROOT, ENTRY, join(REPO_ROOT, 'out', 'index.js'));
  const result = await build({ ...options, write: false, ...(alias ? {} : { alias: {} }) });
  const js = result.outputFiles.find((f) => f.path.endsWith('index.js'))?.text ?? '';
  return { metafile: result.metafile!, js };
}

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

  test('NodejsFunction, given QmFunction’s esbuild arguments, bundles without foreign locales', () => {
    const outdir = join(REPO_ROOT, 'cdk.out', `bundle-test-${process.pid}`);
    onTestFinished(() => rmSync(outdir, { recursive: true, force: true }));
    const app = new App({ outdir });
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
    const js = readFileSync(join(dir, 'index.js'), 'utf8');
    expect(js).not.toMatch(FOREIGN_SCRIPT);
    expect(js).toContain('Invalid input'); // zod's English messages are there
  });
});

describe('infra/bundling/zod-en.ts', () => {
  test('exports what zod exports, with the same values except the locale namespaces', () => {
    const shim = new Map(Object.entries(zodEn));
    expect([...shim.keys()].sort()).toEqual(Object.keys(zod).sort());
    for (const [name, value] of Object.entries(zod)) {
      if (['core', 'locales', 'z', 'default'].includes(name)) continue;
      expect(shim.get(name), name).toBe(value);
    }
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
