import { Duration, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { INVENTORY_INDEXES } from '../../shared/adapters/aws/inventory-keys.ts';
import { grantTableActions } from './grants.ts';
import { QmFunction } from './qm-function.ts';

/** Scheduled inventory housekeeping: the cart-hold expiry sweep. */
export class InventoryJobs extends Construct {
  readonly expireHolds: QmFunction;

  constructor(scope: Construct, id: string, props: { table: Table; logRetention: RetentionDays }) {
    super(scope, id);
    this.expireHolds = new QmFunction(this, 'ExpireHolds', {
      entry: 'functions/scheduled/expire-holds.ts',
      description: 'Releases expired cart holds every minute',
      service: 'inventory-jobs',
      environment: { TABLE_NAME: props.table.tableName },
      timeout: Duration.seconds(50),
      logRetention: props.logRetention,
    });
    grantTableActions(
      this.expireHolds,
      props.table,
      ['GetItem', 'Query', 'UpdateItem', 'PutItem'],
      [INVENTORY_INDEXES.activeHolds],
    );
    const rule = new Rule(this, 'EveryMinute', {
      description: 'Cart hold expiry sweep',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(this.expireHolds, { retryAttempts: 2 })],
    });
    // A lost or failed sweep leaves nothing to replay: the next run a minute later finds the same
    // expired holds (the sweep is idempotent); failures alarm through the function's Errors alarm.
    const reason =
      'Scheduled idempotent sweep every minute: a failed or dropped invocation is superseded by the next run, so a dead-letter record would carry nothing to redo.';
    Validations.of(rule).acknowledge({ id: 'Serverless-EventBusDLQ', reason });
    Validations.of(this.expireHolds).acknowledge({ id: 'Serverless-LambdaDLQ', reason });
  }
}
