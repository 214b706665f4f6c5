import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { openApiDocument } from '../../shared/api/openapi.ts';

type Json = Record<string, unknown>;
const document = openApiDocument() as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Json };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormatsModule as unknown as { default: (a: Ajv2020) => void }).default(ajv);
const compiled = new Map<string, ValidateFunction>();

const routes = Object.entries(document.paths).map(([template, operations]) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+').replaceAll('.', '\\.')}$`),
  operations,
}));

function validator(key: string, schema: unknown): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.compile(schema as Json);
    compiled.set(key, fn);
  }
  return fn;
}

/**
 * Checks a real response against the OpenAPI document the API serves: the status is documented for
 * the operation, errors are problem+json with the Problem shape, and success bodies match their schema.
 * Returns the problems found (empty = conforms).
 */
export function conformanceProblems(
  method: string,
  pathWithQuery: string,
  status: number,
  contentType: string | null,
  body: unknown,
): string[] {
  const path = pathWithQuery.split('?')[0] ?? '';
  const where = `${method} ${path} → ${status}`;
  const isProblem = contentType === 'application/problem+json';
  const problemCheck = () => {
    const validate = validator('Problem', document.components.schemas.Problem);
    return validate(body)
      ? []
      : [`${where}: problem body does not match Problem: ${ajv.errorsText(validate.errors)}`];
  };
  const route = routes.find((r) => r.pattern.test(path));
  const operation = route?.operations[method.toLowerCase()];
  if (!route || !operation) {
    // Unknown routes and methods are answered by the gateway, as problem+json.
    return status >= 400 && isProblem
      ? problemCheck()
      : [`${where}: undocumented route answered ${status} ${contentType}`];
  }
  const response = (operation.responses as Record<string, Json>)[String(status)];
  if (!response) return [`${where}: status ${status} is not documented for this operation`];
  if (status >= 400) return isProblem ? problemCheck() : [`${where}: error without application/problem+json`];
  if (contentType !== 'application/json')
    return [`${where}: content type ${contentType}, documented application/json`];
  const schema = ((response.content as Json)['application/json'] as Json).schema;
  const validate = validator(`${method} ${route.template} ${status}`, schema);
  return validate(body)
    ? []
    : [`${where}: body does not match the documented schema: ${ajv.errorsText(validate.errors)}`];
}
