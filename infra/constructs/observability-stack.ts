import { NestedStack, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Observability, type ObservabilityProps } from './observability.ts';

/**
 * The alarms, dashboard and alarm topic in a nested stack. They grow with every function, state
 * machine, table and dead-letter queue (two alarms per function alone), so in the main stack they
 * would spend its 500-resource CloudFormation budget; nested, they cost it one
 * AWS::CloudFormation::Stack resource. CDK passes the watched resources' names and ARNs in as
 * parameters of the nested stack (test/infra/resource-budget.test.ts keeps both within budget).
 *
 * Like Observability, create it last in the main stack: it discovers what to watch from the tree.
 */
export class ObservabilityStack extends NestedStack {
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: Omit<ObservabilityProps, 'monitored'>) {
    super(scope, id, { description: `Alarms, dashboard and alarm topic of ${Stack.of(scope).stackName}` });
    this.observability = new Observability(this, 'Monitoring', { ...props, monitored: Stack.of(scope) });
  }
}
