import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type CfnTemplate, resourcesOfType } from '../template/template.ts';

export interface LocalTable {
  logicalId: string;
  tableName: string;
  ttlAttribute?: string;
  streamViewType?: string;
}

/** The CreateTable inputs for every AWS::DynamoDB::Table in the template. */
export function tableDefinitions(
  template: CfnTemplate,
  tableName: (logicalId: string) => string,
): { table: LocalTable; input: CreateTableCommandInput }[] {
  return resourcesOfType(template, 'AWS::DynamoDB::Table').map(([logicalId, resource]) => {
    const p = (resource.Properties ?? {}) as Record<string, unknown>;
    const name = tableName(logicalId);
    const gsis = (p.GlobalSecondaryIndexes ?? []) as GlobalSecondaryIndex[];
    const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
    const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    return {
      table: {
        logicalId,
        tableName: name,
        ...(ttl?.Enabled ? { ttlAttribute: ttl.AttributeName } : {}),
        ...(stream?.StreamViewType ? { streamViewType: stream.StreamViewType } : {}),
      },
      input: {
        TableName: name,
        KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
        AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
        BillingMode: 'PAY_PER_REQUEST',
        ...(gsis.length
          ? {
              GlobalSecondaryIndexes: gsis.map((g) => ({
                IndexName: g.IndexName,
                KeySchema: g.KeySchema,
                Projection: g.Projection ?? { ProjectionType: 'ALL' },
              })),
            }
          : {}),
        ...(stream?.StreamViewType
          ? {
              StreamSpecification: {
                StreamEnabled: true,
                StreamViewType: stream.StreamViewType as 'NEW_IMAGE',
              },
            }
          : {}),
      },
    };
  });
}

/**
 * Creates the template's tables in DynamoDB Local (existing tables are kept, so `npm start` data
 * survives restarts; a changed key schema is reported, not silently ignored).
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CfnTemplate,
  tableName: (logicalId: string) => string,
): Promise<{ tables: LocalTable[]; warnings: string[] }> {
  const warnings: string[] = [];
  const tables: LocalTable[] = [];
  for (const { table, input } of tableDefinitions(template, tableName)) {
    tables.push(table);
    try {
      await client.send(new CreateTableCommand(input));
      if (table.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: table.tableName,
            TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
      const existing = await client.send(new DescribeTableCommand({ TableName: table.tableName }));
      const want = JSON.stringify(input.KeySchema);
      const have = JSON.stringify(existing.Table?.KeySchema);
      const wantIndexes = (input.GlobalSecondaryIndexes ?? [])
        .map((g) => g.IndexName)
        .sort()
        .join(',');
      const haveIndexes = (existing.Table?.GlobalSecondaryIndexes ?? [])
        .map((g) => g.IndexName)
        .sort()
        .join(',');
      if (want !== have || wantIndexes !== haveIndexes) {
        warnings.push(
          `Table ${table.tableName} exists with a different key schema or indexes than the template; delete .local-data to recreate it`,
        );
      }
    }
  }
  return { tables, warnings };
}
