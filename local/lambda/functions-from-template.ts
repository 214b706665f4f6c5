import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENTRY_METADATA, REPO_ROOT } from '../../infra/constructs/qm-function.ts';
import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';
import type { LocalFunction } from './lambda-service.ts';

export interface FunctionsFromTemplate {
  functions: LocalFunction[];
  /** Functions the local runtime cannot run (no source entry), e.g. CDK's deploy-time custom resources. */
  skipped: { logicalId: string; reason: string }[];
}

/** Every AWS::Lambda::Function of the template, mapped to its TypeScript source via template metadata. */
export function functionsFromTemplate(
  ctx: IntrinsicContext & { functionName(id: string): string },
): FunctionsFromTemplate {
  const functions: LocalFunction[] = [];
  const skipped: FunctionsFromTemplate['skipped'] = [];
  for (const [logicalId, resource] of resourcesOfType(ctx.template, 'AWS::Lambda::Function')) {
    const props = resource.Properties ?? {};
    const entry = resource.Metadata?.[ENTRY_METADATA];
    if (typeof entry !== 'string') {
      skipped.push({ logicalId, reason: `no ${ENTRY_METADATA} metadata (not a Quartermaster handler)` });
      continue;
    }
    const variables =
      (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environment = Object.fromEntries(
      Object.entries(resolveIntrinsics(variables, ctx) as Record<string, unknown>).map(([k, v]) => [
        k,
        String(v),
      ]),
    );
    const handler = String(props.Handler ?? 'index.handler');
    functions.push({
      logicalId,
      name: ctx.functionName(logicalId),
      arn: String(resolveIntrinsics({ 'Fn::GetAtt': [logicalId, 'Arn'] }, ctx)),
      entry: pathToFileURL(resolve(REPO_ROOT, entry)).href,
      handlerName: handler.slice(handler.lastIndexOf('.') + 1),
      timeoutMs: Number(props.Timeout ?? 3) * 1000,
      memorySize: Number(props.MemorySize ?? 128),
      environment,
    });
  }
  return { functions, skipped };
}
