/**
 * Task tokens are bearer credentials: whoever holds one can complete (or fail) the waiting step, so
 * an execution view must never show them. Step Functions puts them in history events wherever the
 * ASL passes `$$.Task.Token` (a TaskScheduled event's `parameters`, as a JSON string), so this walks
 * values, JSON inside strings included, replaces every `taskToken` member, and then every other
 * occurrence of a token value it found that way (an error message or output that echoes it).
 */
export const REDACTED_TOKEN = '[task token redacted]';

/** `taskToken` as the workflows name it; `token` as some integrations (and hand-written ASL) do. */
const TOKEN_KEY = /^(task_?)?token$/i;

export function redactTaskTokens<T>(view: T): T {
  const tokens = new Set<string>();
  collect(view, tokens);
  return scrub(view, tokens) as T;
}

function parsedJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function collect(value: unknown, tokens: Set<string>): void {
  if (typeof value === 'string') {
    const inner = parsedJson(value);
    if (inner !== undefined) collect(inner, tokens);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, tokens);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      if (TOKEN_KEY.test(key) && typeof member === 'string' && member.length > 0) tokens.add(member);
      collect(member, tokens);
    }
  }
}

function scrub(value: unknown, tokens: Set<string>): unknown {
  if (typeof value === 'string') {
    const inner = parsedJson(value);
    if (inner !== undefined) return JSON.stringify(scrub(inner, tokens));
    let text = value;
    for (const token of tokens) text = text.split(token).join(REDACTED_TOKEN);
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, tokens));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, member]) => [
        key,
        TOKEN_KEY.test(key) && typeof member === 'string' ? REDACTED_TOKEN : scrub(member, tokens),
      ]),
    );
  }
  return value;
}
