import { type Stack, Validations } from 'aws-cdk-lib';
import { CfnPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { inventoryOf, labelOf, logicalIdOf, referencedLogicalIds } from './constructs/discovery.ts';

/**
 * cdk-nag `ServerlessChecks` findings that do not apply by design, acknowledged per resource from how
 * the resource is wired (found by walking the stack), each with the reason. Anything else stays a
 * finding: e.g. a function some service invokes asynchronously without a DLQ is still reported.
 *
 * - Serverless-LambdaDLQ: a function DLQ only catches failed *asynchronous* invocations. Functions
 *   invoked only synchronously (API Gateway integrations and authorizers, Step Functions tasks) return
 *   their errors to the caller; functions fed by an event source mapping retry under the mapping's
 *   own failure handling (source queue redrive, stream on-failure destination).
 * - Serverless-SQSRedrivePolicy: a dead-letter queue has no dead-letter queue of its own; its depth
 *   alarms instead (infra/constructs/observability.ts) and the ops CLI redrives it.
 * - Serverless-LambdaEventSourceMappingDestination: SQS event source mappings support no on-failure
 *   destination; failed messages move to the source queue's dead-letter queue by its redrive policy.
 */
export function acknowledgeServerlessByDesign(stack: Stack): void {
  const found = inventoryOf(stack);
  const invokers = new Map<string, Set<string>>();
  const addInvoker = (fnId: string, kind: string) => {
    if (!invokers.has(fnId)) invokers.set(fnId, new Set());
    invokers.get(fnId)?.add(kind);
  };
  for (const permission of found.permissions) {
    const principal = String(stack.resolve(permission.principal));
    const kind =
      principal === 'apigateway.amazonaws.com' ? 'API Gateway (synchronous)' : `async:${principal}`;
    for (const id of referencedLogicalIds(stack.resolve(permission.functionName))) addInvoker(id, kind);
  }
  for (const mapping of found.eventSourceMappings) {
    for (const id of referencedLogicalIds(stack.resolve(mapping.functionName))) {
      addInvoker(id, 'an event source mapping (poller; its failure handling applies)');
    }
  }
  for (const id of stepFunctionsInvokedFunctions(stack)) addInvoker(id, 'Step Functions tasks (synchronous)');

  for (const fn of found.functions) {
    const kinds = invokers.get(logicalIdOf(fn));
    if (!kinds || [...kinds].some((k) => k.startsWith('async:'))) continue;
    acknowledge(
      fn,
      'Serverless-LambdaDLQ',
      `${labelOf(fn)} is invoked only by ${[...kinds].join(' and ')}: a function DLQ catches asynchronous invocations only.`,
    );
  }
  for (const queue of found.deadLetterQueues) {
    acknowledge(
      queue,
      'Serverless-SQSRedrivePolicy',
      `${labelOf(queue)} is itself a dead-letter queue: its depth alarms and ops redrive it.`,
    );
  }
  const redriven = new Set(found.queues.filter((q) => q.redrivePolicy !== undefined).map(logicalIdOf));
  for (const mapping of found.eventSourceMappings) {
    const source = referencedLogicalIds(stack.resolve(mapping.eventSourceArn))[0];
    if (source === undefined || !redriven.has(source)) continue;
    acknowledge(
      mapping,
      'Serverless-LambdaEventSourceMappingDestination',
      'SQS event source mappings have no on-failure destination; the source queue redrives failed messages to its dead-letter queue.',
    );
  }
}

function acknowledge(resource: IConstruct, id: string, reason: string): void {
  Validations.of(resource).acknowledge({ id, reason });
}

/** Functions a state machine's role may invoke (lambda:InvokeFunction on their ARN). */
function stepFunctionsInvokedFunctions(stack: Stack): string[] {
  const all = stack.node.findAll();
  const statesRoles = new Set(
    all
      .filter((c): c is CfnRole => c instanceof CfnRole)
      .filter((r) =>
        JSON.stringify(stack.resolve(r.assumeRolePolicyDocument)).includes('states.amazonaws.com'),
      )
      .map(logicalIdOf),
  );
  const out: string[] = [];
  for (const policy of all.filter((c): c is CfnPolicy => c instanceof CfnPolicy)) {
    const roles = referencedLogicalIds(stack.resolve(policy.roles));
    if (!roles.some((r) => statesRoles.has(r))) continue;
    const doc = stack.resolve(policy.policyDocument) as {
      Statement?: { Action?: unknown; Resource?: unknown }[];
    };
    for (const statement of doc.Statement ?? []) {
      const actions = [statement.Action].flat();
      if (actions.includes('lambda:InvokeFunction')) out.push(...referencedLogicalIds(statement.Resource));
    }
  }
  return out;
}
