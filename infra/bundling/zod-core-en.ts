/** `z.core` for Lambda bundles: zod's core, with its `locales` namespace reduced to English and without
 * the schema compiler (see zod-en.ts, zod-compile-off.ts). */
export * from '../../node_modules/zod/v4/core/index.js';
export {
  compile,
  compileFn,
  INVALID,
  withParser,
  ZodCompileAsyncError,
  ZodCompileUnsupportedError,
} from './zod-compile-off.ts';
export * as locales from './zod-locales-en.ts';
