import { CfnResource, Duration, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import {
  ApiDestination,
  Authorization,
  Connection,
  EventBus,
  HttpMethod,
  Rule,
  RuleTargetInput,
} from 'aws-cdk-lib/aws-events';
import { ApiDestination as ApiDestinationTarget, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/events/envelope.ts';
import type { PartnerConfig } from '../config.ts';
import { PARTNER_METADATA } from '../template-metadata.ts';
import { EventCatalogStack } from './event-catalog-stack.ts';
import { grantTableActions } from './grants.ts';
import { QmFunction } from './qm-function.ts';

export interface EventsProps {
  table: Table;
  /** The Powertools idempotency table: the publisher records each event id it has published. */
  idempotencyTable: Table;
  partners: PartnerConfig[];
  archiveRetentionDays: number;
  logRetention: RetentionDays;
}

export { PARTNER_METADATA } from '../template-metadata.ts';

/** EventBridge's ceiling for a target's retry policy: a day, 185 attempts. */
export const PARTNER_RETRY = { maxEventAge: Duration.hours(24), retryAttempts: 185 } as const;
const SENDER_TIMEOUT = Duration.seconds(15);

/**
 * Event fan-out: the outbox publisher (table stream → the OMS bus), an archive of everything the OMS
 * publishes (replay), and one delivery path per configured partner, each with its own dead-letter queue.
 */
export class Events extends Construct {
  readonly bus: EventBus;
  readonly publisher: QmFunction;
  readonly publisherDlq: Queue;
  /** Position changes on the table stream → InventoryChanged (stock feeds, backorder wake-ups). */
  readonly inventoryPublisher: QmFunction;
  readonly inventoryPublisherDlq: Queue;
  readonly partnerDlqs: Record<string, Queue> = {};
  /** The event catalog (schema registry), in a nested stack. */
  readonly catalog: EventCatalogStack;

  constructor(scope: Construct, id: string, props: EventsProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    this.bus = new EventBus(this, 'Bus', { eventBusName: `${stackName}-events` });
    this.bus.archive('Archive', {
      archiveName: `${stackName}-events`,
      description: 'Every event the OMS publishes, for replay',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(props.archiveRetentionDays),
    });

    this.catalog = new EventCatalogStack(this, 'Catalog', {
      registryName: `${stackName}-events`,
      busName: `${stackName}-events`,
    });

    ({ fn: this.publisher, dlq: this.publisherDlq } = this.streamPublisher(props, {
      ids: { fn: 'PublishOutbox', mapping: 'OutboxStream', dlq: 'PublisherDlq' },
      entry: 'functions/events/publish-outbox.ts',
      description: 'Outbox publisher: order table stream to EventBridge',
      dlqDescription: 'Outbox stream records the publisher gave up on',
      filter: {
        eventName: FilterRule.isEqual('INSERT'),
        dynamodb: { NewImage: { entity: { S: FilterRule.isEqual('OUTBOX') } } },
      },
    }));
    ({ fn: this.inventoryPublisher, dlq: this.inventoryPublisherDlq } = this.streamPublisher(props, {
      ids: { fn: 'PublishInventoryChanges', mapping: 'InventoryStream', dlq: 'InventoryPublisherDlq' },
      entry: 'functions/events/publish-inventory-changes.ts',
      description: 'Inventory publisher: position changes on the table stream to InventoryChanged',
      dlqDescription: 'Position stream records the inventory publisher gave up on',
      filter: {
        eventName: FilterRule.or('INSERT', 'MODIFY'),
        dynamodb: { NewImage: { entity: { S: FilterRule.or('POSITION', 'POSITION_BUCKET') } } },
      },
      // Hot (bucketed) positions are read for their totals.
      tableReads: ['GetItem', 'BatchGetItem', 'Query'],
    }));

    for (const partner of props.partners) this.addPartner(partner, props.logRetention);
  }

  /**
   * A Lambda reading the order table's stream (records matching `filter`) and publishing to the OMS
   * bus once per event id: partial batch failures, bisect on error, a day of retries, then its DLQ.
   */
  private streamPublisher(
    props: EventsProps,
    options: {
      ids: { fn: string; mapping: string; dlq: string };
      entry: string;
      description: string;
      dlqDescription: string;
      filter: Record<string, unknown>;
      tableReads?: string[];
    },
  ): { fn: QmFunction; dlq: Queue } {
    const streamArn = props.table.tableStreamArn;
    if (!streamArn) throw new Error('The order table has no stream');
    const dlq = this.queue(options.ids.dlq, options.dlqDescription);
    const fn = new QmFunction(this, options.ids.fn, {
      entry: options.entry,
      description: options.description,
      service: 'events',
      environment: {
        EVENT_BUS_NAME: this.bus.eventBusName,
        IDEMPOTENCY_TABLE_NAME: props.idempotencyTable.tableName,
        ...(options.tableReads ? { TABLE_NAME: props.table.tableName } : {}),
      },
      logRetention: props.logRetention,
      timeout: Duration.seconds(30),
    });
    // Powertools Idempotency's record lifecycle: get, conditional put, update on success, delete on failure.
    grantTableActions(fn, props.idempotencyTable, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    if (options.tableReads) grantTableActions(fn, props.table, options.tableReads);
    // Explicit grants instead of grantStreamRead, which adds dynamodb:ListStreams on `*` (not needed).
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    props.table.encryptionKey?.grantDecrypt(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }),
    );
    new EventSourceMapping(this, options.ids.mapping, {
      target: fn,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      // A second to batch (and, for positions, to coalesce a burst of changes into one event).
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 10,
      maxRecordAge: Duration.days(1),
      onFailure: new SqsDlq(dlq),
      filters: [FilterCriteria.filter(options.filter)],
    });
    return { fn, dlq };
  }

  /** An encrypted, TLS-only queue; dead-letter queues get an alarm on their first message. */
  private queue(
    id: string,
    description: string,
    deadLetterQueue?: { queue: Queue; maxReceiveCount: number },
  ) {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      ...(deadLetterQueue
        ? { deadLetterQueue, visibilityTimeout: Duration.seconds(SENDER_TIMEOUT.toSeconds() * 6) }
        : {}),
    });
    if (!deadLetterQueue) {
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is itself a dead-letter queue (${description}).`,
      });
      new Alarm(this, `${id}NotEmpty`, {
        alarmDescription: `${description}: a message needs attention (inspect, fix, redrive).`,
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    return queue;
  }

  private addPartner(partner: PartnerConfig, logRetention: RetentionDays): void {
    const dlq = this.queue(`Partner-${partner.id}-Dlq`, `Events partner ${partner.id} did not accept`);
    this.partnerDlqs[partner.id] = dlq;
    const rule = new Rule(this, `Partner-${partner.id}-Rule`, {
      eventBus: this.bus,
      description: `Events for partner ${partner.id} (${partner.delivery})`,
      eventPattern: partnerEventPattern(partner),
    });
    // Names the partner in the template, so replays can be filtered to one partner by id locally.
    (rule.node.defaultChild as CfnResource).addMetadata(PARTNER_METADATA, partner.id);
    if (partner.delivery === 'api-destination') {
      const connection = new Connection(this, `Partner-${partner.id}-Connection`, {
        description: `Credentials for partner ${partner.id}`,
        authorization: connectionAuthorization(partner),
      });
      const destination = new ApiDestination(this, `Partner-${partner.id}-Destination`, {
        connection,
        endpoint: partner.endpoint,
        httpMethod: HttpMethod.POST,
        rateLimitPerSecond: partner.rateLimitPerSecond,
        description: `Partner ${partner.id}`,
      });
      for (const resource of [connection, destination])
        for (const child of resource.node.children)
          if (child instanceof CfnResource) child.addMetadata(PARTNER_METADATA, partner.id);
      rule.addTarget(
        new ApiDestinationTarget(destination, {
          // The envelope is the body; webhook-id lets the partner de-duplicate retries.
          event: envelopeInput(),
          headerParameters: { 'webhook-id': '$.detail.eventId' },
          deadLetterQueue: dlq,
          ...PARTNER_RETRY,
        }),
      );
      return;
    }

    const queue = this.queue(`Partner-${partner.id}-Queue`, `Deliveries to partner ${partner.id}`, {
      queue: dlq,
      maxReceiveCount: partner.maxReceives,
    });
    rule.addTarget(
      new SqsQueue(queue, {
        message: envelopeInput(),
        deadLetterQueue: dlq,
        ...PARTNER_RETRY,
      }),
    );
    const secret = Secret.fromSecretNameV2(this, `Partner-${partner.id}-Secret`, partner.secretName);
    const sender = new QmFunction(this, `Partner-${partner.id}-Sender`, {
      entry: 'functions/events/deliver-webhook.ts',
      description: `Signed webhook sender for partner ${partner.id}`,
      service: 'webhooks',
      environment: {
        PARTNER_ID: partner.id,
        PARTNER_ENDPOINT: partner.endpoint,
        PARTNER_SECRET_ID: partner.secretName,
      },
      timeout: SENDER_TIMEOUT,
      memorySize: 256,
      logRetention,
    });
    secret.grantRead(sender);
    sender.addEventSource(
      new SqsEventSource(queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        // Concurrency caps the request rate approximately (one request per invocation).
        maxConcurrency: Math.max(2, Math.min(1000, partner.rateLimitPerSecond)),
      }),
    );
  }
}

/** The partner's filter on the OMS bus: only OMS events, narrowed by type, channel and location. */
export function partnerEventPattern(partner: PartnerConfig) {
  const { detailTypes, channels, locationIds } = partner.eventPattern;
  const detail: Record<string, unknown> = {};
  if (channels) detail.channel = channels;
  if (locationIds) detail.data = { locationId: locationIds };
  return {
    source: [EVENT_SOURCE],
    ...(detailTypes ? { detailType: detailTypes } : {}),
    ...(Object.keys(detail).length ? { detail } : {}),
  };
}

/**
 * The partner's body: the published envelope (the event's `detail`) as it is, by InputPath. Not a
 * per-field input transformer: on AWS a JSON path the event does not have creates no variable, so
 * events without an optional field (InventoryChanged has no orderId or channel) came out broken.
 */
function envelopeInput(): RuleTargetInput {
  return RuleTargetInput.fromEventPath('$.detail');
}

function connectionAuthorization(partner: PartnerConfig): Authorization {
  const field = (jsonField: string) => SecretValue.secretsManager(partner.secretName, { jsonField });
  switch (partner.auth.type) {
    case 'api-key':
      return Authorization.apiKey(partner.auth.header, SecretValue.secretsManager(partner.secretName));
    case 'basic':
      return Authorization.basic(field('username').unsafeUnwrap(), field('password'));
    case 'oauth':
      return Authorization.oauth({
        authorizationEndpoint: partner.auth.tokenUrl,
        httpMethod: HttpMethod.POST,
        clientId: field('clientId').unsafeUnwrap(),
        clientSecret: field('clientSecret'),
        bodyParameters: {},
      });
  }
}
