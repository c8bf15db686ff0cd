import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

import type { OnlineItem } from '../domain/online/online-table';

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

/**
 * An encoded online-table item as the SDK types it. The domain declares each attribute as one
 * object with optional members, the SDK as a tagged union of the same objects, so only the type
 * differs.
 */
export function sdkItem(item: OnlineItem): Record<string, AttributeValue> {
  return item as Record<string, AttributeValue>;
}

/** The name of an SDK error (`ConditionalCheckFailedException`, ...), or '' for anything else. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** Resolves after `ms` milliseconds (backoff between retries). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
