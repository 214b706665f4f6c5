/**
 * zod's classic API (`zod/v4/classic/external`) unchanged, except `core` and `locales`: an explicit
 * export wins over `export *`, so these two names are shadowed by English-only versions. See zod-en.ts.
 */
export * from '../../node_modules/zod/v4/classic/external.js';
export * as core from './zod-core-en.ts';
export * as locales from './zod-locales-en.ts';
