import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

import { StorageError } from '../domain/errors';
import { errorName, sleep } from './dynamodb-client';

/**
 * Creates the online table (hash key `pk`, on-demand) with TTL on `ttl` when it does not exist, for
 * local use; on AWS serverless.yml owns it. dynalite has no TTL API, so that call may be refused.
 */
export async function ensureFeatureTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    if (Table?.TableStatus === 'ACTIVE') break;
    if (attempt >= 100) throw new StorageError(`table ${table} did not become ACTIVE`);
    await sleep(50);
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: table,
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      }),
    );
  } catch (error) {
    const name = errorName(error);
    // dynalite does not implement the TTL API; real DynamoDB says so when TTL is already on.
    if (!name.includes('UnknownOperation') && !(name === 'ValidationException')) throw error;
  }
}
