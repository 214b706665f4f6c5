import type { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

type Json = Record<string, unknown>;

/** The logical id, in its parent's template, of the AWS::CloudFormation::Stack holding `nested`. */
export function nestedStackResourceId(nested: NestedStack): string {
  const parent = parentOf(nested);
  const resource = nested.nestedStackResource;
  if (!resource) throw new Error(`${nested.node.path} has no nested stack resource`);
  return parent.resolve(resource.logicalId) as string;
}

/**
 * A nested stack's template (`Template.fromStack`) with every parameter CDK made for a reference to
 * the parent replaced by what the parent passes in (e.g. `{ Ref: <parent function logical id> }`),
 * so assertions name the parent's resources as they would if the resources lived in the parent.
 */
export function nestedTemplateInParentTerms(nested: NestedStack): Template {
  const parentJson = Template.fromStack(parentOf(nested)).toJSON() as { Resources: Record<string, Json> };
  const holder = parentJson.Resources[nestedStackResourceId(nested)];
  const passed = ((holder?.Properties as Json | undefined)?.Parameters ?? {}) as Json;
  const { Parameters: _parameters, ...json } = Template.fromStack(nested).toJSON() as Json;
  const substitute = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(substitute);
    if (v === null || typeof v !== 'object') return v;
    const ref = (v as Json).Ref;
    if (typeof ref === 'string' && Object.keys(v).length === 1 && ref in passed) return passed[ref];
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
  };
  return Template.fromJSON(substitute(json) as Json);
}

/**
 * The nested stack's value behind a parent reference to one of its outputs
 * (`{ 'Fn::GetAtt': [<nested stack resource>, 'Outputs.<name>'] }`), or undefined if `value` is none.
 */
export function nestedOutputBehind(nested: NestedStack, value: unknown): unknown {
  const getAtt = (value as Json | undefined)?.['Fn::GetAtt'];
  if (!Array.isArray(getAtt) || getAtt[0] !== nestedStackResourceId(nested)) return undefined;
  const name = String(getAtt[1]).replace(/^Outputs\./, '');
  const outputs = (Template.fromStack(nested).toJSON() as { Outputs?: Record<string, { Value: unknown }> })
    .Outputs;
  return outputs?.[name]?.Value;
}

function parentOf(nested: NestedStack): Stack {
  const parent = nested.nestedStackParent;
  if (!parent) throw new Error(`${nested.node.path} is not nested`);
  return parent;
}
