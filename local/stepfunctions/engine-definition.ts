/**
 * Rewrites an ASL definition into the one handed to aws-local-stepfunctions, so the engine behaves as
 * AWS does under a scaled clock. Each rewrite works around one engine gap:
 * - Wait states become emulated tasks that compute (and scale) the delay themselves: their deadline
 *   is journalled so a resumed execution sleeps only what is left, and long ones would overflow the
 *   engine's timer;
 * - Retry IntervalSeconds/MaxDelaySeconds are scaled in place, which keeps BackoffRate and jitter
 *   (the engine's `retryIntervalOverrides` would flatten the backoff to one fixed pause);
 * - the engine's own task timeout (60 s default, unscaled) is pushed out of reach: our task handlers
 *   enforce TimeoutSeconds/HeartbeatSeconds with AWS's defaults and the time scale;
 * - `ResultPath: "$"` is dropped (same meaning as absent; the engine writes a "$" key instead);
 * - a Catch/Retry naming `States.Timeout` also names `States.HeartbeatTimeout`, which AWS matches with it;
 * - a Pass state whose `Result` is falsy (0, false, "", null) is emulated (the engine ignores it);
 * - `$$.Execution.Input` / `$$.Execution.StartTime` point at the root execution (the engine gives
 *   Map iterations and Parallel branches their own), `$$.State.Name` becomes a literal.
 */

export type AslObject = Record<string, unknown>;

/** Resource of states the local runtime emulates itself (Wait with dynamic duration, falsy Pass). */
export const EMULATED_RESOURCE = 'arn:aws:states:::qm-local:emulated';

/** Beyond any local run, yet below setTimeout's 2^31-1 ms limit (the engine arms one per task). */
const ENGINE_TASK_TIMEOUT_SECONDS = 2_147_483;
const MAX_TIMER_MS = 2_147_483_647;

/** Context fields the runtime provides so nested machines see the root execution's values. */
export const ROOT_EXECUTION_CONTEXT_KEY = 'QmRootExecution';

export interface StateInfo {
  name: string;
  /** The type written in the ASL (the engine may run it as an emulated Task). */
  type: string;
  /** The state as written in the ASL. */
  definition: AslObject;
  emulated?: 'wait' | 'pass';
}

export interface EngineProgram {
  definition: AslObject;
  waitTimeOverrides: Record<string, number>;
  /** Every state, nested ones included (ASL state names are unique across a machine). */
  states: Map<string, StateInfo>;
  warnings: string[];
}

export interface CompileOptions {
  /** Multiplies Wait durations and timeouts. */
  timeScale: number;
  /** Multiplies Retry intervals. */
  retryIntervalScale: number;
  /** Execution timeout to enforce (the ASL's TimeoutSeconds, or 300 for EXPRESS), unscaled. */
  executionTimeoutSeconds?: number;
}

export function isObject(value: unknown): value is AslObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` for every state, descending into Map processors and Parallel branches. */
export function forEachState(
  definition: AslObject,
  visit: (name: string, state: AslObject, machine: AslObject) => void,
): void {
  const states = isObject(definition.States) ? definition.States : {};
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    visit(name, state, definition);
    for (const nested of nestedMachines(state)) forEachState(nested, visit);
  }
}

function nestedMachines(state: AslObject): AslObject[] {
  const out: AslObject[] = [];
  if (isObject(state.ItemProcessor)) out.push(state.ItemProcessor);
  if (isObject(state.Iterator)) out.push(state.Iterator);
  if (Array.isArray(state.Branches)) out.push(...state.Branches.filter(isObject));
  return out;
}

const PATH_FIELDS = [
  'InputPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'MaxConcurrencyPath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
] as const;
const TEMPLATE_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector'] as const;

export interface PathString {
  field: string;
  value: string;
  /** A `.$` value inside Parameters/ItemSelector/ResultSelector (a path or an intrinsic function). */
  inTemplate: boolean;
}

/** Every string of a state that the engine evaluates as a path or intrinsic function. */
export function pathStrings(state: AslObject): PathString[] {
  const out: PathString[] = [];
  for (const field of PATH_FIELDS) {
    const v = state[field];
    if (typeof v === 'string') out.push({ field, value: v, inTemplate: false });
  }
  for (const field of TEMPLATE_FIELDS) {
    walkTemplate(state[field], (value) => out.push({ field, value, inTemplate: true }));
  }
  if (Array.isArray(state.Choices)) {
    for (const rule of state.Choices)
      walkChoiceRule(rule, (value) => out.push({ field: 'Choices', value, inTemplate: false }));
  }
  return out;
}

function walkTemplate(template: unknown, visit: (expr: string) => void): void {
  if (Array.isArray(template)) {
    for (const v of template) walkTemplate(v, visit);
  } else if (isObject(template)) {
    for (const [k, v] of Object.entries(template)) {
      if (k.endsWith('.$') && typeof v === 'string') visit(v);
      else walkTemplate(v, visit);
    }
  }
}

function walkChoiceRule(rule: unknown, visit: (path: string) => void): void {
  if (!isObject(rule)) return;
  for (const [k, v] of Object.entries(rule)) {
    if ((k === 'Variable' || k.endsWith('Path')) && typeof v === 'string') visit(v);
    else if ((k === 'And' || k === 'Or') && Array.isArray(v)) {
      for (const r of v) walkChoiceRule(r, visit);
    } else if (k === 'Not') walkChoiceRule(v, visit);
  }
}

/** The context-object references (`$$...`) in a path or intrinsic function, normalised to dots. */
export function contextReferences(expr: string): string[] {
  const refs: string[] = [];
  for (const m of expr.matchAll(/\$\$((?:\.[A-Za-z0-9_]+|\['[^']*'\]|\["[^"]*"\]|\[\d+\])*)/g)) {
    refs.push(`$$${(m[1] ?? '').replace(/\[['"]([^'"]*)['"]\]/g, '.$1')}`);
  }
  return refs;
}

export function compileForEngine(definition: AslObject, options: CompileOptions): EngineProgram {
  const program: EngineProgram = {
    definition: {},
    waitTimeOverrides: {},
    states: new Map(),
    warnings: [],
  };
  program.definition = compileMachine(definition, options, program);
  delete program.definition.TimeoutSeconds;
  if (options.executionTimeoutSeconds !== undefined) {
    const ms = options.executionTimeoutSeconds * 1000 * options.timeScale;
    if (ms <= MAX_TIMER_MS) program.definition.TimeoutSeconds = ms / 1000;
    else {
      program.warnings.push(
        `Execution timeout of ${options.executionTimeoutSeconds} s exceeds what the local engine can arm (~24.8 days after scaling); it is not enforced locally`,
      );
    }
  }
  return program;
}

function compileMachine(machine: AslObject, options: CompileOptions, program: EngineProgram): AslObject {
  const states: AslObject = {};
  for (const [name, raw] of Object.entries(isObject(machine.States) ? machine.States : {})) {
    if (!isObject(raw)) continue;
    states[name] = compileState(name, raw, options, program);
  }
  return { ...machine, States: states };
}

function compileState(
  name: string,
  original: AslObject,
  options: CompileOptions,
  program: EngineProgram,
): AslObject {
  const info: StateInfo = { name, type: String(original.Type), definition: original };
  program.states.set(name, info);
  let state: AslObject = rewriteContext(name, { ...original });

  if (state.ResultPath === '$') delete state.ResultPath;
  if (Array.isArray(state.Catch)) {
    state.Catch = state.Catch.map((c: unknown) => {
      if (!isObject(c)) return c;
      const { ResultPath, ...rest } = withHeartbeatTimeout(c);
      return ResultPath === '$' || ResultPath === undefined ? rest : { ...rest, ResultPath };
    });
  }
  if (Array.isArray(state.Retry)) {
    state.Retry = state.Retry.map((r: unknown) =>
      isObject(r) ? scaleRetrier(withHeartbeatTimeout(r), options.retryIntervalScale) : r,
    );
  }
  if (isObject(state.ItemProcessor))
    state.ItemProcessor = compileMachine(state.ItemProcessor, options, program);
  if (isObject(state.Iterator)) state.Iterator = compileMachine(state.Iterator, options, program);
  if (Array.isArray(state.Branches)) {
    state.Branches = state.Branches.map((b: unknown) =>
      isObject(b) ? compileMachine(b, options, program) : b,
    );
  }

  switch (state.Type) {
    case 'Task':
      // Our handler enforces the real timeout; keep the engine's own timer out of the way.
      state.TimeoutSeconds = ENGINE_TASK_TIMEOUT_SECONDS;
      delete state.HeartbeatSeconds;
      break;
    case 'Wait':
      // Every Wait is emulated: its deadline is journalled (a restart sleeps only what is left),
      // and beyond setTimeout's range the engine's own sleep would fire at once.
      info.emulated = 'wait';
      state = emulatedTask(state, ['InputPath', 'OutputPath']);
      break;
    case 'Pass':
      if ('Result' in state && !state.Result) {
        info.emulated = 'pass';
        state = emulatedTask(state, ['InputPath', 'Parameters', 'ResultPath', 'OutputPath']);
      }
      break;
  }
  return state;
}

function emulatedTask(state: AslObject, keep: string[]): AslObject {
  const task: AslObject = {
    Type: 'Task',
    Resource: EMULATED_RESOURCE,
    TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS,
  };
  for (const key of [...keep, 'Next', 'End', 'Comment']) if (key in state) task[key] = state[key];
  return task;
}

/**
 * On AWS `States.Timeout` also matches a heartbeat timeout (States.HeartbeatTimeout); the engine
 * matches names exactly, so a catcher or retrier naming States.Timeout names both here.
 */
function withHeartbeatTimeout(handler: AslObject): AslObject {
  const errors = handler.ErrorEquals;
  if (
    !Array.isArray(errors) ||
    !errors.includes('States.Timeout') ||
    errors.includes('States.HeartbeatTimeout')
  )
    return handler;
  return { ...handler, ErrorEquals: [...errors, 'States.HeartbeatTimeout'] };
}

function scaleRetrier(retrier: AslObject, scale: number): AslObject {
  const out: AslObject = {
    ...retrier,
    IntervalSeconds: (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * scale,
  };
  if (typeof retrier.MaxDelaySeconds === 'number') out.MaxDelaySeconds = retrier.MaxDelaySeconds * scale;
  return out;
}

/** Points root-execution context fields at the runtime-provided copy and inlines `$$.State.Name`. */
function rewriteContext(stateName: string, state: AslObject): AslObject {
  const rewritePath = (expr: string) =>
    expr.replace(/\$\$\.Execution\.(Input|StartTime)\b/g, `$$$$.${ROOT_EXECUTION_CONTEXT_KEY}.$1`);
  const quoted = `'${stateName.replace(/['{}\\]/g, (c) => `\\${c}`)}'`;
  const rewriteTemplate = (template: unknown): unknown => {
    if (Array.isArray(template)) return template.map(rewriteTemplate);
    if (!isObject(template)) return template;
    const out: AslObject = {};
    for (const [k, v] of Object.entries(template)) {
      if (k.endsWith('.$') && typeof v === 'string') {
        if (v.trim() === '$$.State.Name') out[k.slice(0, -2)] = stateName;
        else out[k] = rewritePath(v).replace(/\$\$\.State\.Name\b/g, () => quoted);
      } else out[k] = rewriteTemplate(v);
    }
    return out;
  };
  for (const field of PATH_FIELDS) {
    if (typeof state[field] === 'string') state[field] = rewritePath(state[field]);
  }
  for (const field of TEMPLATE_FIELDS) {
    if (field in state) state[field] = rewriteTemplate(state[field]);
  }
  if (Array.isArray(state.Choices))
    state.Choices = state.Choices.map((r: unknown) => rewriteChoice(r, rewritePath));
  return state;
}

function rewriteChoice(rule: unknown, rewrite: (path: string) => string): unknown {
  if (!isObject(rule)) return rule;
  const out: AslObject = {};
  for (const [k, v] of Object.entries(rule)) {
    if ((k === 'Variable' || k.endsWith('Path')) && typeof v === 'string') out[k] = rewrite(v);
    else if ((k === 'And' || k === 'Or') && Array.isArray(v))
      out[k] = v.map((r) => rewriteChoice(r, rewrite));
    else if (k === 'Not') out[k] = rewriteChoice(v, rewrite);
    else out[k] = v;
  }
  return out;
}

/**
 * Evaluates an ASL reference path (`$`, `.name`, `['name']`, `[0]`: no wildcards or filters, as the
 * spec requires for SecondsPath/TimestampPath/ItemsPath). Throws when the path does not resolve.
 */
export function evaluateReferencePath(path: string, value: unknown): unknown {
  if (!path.startsWith('$') || path.startsWith('$$')) throw new Error(`Unsupported reference path ${path}`);
  let current = value;
  const re = /\.([A-Za-z_$][\w$-]*)|\['([^']*)'\]|\["([^"]*)"\]|\[(\d+)\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const start = re.lastIndex;
    const m = re.exec(path);
    if (!m || m.index !== start) throw new Error(`Unsupported reference path ${path}`);
    const key = m[1] ?? m[2] ?? m[3];
    if (key !== undefined) {
      if (!isObject(current) || !(key in current)) throw new Error(`Path ${path} does not point to a value`);
      current = current[key];
    } else {
      const index = Number(m[4]);
      if (!Array.isArray(current) || index >= current.length)
        throw new Error(`Path ${path} does not point to a value`);
      current = current[index];
    }
  }
  return current;
}

/** Items a Map state will iterate for this raw input, when its paths are plain reference paths. */
export function mapItemCount(state: AslObject, input: unknown): number | undefined {
  try {
    const effective =
      state.InputPath === null
        ? {}
        : typeof state.InputPath === 'string'
          ? evaluateReferencePath(state.InputPath, input)
          : input;
    const items =
      typeof state.ItemsPath === 'string' ? evaluateReferencePath(state.ItemsPath, effective) : effective;
    return Array.isArray(items) ? items.length : undefined;
  } catch {
    return undefined;
  }
}
