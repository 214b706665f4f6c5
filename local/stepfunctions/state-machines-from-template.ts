import { createRequire } from 'node:module';
import { type IntrinsicContext, resolveIntrinsics } from '../template/intrinsics.ts';
import { resourcesOfType } from '../template/template.ts';
import {
  type AslObject,
  contextReferences,
  forEachState,
  isObject,
  pathStrings,
} from './engine-definition.ts';
import type { StateMachineType } from './execution-store.ts';
import { parseResource } from './service-integrations.ts';

export interface LocalStateMachine {
  logicalId?: string;
  name: string;
  arn: string;
  type: StateMachineType;
  /** The ASL, parsed, exactly as CloudFormation would deploy it. */
  definition: AslObject;
  roleArn: string;
  logging?: { level: string; includeExecutionData: boolean; destinations: string[] };
  tracingEnabled: boolean;
  definitionSubstitutions?: Record<string, string>;
  /** What runs locally but not exactly as on AWS (each says how it differs). */
  warnings: string[];
}

/** The definition uses something the local engine cannot run faithfully, or is invalid ASL. */
export class StateMachineDefinitionError extends Error {
  override name = 'StateMachineDefinitionError';
}

type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText(separator?: string): string };

// asl-validator is CommonJS without type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

/** Every AWS::StepFunctions::StateMachine of the template, resolved and checked. */
export function stateMachinesFromTemplate(ctx: IntrinsicContext): LocalStateMachine[] {
  return resourcesOfType(ctx.template, 'AWS::StepFunctions::StateMachine').map(([logicalId, resource]) => {
    const props = resource.Properties ?? {};
    const name = ctx.ids.getAtt(logicalId, 'Name');
    const substitutions = props.DefinitionSubstitutions
      ? Object.fromEntries(
          Object.entries(
            resolveIntrinsics(props.DefinitionSubstitutions, ctx) as Record<string, unknown>,
          ).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        )
      : undefined;
    let text: string;
    if (props.DefinitionString !== undefined) text = String(resolveIntrinsics(props.DefinitionString, ctx));
    else if (props.Definition !== undefined) text = JSON.stringify(resolveIntrinsics(props.Definition, ctx));
    else {
      throw new StateMachineDefinitionError(
        `${logicalId}: only DefinitionString and Definition are supported locally (DefinitionS3Location is not)`,
      );
    }
    // CloudFormation replaces ${Key} with DefinitionSubstitutions before parsing the definition.
    if (substitutions) {
      text = text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => substitutions[key] ?? whole);
    }
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (e) {
      throw new StateMachineDefinitionError(
        `${logicalId}: the definition is not JSON (${(e as Error).message})`,
      );
    }
    const logging = resolveIntrinsics(props.LoggingConfiguration ?? {}, ctx) as {
      Level?: string;
      IncludeExecutionData?: boolean;
      Destinations?: { CloudWatchLogsLogGroup?: { LogGroupArn?: string } }[];
    };
    const tracing = resolveIntrinsics(props.TracingConfiguration ?? {}, ctx) as { Enabled?: boolean };
    const machine = defineLocalStateMachine({
      logicalId,
      name,
      arn: ctx.ids.ref(logicalId),
      definition,
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      roleArn: props.RoleArn === undefined ? undefined : String(resolveIntrinsics(props.RoleArn, ctx)),
      region: ctx.region,
      accountId: ctx.accountId,
    });
    if (props.LoggingConfiguration) {
      machine.logging = {
        level: logging.Level ?? 'OFF',
        includeExecutionData: logging.IncludeExecutionData ?? false,
        destinations: (logging.Destinations ?? []).flatMap(
          (d) => d.CloudWatchLogsLogGroup?.LogGroupArn ?? [],
        ),
      };
      if (machine.logging.level !== 'OFF') {
        machine.warnings.push(
          `Logging (level ${machine.logging.level}) is not delivered to CloudWatch Logs locally; read the execution history instead`,
        );
      }
    }
    machine.tracingEnabled = tracing.Enabled === true;
    if (machine.tracingEnabled) machine.warnings.push('X-Ray tracing is not emulated locally');
    if (substitutions) machine.definitionSubstitutions = substitutions;
    return machine;
  });
}

/** A state machine from an ASL definition (tests, or machines not in the template); checked like the template's. */
export function defineLocalStateMachine(options: {
  name: string;
  definition: unknown;
  region: string;
  accountId: string;
  type?: StateMachineType;
  arn?: string;
  roleArn?: string;
  logicalId?: string;
}): LocalStateMachine {
  const type = options.type ?? 'STANDARD';
  if (!isObject(options.definition)) {
    throw new StateMachineDefinitionError(`${options.name}: the definition must be a JSON object`);
  }
  const warnings = checkDefinition(options.definition, { name: options.name, type });
  return {
    ...(options.logicalId !== undefined && { logicalId: options.logicalId }),
    name: options.name,
    arn: options.arn ?? `arn:aws:states:${options.region}:${options.accountId}:stateMachine:${options.name}`,
    type,
    definition: options.definition,
    roleArn: options.roleArn ?? `arn:aws:iam::${options.accountId}:role/${options.name}-role`,
    tracingEnabled: false,
    warnings,
  };
}

/**
 * Validates the ASL (asl-validator, as CreateStateMachine would) and refuses what the local engine
 * cannot run faithfully. Returns warnings for what runs with a documented difference.
 */
export function checkDefinition(
  definition: AslObject,
  machine: { name: string; type: StateMachineType },
): string[] {
  const { isValid, errorsText } = aslValidator(definition, { checkArn: true, checkPaths: true });
  if (!isValid) throw new StateMachineDefinitionError(`${machine.name}: invalid ASL: ${errorsText('; ')}`);
  const warnings: string[] = [];
  const refuse = (state: string | undefined, what: string): never => {
    throw new StateMachineDefinitionError(
      `${machine.name}${state === undefined ? '' : `, state "${state}"`}: ${what} cannot run in the local Step Functions engine`,
    );
  };
  if (definition.QueryLanguage === 'JSONata') refuse(undefined, 'the JSONata query language');

  forEachState(definition, (name, state) => {
    if (state.QueryLanguage === 'JSONata') refuse(name, 'the JSONata query language');
    for (const field of ['Assign', 'Arguments', 'Output', 'Items', 'Credentials']) {
      if (field in state) refuse(name, `the ${field} field`);
    }
    for (const rule of Array.isArray(state.Choices) ? state.Choices : []) {
      if (isObject(rule) && ('Condition' in rule || 'Assign' in rule || 'Output' in rule)) {
        refuse(name, 'a JSONata Condition / Assign / Output in a choice rule');
      }
    }
    for (const catcher of Array.isArray(state.Catch) ? state.Catch : []) {
      if (isObject(catcher) && ('Assign' in catcher || 'Output' in catcher))
        refuse(name, 'Assign / Output in a catcher');
    }
    if (state.Type === 'Map') {
      const processor = isObject(state.ItemProcessor) ? state.ItemProcessor : {};
      const config = isObject(processor.ProcessorConfig) ? processor.ProcessorConfig : {};
      if (config.Mode === 'DISTRIBUTED') refuse(name, 'a distributed Map (ProcessorConfig.Mode DISTRIBUTED)');
      for (const field of [
        'ItemReader',
        'ItemBatcher',
        'ResultWriter',
        'ToleratedFailureCount',
        'ToleratedFailureCountPath',
        'ToleratedFailurePercentage',
        'ToleratedFailurePercentagePath',
        'Label',
      ]) {
        if (field in state) refuse(name, `the distributed Map field ${field}`);
      }
    }
    let callback = false;
    if (state.Type === 'Task') {
      if (typeof state.Resource !== 'string') refuse(name, 'a Task without a string Resource');
      let pattern: string;
      try {
        pattern = parseResource(String(state.Resource)).pattern;
      } catch (e) {
        return refuse(name, (e as Error).message);
      }
      callback = pattern === 'waitForTaskToken';
      if (machine.type === 'EXPRESS' && pattern !== 'request-response') {
        refuse(name, `.${pattern} (EXPRESS state machines do not support it, CreateStateMachine rejects it)`);
      }
      for (const field of ['TimeoutSecondsPath', 'HeartbeatSecondsPath']) {
        if (field in state) refuse(name, `${field} (use TimeoutSeconds / HeartbeatSeconds)`);
      }
      if ('HeartbeatSeconds' in state && !callback) {
        warnings.push(`${name}: HeartbeatSeconds is only enforced locally for .waitForTaskToken tasks`);
      }
      if (callback && !JSON.stringify(state.Parameters ?? null).includes('$$.Task.Token')) {
        warnings.push(
          `${name}: .waitForTaskToken without $$.Task.Token in Parameters: nothing can complete the task`,
        );
      }
    }
    for (const { field, value, inTemplate } of pathStrings(state)) {
      for (const ref of contextReferences(value)) {
        if (ref === '$$' || ref === '$$.Execution' || ref === '$$.State' || ref === '$$.Task') {
          refuse(
            name,
            `a reference to the whole context object ${ref} (the local one carries runtime fields)`,
          );
        }
        if (ref.startsWith('$$.State.') && ref !== '$$.State.Name') {
          refuse(name, `${ref} (the engine does not track state entry times or retry counts)`);
        }
        if (ref === '$$.State.Name' && !inTemplate) refuse(name, `$$.State.Name in ${field}`);
        if (ref.startsWith('$$.Task') && !(callback && field === 'Parameters')) {
          refuse(name, `${ref} outside the Parameters of a .waitForTaskToken task`);
        }
      }
    }
  });
  return warnings;
}
