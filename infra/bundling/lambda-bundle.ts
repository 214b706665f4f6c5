import { resolve } from 'node:path';
import type { BuildOptions, Metafile } from 'esbuild';

/**
 * The esbuild settings of every Lambda bundle, in one place: QmFunction passes them to NodejsFunction
 * (which runs the esbuild CLI), bench:coldstart and test/infra/bundle.test.ts build with them through
 * the esbuild API, so what we measure and test is what we deploy.
 *
 * - CommonJS output: an ES module bundle imports Node built-ins through ESM facades, and the facade of
 *   `node:http` reads every lazy getter of the module, loading Node's bundled undici (fetch) during
 *   init, which `require()` does not (tens of ms of CPU per cold start, measured with bench:coldstart).
 * - Minified, with source maps but without `sourcesContent`: `--enable-source-maps` parses the map at
 *   load; file and line are what stack traces need, the sources themselves are in the repository.
 * - `zod` resolves to infra/bundling/zod-en.ts (English locale only): see that file.
 * - The AWS SDK is bundled (no externals), so the version we test is the version we run.
 */
export const LAMBDA_BUNDLE = {
  format: 'cjs',
  platform: 'node',
  target: 'node24',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  /** Relative to the project root: esbuild resolves alias targets in its working directory. */
  alias: { zod: './infra/bundling/zod-en.ts' },
} as const satisfies BuildOptions;

/** The same settings for the esbuild API, building `entry` into `outfile` (paths absolute). */
export function lambdaBuildOptions(repoRoot: string, entry: string, outfile: string): BuildOptions {
  return {
    ...LAMBDA_BUNDLE,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    alias: Object.fromEntries(
      Object.entries(LAMBDA_BUNDLE.alias).map(([name, target]) => [name, resolve(repoRoot, target)]),
    ),
    entryPoints: [resolve(repoRoot, entry)],
    outfile,
    bundle: true,
    absWorkingDir: repoRoot,
    logLevel: 'warning',
    metafile: true,
  };
}

/** zod locales other than English that contribute bytes to a bundle (infra/bundling/zod-en.ts keeps them out). */
export function foreignZodLocales(metafile: Metafile): string[] {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const locale = /node_modules\/zod\/(?:.*\/)?locales\/([^/]+)\.[cm]?[jt]s$/.exec(input)?.[1];
      if (locale && locale !== 'en' && locale !== 'index' && bytesInOutput > 0) found.add(locale);
    }
  }
  return [...found].sort();
}
