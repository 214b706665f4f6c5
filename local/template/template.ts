import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/app.ts';

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
}

export interface SynthesizedStack {
  stackName: string;
  template: CfnTemplate;
}

/**
 * Synthesizes the CDK app in-process (asset bundling skipped: the local runtime runs handler sources)
 * and returns the CloudFormation template, the same one `cdk synth` writes to cdk.out.
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

/** Reads a template that `cdk synth` already wrote (e.g. cdk.out/Quartermaster.template.json). */
export function readTemplateFile(file: string, stackName = 'Quartermaster'): SynthesizedStack {
  return { stackName, template: JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate };
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/**
 * The local runtime reads the main stack's template only: nested stacks (alarms, dashboard and alarm
 * topic; the event schema registry) exist on AWS alone. Say so, naming each.
 */
export function nestedStackWarnings(template: CfnTemplate): string[] {
  return resourcesOfType(template, 'AWS::CloudFormation::Stack').map(([logicalId, resource]) => {
    const path = resource.Metadata?.['aws:cdk:path'];
    const name = typeof path === 'string' ? path.replace(/\.NestedStack\/.*$/, '') : logicalId;
    return `Nested stack ${name} is not deployed locally: its resources (e.g. alarms, dashboard, schema registry) exist on AWS only.`;
  });
}
