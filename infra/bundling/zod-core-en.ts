/** `z.core` for Lambda bundles: zod's core, with its `locales` namespace reduced to English (see zod-en.ts). */
export * from '../../node_modules/zod/v4/core/index.js';
export * as locales from './zod-locales-en.ts';
