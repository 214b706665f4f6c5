/**
 * What `zod` resolves to in Lambda bundles (esbuild `--alias:zod=`, set by QmFunction): zod 4's own
 * root entry, except that the `locales` namespaces (`z.locales`, `z.core.locales`) hold English only.
 *
 * Why: `import { z } from 'zod'` (our code and Powertools' parser schemas) makes esbuild keep the
 * whole `z` namespace object, and with it every one of zod's ~60 locales (≈ 260 KB minified of a
 * 1 MB bundle) that nothing loads. This file mirrors zod's root `index.js` over zod-classic-en.ts.
 * Types still come from the real package (the alias exists only for esbuild);
 * test/infra/bundle.test.ts checks that this module exports the same names and values as zod and
 * that no other locale reaches a bundle.
 */
import * as z from './zod-classic-en.ts';

export * from './zod-classic-en.ts';
export { z, z as default };
