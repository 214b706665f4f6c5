import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';
import { type GatewayResponseDefinition, unsupportedTemplateVariables } from './gateway-responses.ts';

export interface Route {
  path: string;
  segments: string[];
  method: string;
  functionArn: string;
  apiKeyRequired: boolean;
  /** Required request parameters, checked when the method's validator validates parameters. */
  required: { header: string[]; querystring: string[]; path: string[] };
  validateParameters: boolean;
}

export interface ApiKeyModel {
  logicalId: string;
  name: string;
  enabled: boolean;
}

export interface UsagePlanModel {
  logicalId: string;
  name: string;
  keyIds: string[];
  throttle?: { rateLimit: number; burstLimit: number };
  quota?: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' };
}

export interface RestApiModel {
  apiId: string;
  stageName: string;
  routes: Route[];
  keys: ApiKeyModel[];
  plans: UsagePlanModel[];
  stageThrottle?: { rateLimit: number; burstLimit: number };
  gatewayResponses: Map<string, GatewayResponseDefinition>;
  /** What AWS would do that this local emulation does not: printed loudly at startup. */
  warnings: string[];
}

type Props = Record<string, unknown>;

/** Reads the REST API (resources, methods, keys, plans, validators, gateway responses) from the template. */
export function restApiFromTemplate(ctx: IntrinsicContext): RestApiModel {
  const { template } = ctx;
  const warnings: string[] = [];
  const apis = resourcesOfType(template, 'AWS::ApiGateway::RestApi');
  if (apis.length !== 1)
    throw new Error(`Expected exactly one REST API in the template, found ${apis.length}`);
  const [apiId, api] = apis[0]!;
  const apiProps = api.Properties ?? {};
  if (apiProps.ApiKeySourceType !== undefined && apiProps.ApiKeySourceType !== 'HEADER') {
    warnings.push(
      `REST API ${apiId}: ApiKeySourceType ${String(apiProps.ApiKeySourceType)} is not emulated (HEADER is)`,
    );
  }
  if (apiProps.BinaryMediaTypes) warnings.push(`REST API ${apiId}: BinaryMediaTypes are not emulated`);
  if (apiProps.Policy) warnings.push(`REST API ${apiId}: the resource policy is not enforced locally`);

  const resolveId = (value: unknown) => String(resolveIntrinsics(value, ctx));
  const rootId = resolveId({ 'Fn::GetAtt': [apiId, 'RootResourceId'] });

  // Resource tree → full paths.
  const parents = new Map<string, { parent: string; part: string }>();
  for (const [id, r] of resourcesOfType(template, 'AWS::ApiGateway::Resource')) {
    const p = r.Properties ?? {};
    parents.set(id, { parent: resolveId(p.ParentId), part: String(p.PathPart) });
  }
  const pathOf = (id: string): string => {
    if (id === rootId) return '/';
    const node = parents.get(id);
    if (!node) throw new Error(`API Gateway resource ${id} not found`);
    const parent = pathOf(node.parent);
    return `${parent === '/' ? '' : parent}/${node.part}`;
  };

  const validators = new Map<string, { parameters: boolean; body: boolean }>();
  for (const [id, r] of resourcesOfType(template, 'AWS::ApiGateway::RequestValidator')) {
    const p = r.Properties ?? {};
    validators.set(id, {
      parameters: p.ValidateRequestParameters === true,
      body: p.ValidateRequestBody === true,
    });
  }

  const routes: Route[] = [];
  for (const [id, r] of resourcesOfType(template, 'AWS::ApiGateway::Method')) {
    const p = (r.Properties ?? {}) as Props;
    const method = String(p.HttpMethod);
    const path = pathOf(resolveId(p.ResourceId));
    const integration = (p.Integration ?? {}) as Props;
    if (method === 'OPTIONS' && integration.Type === 'MOCK') continue; // CORS preflight
    if (integration.Type !== 'AWS_PROXY') {
      warnings.push(
        `${method} ${path}: integration type ${String(integration.Type)} is not emulated; route skipped`,
      );
      continue;
    }
    if (p.AuthorizationType !== undefined && p.AuthorizationType !== 'NONE') {
      warnings.push(`${method} ${path}: authorizer ${String(p.AuthorizationType)} is NOT enforced locally`);
    }
    const uri = String(resolveIntrinsics(integration.Uri, ctx));
    const arn = /functions\/(arn:aws:lambda:[^/]+)\/invocations$/.exec(uri)?.[1];
    if (!arn) throw new Error(`${method} ${path}: cannot find the Lambda function in integration URI ${uri}`);
    const validator = p.RequestValidatorId ? validators.get(resolveId(p.RequestValidatorId)) : undefined;
    if (validator?.body && p.RequestModels) {
      warnings.push(
        `${method} ${path}: request body models are not validated locally (the handler validates)`,
      );
    }
    const required = { header: [] as string[], querystring: [] as string[], path: [] as string[] };
    for (const [param, isRequired] of Object.entries(
      (p.RequestParameters ?? {}) as Record<string, unknown>,
    )) {
      const match = /^method\.request\.(header|querystring|path)\.(.+)$/.exec(param);
      if (match && isRequired === true) required[match[1] as keyof typeof required].push(match[2]!);
    }
    routes.push({
      path,
      segments: path.split('/').filter(Boolean),
      method,
      functionArn: arn,
      apiKeyRequired: p.ApiKeyRequired === true,
      required,
      validateParameters: validator?.parameters === true,
    });
    void id;
  }

  const stages = resourcesOfType(template, 'AWS::ApiGateway::Stage');
  if (stages.length !== 1) warnings.push(`Expected one API stage, found ${stages.length}; using the first`);
  const stage = (stages[0]?.[1].Properties ?? {}) as Props;
  const stageName = String(stage.StageName ?? 'prod');
  const settings = ((stage.MethodSettings ?? []) as Props[]).find(
    (s) => s.ResourcePath === '/*' && s.HttpMethod === '*',
  );
  const stageThrottle =
    settings?.ThrottlingRateLimit !== undefined
      ? {
          rateLimit: Number(settings.ThrottlingRateLimit),
          burstLimit: Number(settings.ThrottlingBurstLimit ?? 0),
        }
      : undefined;
  if (stage.CacheClusterEnabled) warnings.push('Stage cache is not emulated');

  const keys: ApiKeyModel[] = resourcesOfType(template, 'AWS::ApiGateway::ApiKey').map(([id, r]) => ({
    logicalId: resolveId({ Ref: id }),
    name: String(r.Properties?.Name ?? id),
    enabled: r.Properties?.Enabled !== false,
  }));

  const planKeys = new Map<string, string[]>();
  for (const [, r] of resourcesOfType(template, 'AWS::ApiGateway::UsagePlanKey')) {
    const p = r.Properties ?? {};
    const plan = resolveId(p.UsagePlanId);
    planKeys.set(plan, [...(planKeys.get(plan) ?? []), resolveId(p.KeyId)]);
  }
  const plans: UsagePlanModel[] = resourcesOfType(template, 'AWS::ApiGateway::UsagePlan').map(([id, r]) => {
    const p = (r.Properties ?? {}) as Props;
    const throttle = p.Throttle as { RateLimit?: number; BurstLimit?: number } | undefined;
    const quota = p.Quota as
      | { Limit?: number; Period?: 'DAY' | 'WEEK' | 'MONTH'; Offset?: number }
      | undefined;
    if (quota?.Offset) warnings.push(`Usage plan ${id}: quota Offset is ignored locally`);
    return {
      logicalId: id,
      name: String(p.UsagePlanName ?? id),
      keyIds: planKeys.get(resolveId({ Ref: id })) ?? [],
      ...(throttle?.RateLimit !== undefined
        ? { throttle: { rateLimit: throttle.RateLimit, burstLimit: throttle.BurstLimit ?? 0 } }
        : {}),
      ...(quota?.Limit !== undefined ? { quota: { limit: quota.Limit, period: quota.Period ?? 'DAY' } } : {}),
    };
  });

  const gatewayResponses = new Map<string, GatewayResponseDefinition>();
  for (const [id, r] of resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse')) {
    const p = (r.Properties ?? {}) as Props;
    const templates = (p.ResponseTemplates ?? {}) as Record<string, string>;
    const body = templates['application/json'];
    if (body !== undefined) {
      const bad = unsupportedTemplateVariables(body);
      if (bad.length)
        throw new Error(
          `Gateway response ${id} uses variables the local runtime cannot render: ${bad.join(', ')}`,
        );
    }
    const headers: Record<string, string> = {};
    for (const [param, value] of Object.entries((p.ResponseParameters ?? {}) as Record<string, string>)) {
      const name = /^gatewayresponse\.header\.(.+)$/.exec(param)?.[1];
      if (name) headers[name] = value.replace(/^'(.*)'$/, '$1');
    }
    gatewayResponses.set(String(p.ResponseType), {
      type: String(p.ResponseType),
      ...(p.StatusCode !== undefined ? { statusCode: Number(p.StatusCode) } : {}),
      headers,
      ...(body !== undefined ? { template: body } : {}),
    });
  }

  return { apiId, stageName, routes, keys, plans, stageThrottle, gatewayResponses, warnings };
}
