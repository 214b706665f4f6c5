import type { z } from 'zod';
import { type FieldError, fieldErrorAt, validationError } from './errors.ts';

/** Turns zod issues into field errors a client can act on, one per bad field. */
export function fieldErrorsFromZod(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push(fieldErrorAt([...issue.path, key], 'is not a recognised field'));
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push(fieldErrorAt(issue.path, issue.message));
    } else {
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      out.push(fieldErrorAt(issue.path, missing ? 'is required' : issue.message));
    }
  }
  return out;
}

/** Parses `input` or throws a `validation` DomainError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw validationError(`The ${what} is not valid`, fieldErrorsFromZod(result.error));
}
