/**
 * zod's classic API (`zod/v4/classic/external`) unchanged, except `core`, `locales` and the schema
 * compiler: an explicit export wins over `export *`, so these names are shadowed by English-only
 * versions and by zod-compile-off.ts. See zod-en.ts.
 */
export * from '../../node_modules/zod/v4/classic/external.js';
export {
  compile,
  INVALID,
  withParser,
  ZodCompileAsyncError,
  ZodCompileUnsupportedError,
} from './zod-compile-off.ts';
export * as core from './zod-core-en.ts';
export * as locales from './zod-locales-en.ts';
