import { z } from 'zod';
import { validationError } from './errors.ts';

export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1 to 255 visible ASCII characters');

/**
 * The request's `Idempotency-Key` header, or a 400 naming the header: missing (`whenMissing` says
 * when and why it is needed) or malformed.
 */
export function requireIdempotencyKey(value: string | undefined, whenMissing: string): string {
  const check = IdempotencyKeySchema.safeParse(value);
  if (check.success) return check.data;
  throw validationError('The Idempotency-Key header is required', [
    {
      pointer: '',
      field: 'header:Idempotency-Key',
      message: value === undefined ? whenMissing : (check.error.issues[0]?.message ?? 'is not valid'),
    },
  ]);
}
