/**
 * EventBridge target input shaping for the local runtime: `Input`, `InputPath` and
 * `InputTransformer` (InputPathsMap + InputTemplate), following the EventBridge user guide's
 * "input transformation" page.
 */

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/** Values behind the predefined `<aws.events.…>` variables that the event itself cannot supply. */
export interface TransformContext {
  ruleName?: string;
  ruleArn?: string;
  /** ISO 8601; defaults to the event's `time`, else now. */
  ingestionTime?: string;
  /**
   * Told about each InputPathsMap variable whose path the event does not have. AWS creates no such
   * variable and writes nothing for its placeholder, which in a JSON value position leaves the body
   * without a value (not `null`): the local runtime reports it loudly instead of papering over it.
   */
  onMissingPath?: (variable: string, path: string) => void;
}

/** The input-related properties of an `AWS::Events::Rule` target, as CloudFormation names them. */
export interface CfnTargetInput {
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
}

type PathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the JSONPath subset EventBridge supports: `$`, dot notation (`$.detail.order-id`), array
 * indices (`$.detail.items[0]`) and wildcards (`[*]`, `.*`). Throws on anything else so a bad
 * path fails when the rule loads rather than silently yielding null.
 */
function parsePath(path: string): PathStep[] {
  if (!path.startsWith('$')) throw new Error(`invalid JSON path "${path}": must start with "$"`);
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      if (path[i + 1] === '*') {
        steps.push({ kind: 'wildcard' });
        i += 2;
        continue;
      }
      const match = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (!match) throw new Error(`invalid JSON path "${path}": empty name at position ${i + 1}`);
      steps.push({ kind: 'key', key: match[0] });
      i += 1 + match[0].length;
    } else if (ch === '[') {
      const rest = path.slice(i);
      const bracket = /^\[(?:(\d+)|(\*)|'([^']*)'|"([^"]*)")\]/.exec(rest);
      if (!bracket) throw new Error(`invalid JSON path "${path}": bad bracket expression at position ${i}`);
      const [whole, index, star, single, double] = bracket;
      if (index !== undefined) steps.push({ kind: 'index', index: Number(index) });
      else if (star !== undefined) steps.push({ kind: 'wildcard' });
      else steps.push({ kind: 'key', key: single ?? double ?? '' });
      i += whole.length;
    } else {
      throw new Error(`invalid JSON path "${path}": unexpected "${ch}" at position ${i}`);
    }
  }
  return steps;
}

/** Evaluates a path; `found` is false when a path without wildcards leads nowhere. */
function evaluatePath(path: string, root: unknown): { found: boolean; value: unknown } {
  let nodes: unknown[] = [root];
  let multiple = false;
  for (const step of parsePath(path)) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (step.kind === 'key') {
        if (isPlainObject(node) && Object.hasOwn(node, step.key)) next.push(node[step.key]);
      } else if (step.kind === 'index') {
        if (Array.isArray(node) && step.index < node.length) next.push(node[step.index]);
      } else {
        multiple = true;
        if (Array.isArray(node)) next.push(...node);
        else if (isPlainObject(node)) next.push(...Object.values(node));
      }
    }
    nodes = next;
  }
  // A wildcard path yields a list (possibly empty), as JSONPath does.
  if (multiple) return { found: true, value: nodes };
  return nodes.length > 0 ? { found: true, value: nodes[0] } : { found: false, value: undefined };
}

/** The value a target `InputPath` selects; undefined when the path is absent from the event. */
export function applyInputPath(path: string, event: unknown): unknown {
  return evaluatePath(path, event).value;
}

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/y;

type Lookup = (name: string) => { defined: boolean; value: unknown; missing?: boolean };

function ingestionTime(event: unknown, context: TransformContext): string {
  if (context.ingestionTime !== undefined) return context.ingestionTime;
  if (isPlainObject(event) && typeof event.time === 'string') return event.time;
  return new Date().toISOString();
}

function makeLookup(transformer: InputTransformer, event: unknown, context: TransformContext): Lookup {
  const paths = transformer.InputPathsMap ?? {};
  return (name) => {
    switch (name) {
      case 'aws.events.rule-name':
        return { defined: true, value: context.ruleName };
      case 'aws.events.rule-arn':
        return { defined: true, value: context.ruleArn };
      case 'aws.events.event.ingestion-time':
        return { defined: true, value: ingestionTime(event, context) };
      case 'aws.events.event': {
        // Per the user guide this is the original event *without* its detail field.
        if (!isPlainObject(event)) return { defined: true, value: event };
        const { detail: _detail, ...envelope } = event;
        return { defined: true, value: envelope };
      }
      case 'aws.events.event.json':
        return { defined: true, value: event };
    }
    const path = Object.hasOwn(paths, name) ? paths[name] : undefined;
    if (path === undefined) return { defined: false, value: undefined };
    const { found, value } = evaluatePath(path, event);
    if (found) return { defined: true, value };
    // The user guide ("Common issues with transforming input"): a JSON path that doesn't exist in the
    // event creates no variable, and it does not appear in the output. Nothing is written for it.
    context.onMissingPath?.(name, path);
    return { defined: true, value: undefined, missing: true };
  };
}

/** JSON text for a value in a JSON-value position; absent becomes null. */
function asJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Text for a value spliced into a JSON string literal: escaped, without surrounding quotes. */
function asStringContent(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text).slice(1, -1);
}

/** Text for a value in a plain-text template: strings verbatim, other values as JSON. */
function asRawText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Fills `<name>` placeholders. The template is scanned once, tracking JSON string literals, so a
 * placeholder inside quotes receives escaped string content while one in a JSON-value position of a
 * JSON template (`{`/`[`) receives the value as JSON. A template that is not JSON gets values as
 * plain text. Names with no variable behind them are left as written.
 */
function renderTemplate(template: string, lookup: Lookup): string {
  const jsonTemplate = /^\s*[{[]/.test(template);
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; ) {
    const ch = template[i] ?? '';
    if (ch === '<') {
      PLACEHOLDER.lastIndex = i;
      const match = PLACEHOLDER.exec(template);
      const name = match?.[1];
      if (match && name !== undefined) {
        const { defined, value, missing } = lookup(name);
        if (defined) {
          if (!missing)
            out += inString ? asStringContent(value) : jsonTemplate ? asJson(value) : asRawText(value);
          i += match[0].length;
          continue;
        }
      }
    }
    if (inString && ch === '\\') {
      // Keep an escape pair intact so an escaped quote does not end the string.
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (ch === '"') inString = !inString;
    out += ch;
    i += 1;
  }
  return out;
}

/** The body EventBridge would deliver for an InputTransformer. */
export function applyInputTransformer(
  transformer: InputTransformer,
  event: unknown,
  context: TransformContext = {},
): string {
  return renderTemplate(transformer.InputTemplate, makeLookup(transformer, event, context));
}

/**
 * The body a rule target receives: `Input` verbatim, the `InputPath` selection as JSON, the
 * `InputTransformer` output, or the whole event as JSON when none is set.
 */
export function transformTargetInput(
  target: CfnTargetInput,
  event: unknown,
  ruleName: string,
  context: Omit<TransformContext, 'ruleName'> = {},
): string {
  const set = (['Input', 'InputPath', 'InputTransformer'] as const).filter(
    (key) => target[key] !== undefined,
  );
  if (set.length > 1) {
    throw new Error(
      `only one of Input, InputPath or InputTransformer may be set on a target (got ${set.join(', ')})`,
    );
  }
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return asJson(applyInputPath(target.InputPath, event));
  if (target.InputTransformer !== undefined) {
    return applyInputTransformer(target.InputTransformer, event, { ...context, ruleName });
  }
  return JSON.stringify(event);
}

const RESERVED_VARIABLES = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event',
  'aws.events.event.ingestion-time',
  'aws.events.event.json',
]);

/**
 * Problems PutTargets would reject an InputTransformer for (API limits and path syntax), plus a
 * placeholder used as an object key, which the API reference forbids. Empty means valid.
 */
export function validateInputTransformer(transformer: unknown): string[] {
  const problems: string[] = [];
  if (!isPlainObject(transformer)) return ['InputTransformer must be an object'];
  const template = transformer.InputTemplate;
  if (typeof template !== 'string' || template.length === 0 || template.length > 8192) {
    problems.push('InputTemplate must be a string of 1 to 8192 characters');
  }
  const paths = transformer.InputPathsMap;
  if (paths !== undefined) {
    if (!isPlainObject(paths)) {
      problems.push('InputPathsMap must be an object of name to JSON path');
    } else {
      const entries = Object.entries(paths);
      if (entries.length > 100)
        problems.push(`InputPathsMap has ${entries.length} entries; at most 100 are allowed`);
      for (const [name, path] of entries) {
        if (RESERVED_VARIABLES.has(name)) {
          problems.push(`InputPathsMap key "${name}" is a predefined variable and cannot be redefined`);
        } else if (!/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
          problems.push(`InputPathsMap key "${name}" must match [A-Za-z0-9_-]+ (1 to 256 characters)`);
        }
        if (typeof path !== 'string' || path.length > 256) {
          problems.push(`InputPathsMap["${name}"] must be a JSON path string of at most 256 characters`);
          continue;
        }
        try {
          parsePath(path);
        } catch (error) {
          problems.push(
            `InputPathsMap["${name}"]: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  }
  if (typeof template === 'string' && /^\s*\{/.test(template)) {
    const asKey = /[{,]\s*<([A-Za-z0-9_.-]+)>\s*:/.exec(template);
    if (asKey)
      problems.push(`InputTemplate uses placeholder <${asKey[1]}> as an object key, which is not allowed`);
  }
  return problems;
}
