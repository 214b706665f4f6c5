/**
 * zod's schema compiler (`z.compile`, `z.withParser`, ≈ 29 KB minified) for Lambda bundles: left out,
 * because no function compiles schemas and the `z` namespace would otherwise keep it in every bundle.
 * Same names as zod/v4/core/compile.js; calling one says why it is missing instead of failing later.
 */
const missing = (name: string): never => {
  throw new Error(
    `z.${name} is not in Quartermaster's Lambda bundles (infra/bundling/zod-compile-off.ts); use schema.parse`,
  );
};

export const INVALID = Symbol.for('zod.compile.invalid');

export class ZodCompileAsyncError extends Error {
  constructor(message = 'z.compile does not support async refinements, transforms, or checks') {
    super(message);
    this.name = 'ZodCompileAsyncError';
  }
}

export class ZodCompileUnsupportedError extends Error {
  readonly islandable: boolean;
  constructor(feature: string, islandable = true) {
    super(`z.compile does not support ${feature}; this schema must use the runtime parser`);
    this.name = 'ZodCompileUnsupportedError';
    this.islandable = islandable;
  }
}

export const compile = (..._args: unknown[]): never => missing('compile');
export const withParser = (..._args: unknown[]): never => missing('withParser');
export const compileFn = (..._args: unknown[]): never => missing('compileFn');
