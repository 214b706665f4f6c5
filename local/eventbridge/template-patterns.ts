import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';
import { type EventPattern, validateEventPattern } from './event-pattern.ts';

/**
 * Every event pattern of a template, parsed and validated as deploy would: rule and archive
 * `EventPattern`s (CloudFormation takes a JSON object or a JSON string) and the `FilterCriteria`
 * of event source mappings (always JSON strings). A pattern EventBridge or Lambda would refuse
 * must stop the local runtime at startup, not quietly match something else while it runs.
 */
export interface TemplatePatterns {
  /** Rule and archive patterns by logical id (absent when the resource declares none). */
  eventPatterns: Map<string, EventPattern>;
  /** Event source mapping filters by logical id, in template order. */
  filters: Map<string, EventPattern[]>;
}

export class InvalidTemplatePatternError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The template has event patterns that AWS would reject at deploy time; the local runtime refuses them too:\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}`,
    );
    this.name = 'InvalidTemplatePatternError';
  }
}

/** Parses and validates every pattern; throws {@link InvalidTemplatePatternError} naming each bad one. */
export function templatePatterns(ctx: IntrinsicContext): TemplatePatterns {
  const problems: string[] = [];
  const eventPatterns = new Map<string, EventPattern>();
  const filters = new Map<string, EventPattern[]>();

  for (const type of ['AWS::Events::Rule', 'AWS::Events::Archive']) {
    for (const [logicalId, resource] of resourcesOfType(ctx.template, type)) {
      const raw = resource.Properties?.EventPattern;
      if (raw === undefined) {
        // A rule needs a pattern or a schedule; an archive without one keeps every event.
        if (type === 'AWS::Events::Rule' && resource.Properties?.ScheduleExpression === undefined)
          problems.push(`${type} ${logicalId}: needs an EventPattern or a ScheduleExpression`);
        continue;
      }
      const pattern = parsePattern(raw, ctx, `${type} ${logicalId} EventPattern`, problems);
      if (pattern) eventPatterns.set(logicalId, pattern);
    }
  }

  for (const [logicalId, resource] of resourcesOfType(ctx.template, 'AWS::Lambda::EventSourceMapping')) {
    const criteria = resource.Properties?.FilterCriteria;
    if (criteria === undefined) continue;
    const where = `AWS::Lambda::EventSourceMapping ${logicalId} FilterCriteria`;
    const list = (criteria as { Filters?: unknown }).Filters;
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push(`${where}: Filters must be a list of {"Pattern": "<JSON string>"}`);
      continue;
    }
    const parsed: EventPattern[] = [];
    list.forEach((filter: unknown, index) => {
      const here = `${where}.Filters[${index}].Pattern`;
      const text = (filter as { Pattern?: unknown } | null)?.Pattern;
      if (typeof text !== 'string') {
        // FilterCriteria.Filters[].Pattern is a String property: an object here fails deploy.
        problems.push(`${here}: must be a JSON string (got ${text === undefined ? 'nothing' : typeof text})`);
        return;
      }
      const pattern = parsePattern(text, ctx, here, problems);
      if (pattern) parsed.push(pattern);
    });
    filters.set(logicalId, parsed);
  }

  if (problems.length) throw new InvalidTemplatePatternError(problems);
  return { eventPatterns, filters };
}

function parsePattern(
  raw: unknown,
  ctx: IntrinsicContext,
  where: string,
  problems: string[],
): EventPattern | undefined {
  let value = raw;
  try {
    // CDK may put tokens (an account Ref, say) inside a pattern; deploy resolves them first.
    value = resolveIntrinsics(raw, ctx);
  } catch (error) {
    problems.push(`${where}: ${(error as Error).message}`);
    return undefined;
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      problems.push(`${where}: not valid JSON (${(error as Error).message})`);
      return undefined;
    }
  }
  const found = validateEventPattern(value);
  if (found.length) {
    for (const problem of found) problems.push(`${where}: ${problem}`);
    return undefined;
  }
  return value as EventPattern;
}
