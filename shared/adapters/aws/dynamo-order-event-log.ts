import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventEnvelope } from '../../events/envelope.ts';
import type { OrderEventLog } from '../../ports/order-event-log.ts';
import { keys } from './order-keys.ts';

/** Outbox items `ORDER#<id> / OUTBOX#<eventId>` (docs/data-model.md), read back for ops. */
export function makeDynamoOrderEventLog(
  documents: DynamoDBDocumentClient,
  options: { tableName: string },
): OrderEventLog {
  return {
    async eventsOf(orderId) {
      const { PK } = keys.outbox(orderId, '');
      const events: EventEnvelope[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: options.tableName,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
            ExpressionAttributeValues: { ':pk': PK, ':sk': 'OUTBOX#' },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.entity === 'OUTBOX' && item.event) events.push(item.event as EventEnvelope);
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return events;
    },
  };
}
