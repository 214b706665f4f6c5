import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClient } from '../../shared/adapters/aws/dynamo-order-repository.ts';
import { tracer } from './powertools.ts';

/**
 * AWS clients, created once at module scope and reused across invocations. Endpoints follow the SDK's
 * standard settings (AWS_ENDPOINT_URL_DYNAMODB points them at DynamoDB Local in the local runtime).
 */
export const dynamodb = tracer.captureAWSv3Client(new DynamoDBClient({ maxAttempts: 5 }));
export const documents = documentClient(dynamodb);
