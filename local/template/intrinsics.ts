import type { CfnTemplate } from './template.ts';

/** Local stand-ins for the values CloudFormation would give each resource. */
export interface PhysicalIds {
  ref(logicalId: string): string;
  getAtt(logicalId: string, attribute: string): string;
}

export interface IntrinsicContext {
  template: CfnTemplate;
  stackName: string;
  region: string;
  accountId: string;
  ids: PhysicalIds;
}

export class UnsupportedIntrinsicError extends Error {}

/**
 * Resolves CloudFormation intrinsic functions the stack uses. Anything else fails loudly: the local
 * runtime must never guess a value AWS would compute differently.
 */
export function resolveIntrinsics(value: unknown, ctx: IntrinsicContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, ctx));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0] as [string, unknown];
    switch (fn) {
      case 'Ref':
        return ref(String(arg), ctx);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : String(arg).split('.');
        return ctx.ids.getAtt(String(id), String(attr));
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolveIntrinsics(parts, ctx) as unknown[]).map(String).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, unknown];
        return (resolveIntrinsics(list, ctx) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return String(resolveIntrinsics(text, ctx)).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [String(arg), {}];
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
          if (name in vars) return String(resolveIntrinsics(vars[name], ctx));
          if (name.includes('.')) {
            const [id, attr] = name.split('.') as [string, string];
            return ctx.ids.getAtt(id, attr);
          }
          return ref(name, ctx);
        });
      }
      default:
        if (fn.startsWith('Fn::') || fn === 'Condition') {
          throw new UnsupportedIntrinsicError(
            `The local runtime does not implement ${fn} (used in the template)`,
          );
        }
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, ctx)]));
}

function ref(name: string, ctx: IntrinsicContext): string {
  switch (name) {
    case 'AWS::Region':
      return ctx.region;
    case 'AWS::AccountId':
      return ctx.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::NoValue':
      return '';
  }
  if (!(name in ctx.template.Resources)) {
    throw new UnsupportedIntrinsicError(`Ref to ${name}, which is neither a resource nor a pseudo parameter`);
  }
  return ctx.ids.ref(name);
}
