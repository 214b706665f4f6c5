import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ORDER_INDEXES, SHIPMENT_INDEXES } from '../../shared/adapters/aws/order-keys.ts';

export interface DataProps {
  deletionProtection: boolean;
  customerManagedKey: boolean;
}

/**
 * The single order table (orders, history, outbox, idempotency and external-id claims; see
 * docs/data-model.md) and the Powertools idempotency table for event consumers.
 */
export class Data extends Construct {
  readonly table: Table;
  readonly idempotencyTable: Table;
  readonly key?: Key;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    if (props.customerManagedKey) {
      this.key = new Key(this, 'TableKey', {
        enableKeyRotation: true,
        description: 'Quartermaster tables (orders, customers PII)',
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    const encryption = this.key
      ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: this.key }
      : { encryption: TableEncryption.AWS_MANAGED };

    this.table = new Table(this, 'OrdersTable', {
      partitionKey: { name: 'PK', type: AttributeType.STRING },
      sortKey: { name: 'SK', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // The outbox publisher reads new records from the stream.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      timeToLiveAttribute: 'expiresAt',
      removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      ...encryption,
    });
    for (const [indexName, n] of [
      [ORDER_INDEXES.byCustomer, 1],
      [ORDER_INDEXES.byStatus, 2],
      [ORDER_INDEXES.byChannel, 3],
      // Sparse: only open shipments and pickups waiting at a counter carry GSI4PK
      // (see dynamo-shipment-repository.ts).
      [SHIPMENT_INDEXES.openByLocation, 4],
    ] as const) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: `GSI${n}PK`, type: AttributeType.STRING },
        sortKey: { name: `GSI${n}SK`, type: AttributeType.STRING },
      });
    }

    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
      ...encryption,
    });
  }
}
