/**
 * API Gateway gateway responses: AWS's defaults, overridden by the template's
 * AWS::ApiGateway::GatewayResponse resources exactly as API Gateway applies them
 * (specific type, else DEFAULT_4XX / DEFAULT_5XX, else the built-in `{"message": ...}`).
 */
export const DEFAULT_GATEWAY_RESPONSES: Record<string, { status: number; message: string }> = {
  INVALID_API_KEY: { status: 403, message: 'Forbidden' },
  MISSING_AUTHENTICATION_TOKEN: { status: 403, message: 'Missing Authentication Token' },
  THROTTLED: { status: 429, message: 'Too Many Requests' },
  QUOTA_EXCEEDED: { status: 429, message: 'Limit Exceeded' },
  BAD_REQUEST_PARAMETERS: { status: 400, message: 'Missing required request parameters' },
  BAD_REQUEST_BODY: { status: 400, message: 'Invalid request body' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Too Long' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported Media Type' },
  INTEGRATION_FAILURE: { status: 504, message: 'Internal server error' },
  INTEGRATION_TIMEOUT: { status: 504, message: 'Endpoint request timed out' },
  API_CONFIGURATION_ERROR: { status: 500, message: 'Internal server error' },
  DEFAULT_4XX: { status: 400, message: 'Bad Request' },
  DEFAULT_5XX: { status: 502, message: 'Internal server error' },
};

export interface GatewayResponseDefinition {
  type: string;
  statusCode?: number;
  headers: Record<string, string>;
  template?: string;
}

export interface RenderedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The VTL variables gateway response templates may use locally; anything else is refused at load. */
const SUPPORTED_VARIABLES = new Set([
  '$context.error.messageString',
  '$context.error.message',
  '$context.error.responseType',
  '$context.error.validationErrorString',
  '$context.requestId',
]);

export function unsupportedTemplateVariables(template: string): string[] {
  return [...template.matchAll(/\$[a-zA-Z][a-zA-Z0-9.]*/g)]
    .map((m) => m[0])
    .filter((v) => !SUPPORTED_VARIABLES.has(v));
}

export function renderGatewayResponse(
  definitions: Map<string, GatewayResponseDefinition>,
  type: string,
  context: { message: string; requestId: string },
): RenderedResponse {
  const builtIn = DEFAULT_GATEWAY_RESPONSES[type];
  if (!builtIn) throw new Error(`Unknown gateway response type ${type}`);
  const family = builtIn.status >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const specific = definitions.get(type);
  const fallback = definitions.get(family);
  const status = specific?.statusCode ?? builtIn.status;
  const headers = { ...(fallback?.headers ?? {}), ...(specific?.headers ?? {}) };
  const template = specific?.template ?? fallback?.template;
  if (template === undefined) {
    return {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ message: context.message }),
    };
  }
  const body = template
    .replaceAll('$context.error.messageString', JSON.stringify(context.message))
    .replaceAll('$context.error.message', context.message)
    .replaceAll('$context.error.responseType', type)
    .replaceAll('$context.error.validationErrorString', context.message)
    .replaceAll('$context.requestId', context.requestId);
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body };
}
