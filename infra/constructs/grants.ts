import { Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';

/**
 * Least privilege on a table: exactly these actions, on the table and only the named indexes
 * (CDK's `grant` would add `index/*`).
 */
export function grantTableActions(
  fn: IFunction,
  table: Table,
  actions: string[],
  indexes: string[] = [],
): void {
  if (actions.length === 0) return;
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: actions.map((a) => `dynamodb:${a}`),
      resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
    }),
  );
  if (table.encryptionKey) {
    table.encryptionKey.grantEncryptDecrypt(fn);
    if (fn.role) {
      for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `customerManagedKey: ${action} on the one table key only, as DynamoDB needs to use a customer-managed key on the caller's behalf.`,
        });
      }
    }
  }
}
