/**
 * Writes the state machine diagrams in docs/workflows.md from the synthesized template (the ASL that
 * deploys and that the local runtime runs), between `<!-- diagram:<name>:start -->` and `:end` markers.
 *
 *   tsx scripts/generate-workflow-docs.ts           rewrite the diagrams
 *   tsx scripts/generate-workflow-docs.ts --check   exit 1 if a diagram on disk is not what it would write
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';

type Json = Record<string, unknown>;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOC_PATH = resolve(REPO_ROOT, 'docs/workflows.md');

/** A state machine's definition with intrinsics (ARNs) replaced by placeholders: only the shape matters. */
export function definitionFromTemplate(resource: Json): Json {
  const props = resource.Properties as Json;
  const body = props.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof body === 'string') return JSON.parse(body) as Json;
  const text = body['Fn::Join'][1]
    .map((part) =>
      typeof part === 'string' ? part : (part as Json).Ref === 'AWS::Partition' ? 'aws' : 'resolved',
    )
    .join('');
  return JSON.parse(text) as Json;
}

/** Mermaid `stateDiagram-v2` of an ASL definition: states, transitions, catches (dashed labels), Map bodies. */
export function mermaidFromAsl(definition: Json): string {
  const lines: string[] = ['stateDiagram-v2'];
  let counter = 0;
  const ids = new Map<string, string>();
  const idOf = (name: string) => {
    let id = ids.get(name);
    if (!id) {
      id = `s${counter++}`;
      ids.set(name, id);
    }
    return id;
  };

  const render = (asl: Json, indent: string) => {
    const states = asl.States as Record<string, Json>;
    lines.push(`${indent}[*] --> ${idOf(String(asl.StartAt))}`);
    for (const [name, state] of Object.entries(states)) {
      const id = idOf(name);
      const type = String(state.Type);
      const extras: string[] = [];
      if (state.TimeoutSeconds !== undefined) extras.push(`timeout ${state.TimeoutSeconds}s`);
      if (state.HeartbeatSeconds !== undefined) extras.push(`heartbeat ${state.HeartbeatSeconds}s`);
      if (String(state.Resource ?? '').endsWith('.waitForTaskToken')) extras.push('task token');
      if (Array.isArray(state.Retry) && state.Retry.length) extras.push('retry');
      const label = extras.length ? `${name} (${extras.join(', ')})` : name;
      if (type === 'Map') {
        lines.push(`${indent}state "${label}" as ${id} {`);
        render((state.ItemProcessor ?? state.Iterator) as Json, `${indent}  `);
        lines.push(`${indent}}`);
      } else if (type === 'Choice') {
        lines.push(`${indent}state ${id} <<choice>>`);
        lines.push(`${indent}note left of ${id} : ${name}`);
      } else {
        lines.push(`${indent}state "${label}" as ${id}`);
      }
      if (typeof state.Next === 'string') lines.push(`${indent}${id} --> ${idOf(state.Next)}`);
      if (state.End === true || type === 'Succeed') lines.push(`${indent}${id} --> [*]`);
      if (type === 'Fail') lines.push(`${indent}${id} --> [*] : ${String(state.Error ?? 'failed')}`);
      for (const choice of (state.Choices as Json[] | undefined) ?? []) {
        const value = choice.StringEquals ?? choice.BooleanEquals ?? (choice.IsPresent ? 'present' : '');
        const variable = String(choice.Variable ?? '').replace(/^\$\./, '');
        lines.push(`${indent}${id} --> ${idOf(String(choice.Next))} : ${variable} = ${String(value)}`);
      }
      if (typeof state.Default === 'string')
        lines.push(`${indent}${id} --> ${idOf(state.Default)} : otherwise`);
      for (const catcher of (state.Catch as Json[] | undefined) ?? []) {
        const errors = (catcher.ErrorEquals as string[]).join(', ');
        lines.push(`${indent}${id} --> ${idOf(String(catcher.Next))} : catch ${errors}`);
      }
    }
  };
  render(definition, '  ');
  return lines.join('\n');
}

/** The diagrams of every state machine in the synthesized stack, by the name after `<stack>-`. */
export async function diagrams(): Promise<Map<string, string>> {
  const { loadConfig } = await import('../infra/config.ts');
  const { QuartermasterStack } = await import('../infra/stack.ts');
  // Diagrams need the definitions only: synthesized without the cdk-nag plugins (the tests run those).
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new QuartermasterStack(app, 'Quartermaster', { config: loadConfig() });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, Json>;
  };
  const out = new Map<string, string>();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = String((resource.Properties as Json).StateMachineName).replace(/^[^-]+-/, '');
    out.set(name, mermaidFromAsl(definitionFromTemplate(resource)));
  }
  return out;
}

/** The document with each marked diagram block replaced. */
export function withDiagrams(doc: string, generated: Map<string, string>): string {
  return doc.replace(
    /<!-- diagram:([A-Za-z]+):start -->[\s\S]*?<!-- diagram:\1:end -->/g,
    (whole, name: string) => {
      const diagram = generated.get(name);
      if (diagram === undefined) return whole;
      return `<!-- diagram:${name}:start -->\n\n\`\`\`mermaid\n${diagram}\n\`\`\`\n\n<!-- diagram:${name}:end -->`;
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const doc = readFileSync(DOC_PATH, 'utf8');
  const next = withDiagrams(doc, await diagrams());
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      process.stderr.write('docs/workflows.md is out of date: run tsx scripts/generate-workflow-docs.ts\n');
      process.exit(1);
    }
  } else {
    writeFileSync(DOC_PATH, next);
  }
}
