import { openApiDocument } from '../../shared/api/openapi.ts';
import { apiHandler } from '../http/api-handler.ts';
import { json } from '../http/http-problems.ts';

const document = openApiDocument();

/** GET /openapi.json: the API description, generated from the domain schemas (no API key needed). */
export const handler = apiHandler(async (event) => {
  const host = event.requestContext.domainName ?? event.headers?.Host ?? 'localhost';
  const scheme = host.startsWith('localhost') || host.startsWith('127.') ? 'http' : 'https';
  return json(200, { ...document, servers: [{ url: `${scheme}://${host}/${event.requestContext.stage}` }] });
});
