import { readFileSync } from 'node:fs';

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
