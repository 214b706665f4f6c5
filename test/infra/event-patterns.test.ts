import { beforeAll, describe, expect, test } from 'vitest';
import { templatePatterns } from '../../local/eventbridge/template-patterns.ts';
import { localPhysicalIds } from '../../local/template/physical-ids.ts';
import { resourcesOfType, type SynthesizedStack } from '../../local/template/template.ts';
import { sharedStack } from '../support/local-stack.ts';

/** Loads every pattern as the local runtime does at startup (it throws naming any bad one). */
function loadPatterns({ stackName, template }: SynthesizedStack) {
  const ctx = { template, stackName, region: 'us-east-1', accountId: '000000000000' };
  return templatePatterns({ ...ctx, ids: localPhysicalIds({ ...ctx, namePrefix: '' }) });
}

const stacks: Record<string, SynthesizedStack> = {};
beforeAll(() => {
  stacks.default = sharedStack();
  // The partner fixture adds one rule per partner, each with its own pattern.
  stacks.partners = sharedStack('test/fixtures/partners.config.json');
});

describe.each(['default', 'partners'])('the synthesized template (%s config)', (name) => {
  test('has only event patterns and stream filters that deploy accepts, all loaded as objects', () => {
    const stack = stacks[name]!;
    const patterns = loadPatterns(stack);
    const patternRules = resourcesOfType(stack.template, 'AWS::Events::Rule').filter(
      ([, r]) => r.Properties?.EventPattern !== undefined,
    );
    expect(patternRules.length).toBeGreaterThan(0);
    for (const [id] of patternRules) expect(patterns.eventPatterns.get(id)).toBeTypeOf('object');
    const filtered = resourcesOfType(stack.template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, r]) => r.Properties?.FilterCriteria !== undefined,
    );
    expect(filtered.length).toBeGreaterThan(0);
    for (const [id] of filtered) expect(patterns.filters.get(id)?.length).toBeGreaterThan(0);
  });
});
