import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Caller, DEFAULT_SCOPES, type Scope } from '../../shared/domain/caller.ts';
import { DomainError, validationError } from '../../shared/domain/errors.ts';
import { unsafeTextErrors } from '../../shared/domain/safe-text.ts';
import { HttpError } from './problem.ts';

/** Largest request body accepted (API Gateway allows 10 MB; an order never needs more than this). */
export const MAX_BODY_BYTES = 256 * 1024;

export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/**
 * Reads a JSON body with the checks a client deserves clear answers for: media type (415),
 * size (413), syntax (400). An absent body is `undefined` when `optional`.
 */
export function readJsonBody(event: APIGatewayProxyEvent, options: { optional?: boolean } = {}): unknown {
  const raw = event.body;
  if (raw === null || raw === undefined || raw === '') {
    if (options.optional) return undefined;
    throw new HttpError(400, 'Request is not valid', 'A JSON request body is required', {
      errors: [{ pointer: '#/', field: '(body)', message: 'is required' }],
    });
  }
  const contentType = header(event, 'content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json' && !mediaType?.endsWith('+json')) {
    throw new HttpError(
      415,
      'Unsupported media type',
      `Send the body as application/json (got ${contentType === undefined ? 'no Content-Type' : contentType})`,
    );
  }
  const charset = /charset=([^;]+)/i
    .exec(contentType ?? '')?.[1]
    ?.trim()
    .toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(
      415,
      'Unsupported media type',
      `Only UTF-8 bodies are accepted (got charset ${charset})`,
    );
  }
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.byteLength > MAX_BODY_BYTES) {
    throw new HttpError(
      413,
      'Payload too large',
      `The body is ${bytes.byteLength} bytes; at most ${MAX_BODY_BYTES} are accepted`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new HttpError(
      400,
      'Request is not valid',
      `The body is not valid JSON: ${(error as Error).message}`,
      {
        errors: [{ pointer: '#/', field: '(body)', message: 'is not valid JSON' }],
      },
    );
  }
  // JSON may spell a NUL or a lone surrogate (\u0000, \ud800); no field of any request may hold one.
  const unsafe = unsafeTextErrors(body);
  if (unsafe.length) throw validationError('The request is not valid', unsafe);
  return body;
}

export interface ChannelKeyConfig {
  channel: string;
  admin?: boolean;
  scopes?: Scope[];
  /** Fulfilment partners: the locations whose shipments the key may act on. */
  locationIds?: string[];
}

/** `CHANNEL_API_KEYS`: API key id → channel, written by the stack from the per-channel API keys. */
export function parseChannelKeys(json: string | undefined): Map<string, ChannelKeyConfig> {
  if (!json) return new Map();
  const parsed = JSON.parse(json) as Record<string, ChannelKeyConfig>;
  return new Map(Object.entries(parsed));
}

/** The channel comes from the API key API Gateway validated, never from the body. */
export function callerFromEvent(
  event: APIGatewayProxyEvent,
  channelKeys: Map<string, ChannelKeyConfig>,
): Caller {
  const keyId = event.requestContext.identity.apiKeyId;
  const config = keyId ? channelKeys.get(keyId) : undefined;
  if (!config) {
    throw new DomainError('forbidden', 'This API key is not assigned to a sales channel');
  }
  return {
    channel: config.channel,
    admin: config.admin === true || (config.scopes ?? []).includes('admin'),
    scopes: config.scopes ?? DEFAULT_SCOPES,
    ...(config.locationIds ? { locationIds: config.locationIds } : {}),
  };
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Correlation-Id when well-formed, else API Gateway's request id. */
export function correlationIdOf(event: APIGatewayProxyEvent): string {
  const given = header(event, 'x-correlation-id');
  return given !== undefined && CORRELATION_ID.test(given) ? given : event.requestContext.requestId;
}
