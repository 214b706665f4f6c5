import { Aspects, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { INVENTORY_BUCKETS_ENV } from '../shared/adapters/aws/inventory-buckets.ts';
import type { QuartermasterConfig } from './config.ts';
import { Api } from './constructs/api.ts';
import { OpsConsole } from './constructs/console.ts';
import { Data } from './constructs/data.ts';
import { EncryptLogGroups } from './constructs/encryption.ts';
import { Events } from './constructs/events.ts';
import { InventoryApi } from './constructs/inventory-api.ts';
import { InventoryJobs } from './constructs/inventory-jobs.ts';
import { ObservabilityStack } from './constructs/observability-stack.ts';
import { OpsApi } from './constructs/ops-api.ts';
import { BUNDLE_CHOICES_CONTEXT, QmFunction } from './constructs/qm-function.ts';
import { Returns } from './constructs/returns.ts';
import { Workflows } from './constructs/workflows.ts';

export interface QuartermasterStackProps extends StackProps {
  config: QuartermasterConfig;
}

const RETENTION: Record<number, RetentionDays> = Object.fromEntries(
  Object.values(RetentionDays)
    .filter((v): v is RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/** The whole OMS in one stack, composed from constructs by capability. */
export class QuartermasterStack extends Stack {
  readonly data: Data;
  readonly api: Api;
  readonly events: Events;
  /** Alarms, dashboard and alarm topic, in a nested stack (see ObservabilityStack for why). */
  readonly observability: ObservabilityStack;

  constructor(scope: Construct, id: string, props: QuartermasterStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Before any child: every QmFunction below reads its bundling choices from here.
    this.node.setContext(BUNDLE_CHOICES_CONTEXT, config.lambda);
    const logRetention = RETENTION[config.logRetentionDays];
    if (logRetention === undefined) {
      throw new Error(`logRetentionDays ${config.logRetentionDays} is not a CloudWatch Logs retention value`);
    }
    this.data = new Data(this, 'Data', {
      deletionProtection: config.deletionProtection,
      customerManagedKey: config.customerManagedKey,
    });
    this.api = new Api(this, 'Api', {
      table: this.data.table,
      channels: config.channels,
      stageName: config.stageName,
      logRetention,
      auth: config.auth,
      waf: config.waf,
    });
    new InventoryApi(this, 'Inventory', { api: this.api });
    new OpsApi(this, 'Ops', { api: this.api });
    new OpsConsole(this, 'Console', {
      api: this.api,
      site: config.console.enabled,
      stageName: config.stageName,
    });
    new InventoryJobs(this, 'InventoryJobs', { table: this.data.table, logRetention });
    this.events = new Events(this, 'Events', {
      table: this.data.table,
      idempotencyTable: this.data.idempotencyTable,
      partners: config.partners,
      archiveRetentionDays: config.events.archiveRetentionDays,
      logRetention,
    });
    new Workflows(this, 'Workflows', {
      table: this.data.table,
      bus: this.events.bus,
      api: this.api,
      fulfilment: config.fulfilment,
      pickup: config.pickup,
      logRetention,
    });
    new Returns(this, 'Returns', {
      table: this.data.table,
      bus: this.events.bus,
      api: this.api,
      returns: config.returns,
      logRetention,
    });
    if (this.data.key) Aspects.of(this).add(new EncryptLogGroups(this.data.key));
    if (config.inventoryBuckets) {
      // Every function reads and writes positions the same way, so all get the one bucket setting.
      const buckets = JSON.stringify(config.inventoryBuckets);
      for (const fn of this.node.findAll().filter((c): c is QmFunction => c instanceof QmFunction))
        fn.addEnvironment(INVENTORY_BUCKETS_ENV, buckets);
    }

    // Keep last: it discovers functions, state machines, tables and DLQs for its dashboard and alarms.
    this.observability = new ObservabilityStack(this, 'Observability', {
      restApiName: this.api.api.restApiName,
      stageName: config.stageName,
      accessLogs: this.api.accessLogs,
      ...(config.alarms.email ? { alarmEmail: config.alarms.email } : {}),
      ...(this.data.key ? { key: this.data.key } : {}),
    });
  }
}
