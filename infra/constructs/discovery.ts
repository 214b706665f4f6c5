import { type CfnElement, Fn, Stack } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnRule } from 'aws-cdk-lib/aws-events';
import {
  CfnEventInvokeConfig,
  CfnEventSourceMapping,
  CfnFunction,
  CfnPermission,
} from 'aws-cdk-lib/aws-lambda';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';

/**
 * What a stack holds, found by walking its construct tree at the CloudFormation level, so the
 * dashboard, the alarms and the cdk-nag acknowledgements grow as constructs are added elsewhere.
 */
export interface StackInventory {
  functions: CfnFunction[];
  stateMachines: CfnStateMachine[];
  tables: CfnTable[];
  rules: CfnRule[];
  queues: CfnQueue[];
  /** Queues another resource sends its failures to (redrive, on-failure destination, target DLQ). */
  deadLetterQueues: CfnQueue[];
  eventSourceMappings: CfnEventSourceMapping[];
  permissions: CfnPermission[];
}

export function inventoryOf(scope: IConstruct): StackInventory {
  const all = scope.node.findAll();
  const of = <T>(type: abstract new (...args: never[]) => T) =>
    all.filter((c): c is T & IConstruct => c instanceof type);
  const queues = of(CfnQueue);
  const stack = Stack.of(scope);
  const dlqIds = new Set<string>();
  const collect = (value: unknown) => {
    for (const id of referencedLogicalIds(stack.resolve(value))) dlqIds.add(id);
  };
  for (const q of queues)
    collect((q.redrivePolicy as { deadLetterTargetArn?: unknown } | undefined)?.deadLetterTargetArn);
  type OnFailure = { onFailure?: unknown } | undefined;
  for (const m of of(CfnEventSourceMapping))
    collect((stack.resolve(m.destinationConfig) as OnFailure)?.onFailure);
  for (const c of of(CfnEventInvokeConfig))
    collect((stack.resolve(c.destinationConfig) as OnFailure)?.onFailure);
  for (const f of of(CfnFunction)) collect(f.deadLetterConfig);
  for (const r of of(CfnRule)) {
    const targets = (stack.resolve(r.targets) ?? []) as { deadLetterConfig?: unknown }[];
    for (const t of targets) collect(t.deadLetterConfig);
  }
  return {
    functions: of(CfnFunction),
    stateMachines: of(CfnStateMachine),
    tables: of(CfnTable),
    rules: of(CfnRule),
    queues,
    deadLetterQueues: queues.filter((q) => dlqIds.has(logicalIdOf(q))),
    eventSourceMappings: of(CfnEventSourceMapping),
    permissions: of(CfnPermission),
  };
}

export function logicalIdOf(element: CfnElement): string {
  return Stack.of(element).resolve(element.logicalId) as string;
}

/** Logical ids named by Ref / Fn::GetAtt anywhere inside a resolved value. */
export function referencedLogicalIds(value: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
    } else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.Ref === 'string') out.push(o.Ref);
      const getAtt = o['Fn::GetAtt'];
      if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') out.push(getAtt[0]);
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(value);
  return out;
}

/** The rule's name for CloudWatch's RuleName dimension (the ARN ends in rule/[bus/]name). */
export function ruleNameOf(rule: CfnRule): string {
  return Fn.select(rule.eventBusName === undefined ? 1 : 2, Fn.split('/', rule.attrArn));
}

/** A readable label: the construct path below the stack, without the trailing Resource. */
export function labelOf(element: CfnElement): string {
  const parts = element.node.path.split('/').slice(1);
  if (parts.at(-1) === 'Resource') parts.pop();
  return parts.join('/');
}
