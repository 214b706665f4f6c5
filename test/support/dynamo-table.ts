import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';

/**
 * A table of the single-table design on the run's DynamoDB Local (test/global-setup.ts), for adapter
 * suites that need no whole stack: PK/SK, and the three order GSIs when `orderIndexes` is set.
 */
export async function createTestTable(
  tableName: string,
  options: { orderIndexes?: boolean } = {},
): Promise<DynamoDBClient> {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const gsis = options.orderIndexes ? [1, 2, 3] : [];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['PK', 'SK', ...gsis.flatMap((n) => [`GSI${n}PK`, `GSI${n}SK`])].map((name) => ({
        AttributeName: name,
        AttributeType: 'S' as const,
      })),
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      ...(gsis.length > 0 && {
        GlobalSecondaryIndexes: gsis.map((n) => ({
          IndexName: `GSI${n}`,
          KeySchema: [
            { AttributeName: `GSI${n}PK`, KeyType: 'HASH' as const },
            { AttributeName: `GSI${n}SK`, KeyType: 'RANGE' as const },
          ],
          Projection: { ProjectionType: 'ALL' as const },
        })),
      }),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: tableName });
  return client;
}

/** Deletes the suite's table (a table already gone is fine) and closes the client. */
export async function dropTestTable(client: DynamoDBClient | undefined, tableName: string): Promise<void> {
  await client?.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  client?.destroy();
}
