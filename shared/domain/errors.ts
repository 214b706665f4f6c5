/**
 * Errors the domain raises. Each has a `kind`; the HTTP layer maps kinds to status codes in one
 * place (functions/http/problem.ts), so use cases never speak HTTP.
 */
export interface FieldError {
  /** JSON Pointer into the request, e.g. `#/lines/0/quantity` (RFC 9457 convention). */
  pointer: string;
  /** The same location as a dotted path, e.g. `lines[0].quantity`; `(body)` for the whole body. */
  field: string;
  message: string;
}

export type DomainErrorKind =
  | 'validation'
  | 'not-found'
  | 'conflict'
  | 'idempotency-key-reused'
  | 'forbidden'
  | 'unauthorized'
  | 'precondition';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const validationError = (message: string, errors: FieldError[]) =>
  new DomainError('validation', message, { errors });
export const notFound = (what: string, id: string) =>
  new DomainError('not-found', `${what} ${id} was not found`);
export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('conflict', message, details);
export const forbidden = (message: string) => new DomainError('forbidden', message);

/** `lines.0.quantity` → `lines[0].quantity`; `#/lines/0/quantity` pointer. */
export function fieldErrorAt(path: readonly PropertyKey[], message: string): FieldError {
  const field = path.length
    ? path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
    : '(body)';
  const pointer = `#/${path.map((p) => String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
  return { pointer, field, message };
}
