/**
 * zod's `locales` namespace as our Lambda bundles see it: English only (see zod-en.ts). zod
 * registers `en` itself on the first schema it builds, so error messages stay English.
 */
export { default as en } from '../../node_modules/zod/v4/locales/en.js';
