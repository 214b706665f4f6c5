import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LambdaBundleChoices } from '../../infra/bundling/lambda-bundle.ts';
import { BUNDLE_METADATA, ENTRY_METADATA, REPO_ROOT } from '../../infra/template-metadata.ts';
import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';
import type { LocalFunction } from './lambda-service.ts';

export interface FunctionsFromTemplate {
  functions: LocalFunction[];
  /** Functions the local runtime cannot run (no source entry), e.g. CDK's deploy-time custom resources. */
  skipped: { logicalId: string; reason: string }[];
  /** Where the functions' bundles on AWS differ from the sources run here (bundling choices). */
  divergences: string[];
}

/** Every AWS::Lambda::Function of the template, mapped to its TypeScript source via template metadata. */
export function functionsFromTemplate(
  ctx: IntrinsicContext & { functionName(id: string): string },
): FunctionsFromTemplate {
  const functions: LocalFunction[] = [];
  const skipped: FunctionsFromTemplate['skipped'] = [];
  let runtimeSdk = 0;
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
    if ((resource.Metadata?.[BUNDLE_METADATA] as LambdaBundleChoices | undefined)?.awsSdk === 'runtime')
      runtimeSdk++;
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
  // Sources load their imports from node_modules, so locally every function runs package-lock's SDK.
  const divergences = runtimeSdk
    ? [
        `${runtimeSdk} functions use, on AWS, the AWS SDK v3 the nodejs24.x runtime ships (lambda.awsSdk "runtime", docs/coldstart.md), which may be older than the package-lock version every function runs locally.`,
      ]
    : [];
  return { functions, skipped, divergences };
}
