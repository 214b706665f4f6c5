import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError, type DomainErrorKind } from '../../shared/domain/errors.ts';
import { InvalidTransitionError } from '../../shared/domain/order-status.ts';

/** The one place where errors become HTTP responses (RFC 9457 problem details). */
const STATUS_BY_KIND: Record<DomainErrorKind, { status: number; title: string }> = {
  validation: { status: 400, title: 'Request is not valid' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  precondition: { status: 412, title: 'Precondition failed' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused with a different request' },
};

/** HTTP-only failures (content type, size, malformed JSON) that happen before the domain sees the body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [key: string]: unknown;
}

export function problemResponse(
  problem: Problem,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(problem),
  };
}

const typeUri = (slug: string) => `https://quartermaster.dev/problems/${slug}`;

/** Maps any thrown value to a problem; unknown errors become an opaque 500 (details go to the log only). */
export function toProblem(error: unknown, instance?: string): Problem {
  const base = instance === undefined ? {} : { instance };
  if (error instanceof DomainError) {
    const { status, title } = STATUS_BY_KIND[error.kind];
    // `status` last: a use case's details (e.g. `{ status: order.status }`) must never replace the
    // HTTP status (a non-numeric statusCode is a 502 from API Gateway).
    return { type: typeUri(error.kind), title, detail: error.message, ...base, ...error.details, status };
  }
  if (error instanceof InvalidTransitionError) {
    return { type: typeUri('conflict'), title: 'Conflict', status: 409, detail: error.message, ...base };
  }
  if (error instanceof HttpError) {
    return {
      type: typeUri(error.title.toLowerCase().replaceAll(' ', '-')),
      title: error.title,
      status: error.status,
      detail: error.message,
      ...base,
      ...error.extra,
    };
  }
  return {
    type: typeUri('internal-error'),
    title: 'Internal error',
    status: 500,
    detail: 'The request could not be completed; it is safe to retry with the same Idempotency-Key.',
    ...base,
  };
}
