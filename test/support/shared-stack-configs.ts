/**
 * Fixture configs the integration suites run the local runtime with, synthesized once per run by
 * test/global-setup.ts (read them with `sharedStack(configFile)`). A suite needing another config
 * adds it here.
 */
export const SHARED_STACK_CONFIGS = [
  'test/fixtures/backorder.config.json',
  'test/fixtures/cancel-lines.config.json',
  'test/fixtures/catch-all.config.json',
  'test/fixtures/fulfilment.config.json',
  'test/fixtures/partners.config.json',
  'test/fixtures/pickup.config.json',
  'test/fixtures/throttled.config.json',
] as const;

export type SharedStackConfig = (typeof SHARED_STACK_CONFIGS)[number];
