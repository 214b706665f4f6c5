import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app.ts';
import type { CfnTemplate, SynthesizedStack } from './template.ts';

/**
 * Synthesizes the CDK app in-process (asset bundling skipped: the local runtime runs handler sources)
 * and returns the CloudFormation template, the same one `cdk synth` writes to cdk.out.
 *
 * Its own module, apart from template.ts: loading the CDK costs seconds of CPU, which code that only
 * reads an already synthesized template (the runtime given `stack`, every integration suite) skips.
 */
export function synthesizeStack(options: { configFile?: string } = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'qm-synth-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = buildApp(app, options.configFile);
    const assembly = app.synth();
    const artifact = assembly.getStackByName(stack.stackName);
    return { stackName: stack.stackName, template: artifact.template as CfnTemplate };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
