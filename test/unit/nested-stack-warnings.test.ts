import { readFileSync } from 'node:fs';
import { describe, expect, inject, test } from 'vitest';
import { nestedStackWarnings, type SynthesizedStack } from '../../local/template/template.ts';

describe('local runtime and nested stacks', () => {
  test('each nested stack of the synthesized template is named as not deployed locally', () => {
    const { template } = JSON.parse(readFileSync(inject('stackFile'), 'utf8')) as SynthesizedStack;
    const warnings = nestedStackWarnings(template);
    expect(warnings).toEqual([
      expect.stringMatching(/^Nested stack EventsCatalog\w+ is not deployed locally/),
      expect.stringMatching(/^Nested stack Observability\w+ is not deployed locally/),
    ]);
  });

  test('a template without nested stacks gets no such warning', () => {
    expect(nestedStackWarnings({ Resources: { Bus: { Type: 'AWS::Events::EventBus' } } })).toEqual([]);
  });
});
