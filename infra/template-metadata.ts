import { resolve } from 'node:path';

/**
 * Names the CDK app writes into the template and the local runtime reads back. Kept free of
 * aws-cdk-lib so the local runtime (and every integration suite) can read templates without loading
 * the CDK.
 */
export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** Template metadata key naming a function's source entry; the local runtime loads handlers through it. */
export const ENTRY_METADATA = 'quartermaster:entry';

/** Template metadata key with the function's LambdaBundleChoices (bench:coldstart builds with them). */
export const BUNDLE_METADATA = 'quartermaster:bundle';

/** Template metadata naming the partner a resource serves; the local runtime overrides endpoints by it. */
export const PARTNER_METADATA = 'quartermaster:partner';
