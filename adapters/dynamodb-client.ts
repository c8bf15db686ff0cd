import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * The process's DynamoDB client. With an endpoint (the embedded dynalite) it signs with dummy
 * credentials, since dynalite checks only that a signature is present.
 */
export function createDynamoDbClient(
  online: { readonly endpoint?: string | undefined },
  region = 'us-east-1',
): DynamoDBClient {
  if (online.endpoint === undefined) return new DynamoDBClient({ region });
  return new DynamoDBClient({
    region,
    endpoint: online.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
