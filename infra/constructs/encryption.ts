import { type IAspect, Stack } from 'aws-cdk-lib';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

/**
 * `customerManagedKey: true`: every CloudWatch Logs group of the stack (function logs, API access
 * logs, state machine logs, whoever created them) is encrypted with the stack's customer-managed key.
 * An aspect, so log groups added by any construct are covered. Writers need no grant: CloudWatch Logs
 * uses the key itself, allowed by the key policy below for this account's log groups only.
 */
export class EncryptLogGroups implements IAspect {
  constructor(private readonly key: IKey) {
    const stack = Stack.of(key);
    const logs = new ServicePrincipal(`logs.${stack.region}.amazonaws.com`, {
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
        },
      },
    });
    key.grant(
      logs,
      'kms:Encrypt*',
      'kms:Decrypt*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:Describe*',
    );
  }

  visit(node: IConstruct): void {
    if (node instanceof CfnLogGroup && node.kmsKeyId === undefined) {
      node.kmsKeyId = this.key.keyArn;
    }
  }
}
