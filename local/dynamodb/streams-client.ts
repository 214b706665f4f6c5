import { awsJsonCall } from '../../shared/adapters/aws/aws-json-client.ts';

/*
 * DynamoDB Streams on DynamoDB Local over the JSON protocol (same endpoint as DynamoDB, target prefix
 * DynamoDBStreams_20120810): @aws-sdk/client-dynamodb-streams is not a dependency yet.
 */

export type AttributeMap = Record<string, unknown>;

export interface StreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion?: string;
  eventSource?: string;
  awsRegion?: string;
  dynamodb: {
    ApproximateCreationDateTime?: number;
    Keys?: AttributeMap;
    NewImage?: AttributeMap;
    OldImage?: AttributeMap;
    SequenceNumber: string;
    SizeBytes?: number;
    StreamViewType?: string;
  };
}

export class StreamsClient {
  constructor(
    private readonly endpoint: string,
    private readonly region: string,
  ) {}

  private call<T>(operation: string, body: unknown): Promise<T> {
    return awsJsonCall<T>({
      service: 'dynamodb',
      target: `DynamoDBStreams_20120810.${operation}`,
      region: this.region,
      endpoint: this.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      jsonVersion: '1.0',
      body,
    });
  }

  async shardIds(streamArn: string): Promise<string[]> {
    const ids: string[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const out = await this.call<{
        StreamDescription: { Shards?: { ShardId: string }[]; LastEvaluatedShardId?: string };
      }>('DescribeStream', {
        StreamArn: streamArn,
        ...(ExclusiveStartShardId ? { ExclusiveStartShardId } : {}),
      });
      ids.push(...(out.StreamDescription.Shards ?? []).map((s) => s.ShardId));
      ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    return ids;
  }

  async iterator(
    streamArn: string,
    shardId: string,
    type: 'TRIM_HORIZON' | 'LATEST' | 'AFTER_SEQUENCE_NUMBER',
    sequenceNumber?: string,
  ): Promise<string> {
    const out = await this.call<{ ShardIterator: string }>('GetShardIterator', {
      StreamArn: streamArn,
      ShardId: shardId,
      ShardIteratorType: type,
      ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}),
    });
    return out.ShardIterator;
  }

  async records(iterator: string): Promise<{ records: StreamRecord[]; next?: string }> {
    const out = await this.call<{ Records?: StreamRecord[]; NextShardIterator?: string }>('GetRecords', {
      ShardIterator: iterator,
      Limit: 1000,
    });
    return { records: out.Records ?? [], ...(out.NextShardIterator ? { next: out.NextShardIterator } : {}) };
  }
}
