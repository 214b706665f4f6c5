import { App, NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../infra/app.ts';

/**
 * CloudFormation refuses a template with more than 500 resources or 200 parameters, and CDK synth
 * fails at that point, taking most suites with it. These budgets sit well below the limits so a
 * feature that adds functions, routes or queues sees the count rising long before deploys break:
 * when a budget fails, move a family of resources that grows per function/route/event type into a
 * nested stack (as infra/constructs/observability-stack.ts and event-catalog-stack.ts do), rather
 * than raising the budget towards the limit.
 */
const MAIN_STACK_RESOURCE_BUDGET = 420;
const NESTED_STACK_RESOURCE_BUDGET = 420;
/** Nested stacks receive the watched resources as parameters: one per function, table, queue ... */
const NESTED_STACK_PARAMETER_BUDGET = 160;

/** The default config and the fixture that synthesizes the most resources (partners with catch-all rules). */
const CONFIGS = [undefined, 'test/fixtures/catch-all.config.json'] as const;

function counts(configFile: string | undefined) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = buildApp(app, configFile);
  const main = Template.fromStack(stack).toJSON() as { Resources: Record<string, unknown> };
  const nested = stack.node
    .findAll()
    .filter((c): c is NestedStack => c instanceof NestedStack)
    .map((n) => {
      const t = Template.fromStack(n).toJSON() as {
        Resources: Record<string, unknown>;
        Parameters?: Record<string, unknown>;
      };
      return {
        path: n.node.path,
        resources: Object.keys(t.Resources).length,
        parameters: Object.keys(t.Parameters ?? {}).length,
      };
    });
  return { main: Object.keys(main.Resources).length, nested };
}

describe.each(CONFIGS)('CloudFormation headroom (config %s)', (configFile) => {
  const label = configFile ?? 'quartermaster.config.json';
  // Synth in the hook (hook timeout): under load one synth can take longer than a test's timeout.
  let found: ReturnType<typeof counts>;
  beforeAll(() => {
    found = counts(configFile);
  });

  test(`the main stack stays within ${MAIN_STACK_RESOURCE_BUDGET} of CloudFormation's 500 resources; nested stacks within their budgets`, () => {
    const { main, nested } = found;
    console.log(
      `[resource budget] ${label}: main stack ${main}/${MAIN_STACK_RESOURCE_BUDGET} resources (CloudFormation limit 500); ` +
        nested.map((n) => `${n.path} ${n.resources} resources, ${n.parameters} parameters`).join('; '),
    );
    expect(
      main,
      `main stack has ${main} resources, over the headroom budget of ${MAIN_STACK_RESOURCE_BUDGET} (limit 500)`,
    ).toBeLessThanOrEqual(MAIN_STACK_RESOURCE_BUDGET);
    expect(nested.length).toBeGreaterThanOrEqual(2);
    for (const n of nested) {
      expect(n.resources, `${n.path}: ${n.resources} resources`).toBeLessThanOrEqual(
        NESTED_STACK_RESOURCE_BUDGET,
      );
      expect(n.parameters, `${n.path}: ${n.parameters} parameters (limit 200)`).toBeLessThanOrEqual(
        NESTED_STACK_PARAMETER_BUDGET,
      );
    }
  });
});
