/**
 * EventBridge event-pattern matching and validation for the local runtime.
 *
 * Semantics follow the EventBridge user guide (content filtering, comparison operators, arrays,
 * null and empty strings) and, where the guide is silent, aws/event-ruler, the open-source engine
 * EventBridge runs on:
 * - a pattern leaf is an array of alternatives (OR); sibling fields are AND;
 * - an event array matches if any of its elements matches; sub-patterns under one field must be
 *   satisfied inside a single array element (Ruler's "array-consistent" matching);
 * - comparison operators apply to leaf values (string, number, boolean, null); an object-valued
 *   field is not a leaf, so `exists: true` fails on it and `exists: false` succeeds;
 * - an absent field matches nothing except `exists: false` (so `anything-but` needs the field).
 */

export type EventPattern = Record<string, unknown>;

type JsonLeaf = string | number | boolean | null;

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

// Ruler refuses these as field names inside $or, so a misplaced operator there is caught.
const RESERVED_IN_OR = new Set([
  ...OPERATORS,
  'exactly',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

// Ruler encodes numbers for range matching only within ±5e9; outside it numeric comparisons never match.
const NUMERIC_LIMIT = 5e9;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is JsonLeaf {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

// ---------------------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------------------

/** True when `event` satisfies `pattern`. Assumes the pattern passed {@link validateEventPattern}. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchObject(pattern, event);
}

/** Objects found at this level: arrays (at any depth) are crushed out, as Ruler does. */
function objectCandidates(node: unknown): Record<string, unknown>[] {
  if (isPlainObject(node)) return [node];
  if (Array.isArray(node)) return node.flatMap(objectCandidates);
  return [];
}

function matchObject(pattern: Record<string, unknown>, node: unknown): boolean {
  const candidates = objectCandidates(node);
  // No object here (absent, a leaf, an empty array): every field below is absent.
  if (candidates.length === 0) return matchFields(pattern, undefined);
  return candidates.some((candidate) => matchFields(pattern, candidate));
}

function matchFields(pattern: Record<string, unknown>, node: Record<string, unknown> | undefined): boolean {
  for (const [key, sub] of Object.entries(pattern)) {
    if (key === '$or' && Array.isArray(sub)) {
      if (!sub.some((branch) => isPlainObject(branch) && matchFields(branch, node))) return false;
      continue;
    }
    const child = node && Object.hasOwn(node, key) ? node[key] : undefined;
    if (Array.isArray(sub)) {
      if (!matchLeaf(sub, child)) return false;
    } else if (isPlainObject(sub)) {
      if (!matchObject(sub, child)) return false;
    } else {
      return false;
    }
  }
  return true;
}

/** Leaf values of an event field: arrays flattened, objects dropped (they are not leaves). */
function leafValues(field: unknown): JsonLeaf[] {
  if (field === undefined) return [];
  if (Array.isArray(field)) return field.flatMap(leafValues);
  return isLeaf(field) ? [field] : [];
}

function matchLeaf(alternatives: unknown[], field: unknown): boolean {
  const leaves = leafValues(field);
  return alternatives.some((alternative) => {
    if (isPlainObject(alternative)) {
      if (Object.hasOwn(alternative, 'exists')) {
        return alternative.exists === true ? leaves.length > 0 : leaves.length === 0;
      }
      return leaves.some((leaf) => matchOperator(alternative, leaf));
    }
    return leaves.some((leaf) => exactEquals(alternative, leaf));
  });
}

function exactEquals(expected: unknown, actual: JsonLeaf): boolean {
  if (typeof expected === 'string' && typeof actual === 'string') {
    // Ruler stores IP literals as addresses, so "::1" and "0:0:0:0:0:0:0:1" are the same value.
    return expected === actual || sameIpAddress(expected, actual);
  }
  // JSON numbers compare numerically (3 and 3.0 are one value); types never coerce.
  return expected === actual;
}

function matchOperator(operator: Record<string, unknown>, leaf: JsonLeaf): boolean {
  const [name] = Object.keys(operator);
  const operand = name === undefined ? undefined : operator[name];
  switch (name) {
    case 'prefix':
      return typeof leaf === 'string' && affixMatches(operand, leaf, 'prefix');
    case 'suffix':
      return typeof leaf === 'string' && affixMatches(operand, leaf, 'suffix');
    case 'equals-ignore-case':
      return typeof leaf === 'string' && typeof operand === 'string' && sameIgnoringCase(leaf, operand);
    case 'wildcard':
      return typeof leaf === 'string' && typeof operand === 'string' && wildcardMatches(operand, leaf);
    case 'numeric':
      return typeof leaf === 'number' && Array.isArray(operand) && numericMatches(operand, leaf);
    case 'cidr':
      return typeof leaf === 'string' && typeof operand === 'string' && cidrContains(operand, leaf);
    case 'anything-but':
      return anythingButMatches(operand, leaf);
    default:
      return false;
  }
}

function sameIgnoringCase(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** `prefix`/`suffix` operand: a string, or `{ "equals-ignore-case": string }`. */
function affixMatches(operand: unknown, value: string, kind: 'prefix' | 'suffix'): boolean {
  let affix: unknown = operand;
  let ignoreCase = false;
  if (isPlainObject(operand)) {
    affix = operand['equals-ignore-case'];
    ignoreCase = true;
  }
  if (typeof affix !== 'string') return false;
  const subject = ignoreCase ? value.toLowerCase() : value;
  const wanted = ignoreCase ? affix.toLowerCase() : affix;
  return kind === 'prefix' ? subject.startsWith(wanted) : subject.endsWith(wanted);
}

function asList(operand: unknown): unknown[] {
  return Array.isArray(operand) ? operand : [operand];
}

/**
 * `anything-but` matches any present leaf that is not excluded. The string forms (prefix, suffix,
 * equals-ignore-case, wildcard) only ever exclude strings, so other leaf types pass.
 */
function anythingButMatches(operand: unknown, leaf: JsonLeaf): boolean {
  if (isPlainObject(operand)) {
    const [form] = Object.keys(operand);
    const values = asList(form === undefined ? undefined : operand[form]).filter(
      (v): v is string => typeof v === 'string',
    );
    if (typeof leaf !== 'string') return true;
    switch (form) {
      case 'prefix':
        return !values.some((v) => leaf.startsWith(v));
      case 'suffix':
        return !values.some((v) => leaf.endsWith(v));
      case 'equals-ignore-case':
        return !values.some((v) => sameIgnoringCase(leaf, v));
      case 'wildcard':
        return !values.some((v) => wildcardMatches(v, leaf));
      default:
        return false;
    }
  }
  return !asList(operand).some((excluded) => exactEquals(excluded, leaf));
}

// ---------------------------------------------------------------------------------------------
// Numeric
// ---------------------------------------------------------------------------------------------

function numericMatches(terms: unknown[], value: number): boolean {
  if (Math.abs(value) > NUMERIC_LIMIT) return false;
  for (let i = 0; i + 1 < terms.length; i += 2) {
    const op = terms[i];
    const bound = terms[i + 1];
    if (typeof bound !== 'number') return false;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return terms.length >= 2;
}

// ---------------------------------------------------------------------------------------------
// Wildcard
// ---------------------------------------------------------------------------------------------

/**
 * Splits a wildcard pattern into the literal runs between unescaped `*`. `\*` is a literal star and
 * `\\` a literal backslash; any other escape, a trailing backslash, or `**` is an error (as in Ruler).
 */
function parseWildcard(pattern: string): { segments: string[] } | { error: string } {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') {
        return { error: `invalid escape at position ${i} (only \\* and \\\\ may be escaped)` };
      }
      current += next;
      i++;
    } else if (ch === '*') {
      if (pattern[i + 1] === '*') {
        return { error: `consecutive wildcard characters at position ${i} are not allowed` };
      }
      segments.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  segments.push(current);
  return { segments };
}

function wildcardMatches(pattern: string, value: string): boolean {
  const parsed = parseWildcard(pattern);
  if ('error' in parsed) return false;
  const { segments } = parsed;
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  // Leftmost placement of each middle run is optimal for `*`-only globs, so no backtracking.
  let position = first.length;
  const end = value.length - last.length;
  for (const middle of segments.slice(1, -1)) {
    const found = value.indexOf(middle, position);
    if (found === -1 || found + middle.length > end) return false;
    position = found + middle.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDR
// ---------------------------------------------------------------------------------------------

interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

function parseIPv4(text: string): bigint | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  let value = 0n;
  for (const part of match.slice(1)) {
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIPv6(text: string): bigint | undefined {
  if (!text.includes(':') || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (const [index, piece] of pieces.entries()) {
      if (piece.includes('.')) {
        // An embedded IPv4 tail (::ffff:10.0.0.1) supplies the last two groups.
        if (index !== pieces.length - 1) return undefined;
        const v4 = parseIPv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        groups.push(Number.parseInt(piece, 16));
      }
    }
    return groups;
  };
  // An IPv4 tail may only end the address, never precede '::'.
  if (halves.length === 2 && (halves[0] ?? '').includes('.')) return undefined;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(group), 0n);
}

/** Parses an IP literal as written: IPv4 dotted quad or IPv6 (an IPv4-mapped one stays IPv6). */
function parseIpLiteral(text: string): IpAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { version: 4, value: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { version: 6, value: v6 };
}

/**
 * An event value (or exact pattern value) read as an IP address. EventBridge keeps an IPv4-mapped
 * IPv6 address (`::ffff:10.0.0.1`, `::ffff:a00:1`) a plain string: it is neither the IPv4 address
 * it maps nor inside any CIDR range, and equals only the identical string.
 */
function parseIp(text: string): IpAddress | undefined {
  const address = parseIpLiteral(text);
  if (address?.version === 6 && address.value >> 32n === 0xffffn) return undefined;
  return address;
}

function sameIpAddress(a: string, b: string): boolean {
  const left = parseIp(a);
  const right = left && parseIp(b);
  return (
    left !== undefined && right !== undefined && left.version === right.version && left.value === right.value
  );
}

interface CidrRange {
  version: 4 | 6;
  network: bigint;
  prefixBits: number;
}

function parseCidr(text: string): CidrRange | { error: string } {
  const parts = text.split('/');
  if (parts.length !== 2) return { error: `malformed CIDR "${text}", exactly one "/" required` };
  const [addressText = '', bitsText = ''] = parts;
  if (!/^\d+$/.test(bitsText))
    return { error: `malformed CIDR "${text}", mask bits must be a non-negative integer` };
  const prefixBits = Number(bitsText);
  const address = parseIpLiteral(addressText);
  if (!address) return { error: `invalid IP address "${addressText}" in CIDR "${text}"` };
  // Ruler (and so EventBridge) refuses a full-length mask: /32 for IPv4, /128 for IPv6.
  if (address.version === 4 && prefixBits > 31) return { error: `IPv4 mask bits must be < 32 in "${text}"` };
  if (address.version === 6 && prefixBits > 127)
    return { error: `IPv6 mask bits must be < 128 in "${text}"` };
  const width = address.version === 4 ? 32n : 128n;
  const hostBits = width - BigInt(prefixBits);
  // Host bits of the given address are ignored: 10.0.0.7/24 means 10.0.0.0/24.
  const network = (address.value >> hostBits) << hostBits;
  return { version: address.version, network, prefixBits };
}

function cidrContains(cidr: string, ipText: string): boolean {
  const range = parseCidr(cidr);
  const ip = parseIp(ipText);
  if ('error' in range || !ip || ip.version !== range.version) return false;
  const hostBits = (range.version === 4 ? 32n : 128n) - BigInt(range.prefixBits);
  return ip.value >> hostBits === range.network >> hostBits;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

/**
 * Problems that would make EventBridge reject the pattern (PutRule's InvalidEventPatternException),
 * one human-readable line each; an empty list means the pattern is valid.
 */
export function validateEventPattern(pattern: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(pattern)) {
    problems.push('event pattern must be a JSON object');
    return problems;
  }
  validateObject(pattern, '', false, problems);
  return problems;
}

function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function where(path: string): string {
  return path === '' ? 'pattern' : path;
}

function validateObject(
  node: Record<string, unknown>,
  path: string,
  insideOr: boolean,
  problems: string[],
): void {
  const entries = Object.entries(node);
  if (entries.length === 0) {
    problems.push(`${where(path)}: empty objects are not allowed`);
    return;
  }
  for (const [key, value] of entries) {
    const here = childPath(path, key);
    if (key === '$or') {
      validateOr(value, here, problems);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      problems.push(
        `${here}: "${key}" is a reserved operator name and cannot be used as a field name inside $or`,
      );
      continue;
    }
    if (Array.isArray(value)) {
      validateLeafArray(value, here, problems);
    } else if (isPlainObject(value)) {
      validateObject(value, here, insideOr, problems);
    } else if (OPERATORS.has(key)) {
      problems.push(
        `${here}: "${key}" is a comparison operator and belongs inside a value array, e.g. "field": [{ "${key}": ${JSON.stringify(value)} }]`,
      );
    } else {
      problems.push(
        `${here}: must be an object or an array of values (got ${describe(value)}); write ${JSON.stringify(key)}: [${JSON.stringify(value)}]`,
      );
    }
  }
}

function validateOr(value: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(value) || value.length < 2) {
    problems.push(`${path}: $or must be an array of at least two pattern objects`);
    return;
  }
  value.forEach((branch, index) => {
    const here = `${path}[${index}]`;
    if (!isPlainObject(branch)) {
      problems.push(`${here}: only JSON objects are allowed in a $or array (got ${describe(branch)})`);
      return;
    }
    validateObject(branch, here, true, problems);
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function validateLeafArray(values: unknown[], path: string, problems: string[]): void {
  if (values.length === 0) {
    problems.push(`${path}: empty arrays are not allowed`);
    return;
  }
  values.forEach((value, index) => {
    const here = `${path}[${index}]`;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      problems.push(`${here}: numbers must be finite`);
    } else if (isLeaf(value)) {
      return;
    } else if (isPlainObject(value)) {
      validateOperator(value, here, problems);
    } else {
      problems.push(
        `${here}: match value must be a string, number, true, false, null or an operator object (got ${describe(value)})`,
      );
    }
  });
}

function validateOperator(operator: Record<string, unknown>, path: string, problems: string[]): void {
  const keys = Object.keys(operator);
  const [name] = keys;
  if (name === undefined) {
    problems.push(`${path}: empty match expression; expected an operator such as {"prefix": "..."}`);
    return;
  }
  if (keys.length > 1) {
    problems.push(`${path}: only one key allowed in a match expression (got ${keys.join(', ')})`);
    return;
  }
  const operand = operator[name];
  const here = `${path}.${name}`;
  switch (name) {
    case 'prefix':
    case 'suffix':
      validateAffix(operand, here, name, problems);
      return;
    case 'equals-ignore-case':
      if (typeof operand !== 'string')
        problems.push(`${here}: equals-ignore-case match pattern must be a string`);
      return;
    case 'wildcard':
      validateWildcard(operand, here, problems);
      return;
    case 'exists':
      if (typeof operand !== 'boolean')
        problems.push(`${here}: exists match pattern must be either true or false`);
      return;
    case 'cidr':
      if (typeof operand !== 'string') {
        problems.push(`${here}: cidr match pattern must be a string such as "10.0.0.0/24"`);
      } else {
        const range = parseCidr(operand);
        if ('error' in range) problems.push(`${here}: ${range.error}`);
      }
      return;
    case 'numeric':
      validateNumeric(operand, here, problems);
      return;
    case 'anything-but':
      validateAnythingBut(operand, here, problems);
      return;
    default:
      problems.push(
        `${path}: unknown operator "${name}" (expected one of ${[...OPERATORS].join(', ')})${
          name === '$or' ? '; $or belongs at object level, not inside a value array' : ''
        }`,
      );
  }
}

function validateAffix(operand: unknown, path: string, kind: string, problems: string[]): void {
  if (typeof operand === 'string') return;
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      problems.push(
        `${path}: unsupported ${kind} pattern ${JSON.stringify(operand)}; only {"equals-ignore-case": "..."}`,
      );
      return;
    }
    if (typeof operand['equals-ignore-case'] !== 'string') {
      problems.push(`${path}.equals-ignore-case: equals-ignore-case match pattern must be a string`);
    }
    return;
  }
  problems.push(`${path}: ${kind} match pattern must be a string or {"equals-ignore-case": string}`);
}

function validateWildcard(operand: unknown, path: string, problems: string[]): void {
  if (typeof operand !== 'string') {
    problems.push(`${path}: wildcard match pattern must be a string`);
    return;
  }
  const parsed = parseWildcard(operand);
  if ('error' in parsed) problems.push(`${path}: ${parsed.error}`);
}

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

function validateNumericBound(
  value: unknown,
  operator: string,
  path: string,
  problems: string[],
): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push(`${path}: value of ${operator} must be numeric (got ${describe(value)})`);
    return false;
  }
  if (Math.abs(value) > NUMERIC_LIMIT) {
    problems.push(`${path}: numeric value ${value} is outside the supported range -5e9..5e9`);
    return false;
  }
  return true;
}

function validateNumeric(operand: unknown, path: string, problems: string[]): void {
  if (!Array.isArray(operand) || operand.length === 0) {
    problems.push(`${path}: value of numeric must be a non-empty array such as [">", 0, "<=", 5]`);
    return;
  }
  const [first, firstValue, second, secondValue] = operand;
  if (typeof first !== 'string' || !NUMERIC_OPERATORS.has(first)) {
    problems.push(
      `${path}: unrecognized numeric operator ${JSON.stringify(first)} (expected =, <, <=, > or >=)`,
    );
    return;
  }
  if (operand.length < 2) {
    problems.push(`${path}: numeric operator "${first}" needs a value`);
    return;
  }
  if (!validateNumericBound(firstValue, first, path, problems)) return;
  if (operand.length === 2) return;
  if (first === '=' || first === '<' || first === '<=') {
    problems.push(
      `${path}: "${first}" must be the only comparison; a range starts with > or >= and ends with < or <=`,
    );
    return;
  }
  if (operand.length !== 4) {
    problems.push(`${path}: too many terms in numeric range expression (expected [">", lower, "<", upper])`);
    return;
  }
  if (second !== '<' && second !== '<=') {
    problems.push(
      `${path}: bad numeric range operator ${JSON.stringify(second)}; the upper bound takes < or <=`,
    );
    return;
  }
  if (!validateNumericBound(secondValue, second, path, problems)) return;
  if (!(firstValue < secondValue)) {
    problems.push(`${path}: bottom of numeric range (${firstValue}) must be less than top (${secondValue})`);
  }
}

const ANYTHING_BUT_FORMS = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']);

function validateAnythingBut(operand: unknown, path: string, problems: string[]): void {
  if (typeof operand === 'string') return;
  if (typeof operand === 'number') {
    validateNumericBound(operand, 'anything-but', path, problems);
    return;
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) {
      problems.push(`${path}: anything-but list must not be empty`);
      return;
    }
    const invalid = operand.find((v) => typeof v !== 'string' && typeof v !== 'number');
    if (invalid !== undefined) {
      problems.push(
        `${path}: inside an anything-but list only strings or numbers are allowed (got ${describe(invalid)})`,
      );
      return;
    }
    const hasString = operand.some((v) => typeof v === 'string');
    const hasNumber = operand.some((v) => typeof v === 'number');
    if (hasString && hasNumber) {
      problems.push(`${path}: an anything-but list must be all strings or all numbers, not mixed`);
      return;
    }
    for (const v of operand) {
      if (typeof v === 'number' && !validateNumericBound(v, 'anything-but', path, problems)) return;
    }
    return;
  }
  if (isPlainObject(operand)) {
    const keys = Object.keys(operand);
    const [form] = keys;
    if (form === undefined) {
      problems.push(`${path}: anything-but expression name not found`);
      return;
    }
    if (keys.length > 1) {
      problems.push(`${path}: only one key allowed in an anything-but expression (got ${keys.join(', ')})`);
      return;
    }
    if (!ANYTHING_BUT_FORMS.has(form)) {
      problems.push(
        `${path}: unsupported anything-but pattern "${form}" (expected prefix, suffix, equals-ignore-case or wildcard)`,
      );
      return;
    }
    const here = `${path}.${form}`;
    const values = asList(operand[form]);
    if (values.length === 0) {
      problems.push(`${here}: list must not be empty`);
      return;
    }
    for (const value of values) {
      if (typeof value !== 'string') {
        problems.push(
          `${here}: ${form} match pattern must be a string or a list of strings (got ${describe(value)})`,
        );
        return;
      }
      if ((form === 'prefix' || form === 'suffix') && value === '') {
        problems.push(`${here}: empty ${form} not allowed`);
        return;
      }
      if (form === 'wildcard') validateWildcard(value, here, problems);
    }
    return;
  }
  problems.push(
    `${path}: value of anything-but must be a string, a number, a list, or an object (got ${describe(operand)})`,
  );
}
