import { type FieldError, fieldErrorAt } from './errors.ts';

/**
 * Why `text` cannot be stored, or undefined when it can. A NUL ends strings in C-based tools and
 * logs; an unpaired UTF-16 surrogate is not text at all (it has no UTF-8 encoding, so DynamoDB,
 * partners and logs would each mangle it differently).
 */
export function unsafeTextReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (!text.isWellFormed()) return 'must not contain unpaired UTF-16 surrogates (not valid Unicode text)';
  return undefined;
}

/**
 * Every string in a parsed request body (keys included) checked once, before any schema: the one
 * refinement every string field gets, whatever schema later reads it. One error per bad field.
 */
export function unsafeTextErrors(value: unknown, path: (string | number)[] = []): FieldError[] {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    return reason ? [fieldErrorAt(path, reason)] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => unsafeTextErrors(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => {
      const reason = unsafeTextReason(key);
      return reason
        ? [fieldErrorAt([...path, key], `field name ${reason}`)]
        : unsafeTextErrors(item, [...path, key]);
    });
  }
  return [];
}
