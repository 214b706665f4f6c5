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
 * - The AWS SDK and the Powertools Tracer depend on the configuration (`lambda` in
 *   quartermaster.config.json, LambdaBundleChoices below); docs/coldstart.md weighs the choices.
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

export interface LambdaBundleChoices {
  /**
   * `runtime`: `@aws-sdk/*` and `@smithy/*` stay out of the bundle and resolve, on Lambda, to the
   * AWS SDK v3 the nodejs24.x runtime ships (its version, not package-lock's). `bundled`: the SDK
   * of package-lock.json is in every bundle (≈ 340 KB more per function).
   */
  awsSdk: 'runtime' | 'bundled';
  /**
   * `active`: Lambda active tracing only (the function's segment; the SDK passes the trace header on)
   * and the Powertools Tracer replaced by a disabled one (infra/bundling/tracer-off.ts), so X-Ray's
   * SDK is not bundled. `powertools`: the Powertools Tracer too (handler and AWS call subsegments).
   */
  tracing: 'active' | 'powertools';
}

export const DEFAULT_LAMBDA_BUNDLE_CHOICES: LambdaBundleChoices = { awsSdk: 'runtime', tracing: 'active' };

/** What the runtime's SDK provides: CDK's own list for SDK v3 runtimes (`@smithy/*` with its feature flag). */
export const RUNTIME_SDK_EXTERNALS = ['@aws-sdk/*', '@smithy/*'] as const;

/** The disabled Tracer, for `tracing: "active"`; esbuild matches the longest alias, so both apply. */
const TRACER_OFF_ALIAS = {
  '@aws-lambda-powertools/tracer': './infra/bundling/tracer-off.ts',
  '@aws-lambda-powertools/tracer/middleware': './infra/bundling/tracer-off-middleware.ts',
};

/** Externals and aliases (targets relative to the project root) for the given choices. */
export function lambdaBundleSettings(choices: LambdaBundleChoices): {
  external: string[];
  alias: Record<string, string>;
} {
  return {
    external: choices.awsSdk === 'runtime' ? [...RUNTIME_SDK_EXTERNALS] : [],
    alias: { ...LAMBDA_BUNDLE.alias, ...(choices.tracing === 'active' ? TRACER_OFF_ALIAS : {}) },
  };
}

/** The same settings for the esbuild API, building `entry` into `outfile` (paths absolute). */
export function lambdaBuildOptions(
  repoRoot: string,
  entry: string,
  outfile: string,
  choices: LambdaBundleChoices = DEFAULT_LAMBDA_BUNDLE_CHOICES,
): BuildOptions {
  const { external, alias } = lambdaBundleSettings(choices);
  return {
    ...LAMBDA_BUNDLE,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    alias: Object.fromEntries(
      Object.entries(alias).map(([name, target]) => [name, resolve(repoRoot, target)]),
    ),
    external,
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

/** Packages that contribute bytes to a bundle, by name (`@scope/name`), with their bytes. */
export function bundledPackages(metafile: Metafile): Map<string, number> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name && bytesInOutput > 0) byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
    }
  }
  return byPackage;
}

/**
 * Packages in a bundle that the choices keep out: the AWS SDK with `awsSdk: "runtime"`, X-Ray's SDK
 * with `tracing: "active"`. Empty when the bundle is what the configuration asks for.
 */
export function unwantedPackages(metafile: Metafile, choices: LambdaBundleChoices): string[] {
  return [...bundledPackages(metafile).keys()]
    .filter(
      (name) =>
        (choices.awsSdk === 'runtime' && /^@(aws-sdk|smithy)\//.test(name)) ||
        (choices.tracing === 'active' && name === 'aws-xray-sdk-core'),
    )
    .sort();
}
