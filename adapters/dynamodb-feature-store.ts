import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';

import { StorageError } from '../domain/errors';
import { randomUUID } from 'node:crypto';

import {
  ONLINE_KEYS,
  type OnlineItem,
  decodeItemRecord,
  decodePublication,
  encodePublication,
  decodeSessionCounters,
  decodeUserCounters,
  decodeUserRecord,
  encodeItemRecord,
  encodeUserRecord,
  fitsPartitionKey,
  isUserRecordItem,
  productIdOfKey,
  sessionCountersView,
  userCountersView,
} from '../domain/online/online-table';
import type { FeatureStore, PublishResult, RealtimeCounters, RequestContext } from '../domain/online/ports';
import type { FeatureRecords, ItemRecord, UserRecord } from '../domain/online/records';
import { DAY_MS, dateMs } from '../domain/time';
import { errorName, sdkItem, sleep } from './dynamodb-client';

/** DynamoDB limits and our publishing pace. */
const LIMITS = {
  /** BatchGetItem reads at most 100 keys per call. */
  batchGetKeys: 100,
  /** Conditional PutItems in flight while publishing. */
  putConcurrency: 25,
  /** Attempts for a throttled write or for unprocessed keys, with exponential backoff. */
  attempts: 8,
  baseDelayMs: 25,
  maxDelayMs: 2_000,
} as const;

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
]);

/** Full-jitter exponential backoff for attempt `n` (0-based). */
function backoffMs(n: number): number {
  return Math.random() * Math.min(LIMITS.maxDelayMs, LIMITS.baseDelayMs * 2 ** n);
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The online store over one DynamoDB table (hash key `pk`); the items are those of
 * `domain/online/online-table.ts`, which owns their keys and codec.
 */
export class DynamoDbFeatureStore implements FeatureStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly ttlDays: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * Conditional PutItems (`attribute_not_exists(pk) OR as_of <= :as_of`), 25 in flight: BatchWriteItem
   * cannot be conditional. A failed condition means a newer `as_of` is stored: counted as skipped.
   * The publication marker goes last, under the same condition, so a reader that sees it sees every
   * record it announces (the online item cache relies on it).
   */
  async publish(records: FeatureRecords, asOf: string): Promise<PublishResult> {
    const stamp = { asOf, ttl: Math.floor((dateMs(asOf) + this.ttlDays * DAY_MS) / 1000) };
    const encoded: OnlineItem[] = [];
    for (const u of records.users) encoded.push(encodeUserRecord(u, stamp));
    for (const i of records.items) encoded.push(encodeItemRecord(i, stamp));
    // The data contract bounds no id's length, but DynamoDB refuses a key over 2,048 bytes: such a
    // record can be neither stored nor looked up, so it is counted, not allowed to fail the rest.
    const items = encoded.filter((item) => fitsPartitionKey(item.pk?.S ?? ''));
    const unkeyable = encoded.length - items.length;
    const asOfAttr = { S: asOf };
    let users = 0;
    let written = 0;
    let skipped = 0;
    await forEachLimit(items, LIMITS.putConcurrency, async (item) => {
      if (!(await this.putIfNotOlder(item, asOfAttr))) {
        skipped++;
        return;
      }
      written++;
      if (isUserRecordItem(item)) users++;
    });
    const marker = encodePublication({
      as_of: asOf,
      publication_id: randomUUID(),
      published_at: new Date(this.now()).toISOString(),
    });
    await this.putIfNotOlder(marker, asOfAttr);
    return { written, skipped, users, items: written - users, ...(unkeyable > 0 ? { unkeyable } : {}) };
  }

  private async putIfNotOlder(item: OnlineItem, asOf: AttributeValue): Promise<boolean> {
    const command = new PutItemCommand({
      TableName: this.table,
      Item: sdkItem(item),
      ConditionExpression: 'attribute_not_exists(pk) OR #as_of <= :as_of',
      ExpressionAttributeNames: { '#as_of': 'as_of' },
      ExpressionAttributeValues: { ':as_of': asOf },
    });
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(command);
        return true;
      } catch (error) {
        const name = errorName(error);
        if (name === 'ConditionalCheckFailedException') return false;
        if (!THROTTLING.has(name) || attempt + 1 >= LIMITS.attempts)
          throw new StorageError(`publishing ${item.pk?.S ?? '?'} to ${this.table} failed: ${name}`, {
            cause: error,
          });
        await sleep(backoffMs(attempt));
      }
    }
  }

  /** The user's latest record, or null. */
  async getUser(userId: string): Promise<UserRecord | null> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: ONLINE_KEYS.user(userId) } } }),
    );
    return out.Item === undefined ? null : decodeUserRecord(userId, out.Item);
  }

  /** BatchGetItem in chunks of 100 keys (in parallel), retrying unprocessed keys with backoff. */
  async getItems(productIds: readonly string[]): Promise<Map<string, ItemRecord>> {
    const keys = [...new Set(productIds)].map((id) => ONLINE_KEYS.item(id));
    const found = await this.batchGet(keys);
    const out = new Map<string, ItemRecord>();
    for (const [pk, item] of found) {
      const id = productIdOfKey(pk);
      out.set(id, decodeItemRecord(id, item));
    }
    return out;
  }

  /** The counters the `onRawInteractions` handler keeps; malformed ones read as absent. */
  async getCounters(userId: string, sessionId?: string): Promise<RealtimeCounters> {
    const keys = counterKeys(userId, sessionId);
    const found = await this.batchGet(keys.session === null ? [keys.user] : [keys.user, keys.session]);
    return countersFrom(found, keys);
  }

  /** One BatchGetItem of the user, the publication marker and, when asked, the counters. */
  async getRequestContext(
    userId: string,
    counters: { readonly sessionId?: string | undefined } | null,
  ): Promise<RequestContext> {
    const userKey = ONLINE_KEYS.user(userId);
    const publicationKey = ONLINE_KEYS.publication();
    const rt = counters === null ? null : counterKeys(userId, counters.sessionId);
    const keys = [userKey, publicationKey];
    if (rt !== null) keys.push(rt.user, ...(rt.session === null ? [] : [rt.session]));
    const found = await this.batchGet(keys);
    const userItem = found.get(userKey);
    const publicationItem = found.get(publicationKey);
    return {
      user: userItem === undefined ? null : decodeUserRecord(userId, userItem),
      publication: publicationItem === undefined ? null : decodePublication(publicationItem),
      counters: rt === null ? null : countersFrom(found, rt),
    };
  }

  /** Every item found among `keys` (unique `pk` values), keyed by `pk`. */
  private async batchGet(keys: readonly string[]): Promise<Map<string, OnlineItem>> {
    const out = new Map<string, OnlineItem>();
    const chunks: string[][] = [];
    for (let i = 0; i < keys.length; i += LIMITS.batchGetKeys)
      chunks.push(keys.slice(i, i + LIMITS.batchGetKeys));
    await Promise.all(
      chunks.map(async (chunk) => {
        let pending: Record<string, AttributeValue>[] = chunk.map((pk) => ({ pk: { S: pk } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= LIMITS.attempts)
            throw new StorageError(
              `${pending.length} keys of ${this.table} stayed unprocessed after retries`,
            );
          if (attempt > 0) await sleep(backoffMs(attempt));
          const reply = await this.client.send(
            new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: pending } } }),
          );
          for (const item of reply.Responses?.[this.table] ?? []) {
            const pk = item.pk?.S;
            if (pk !== undefined) out.set(pk, item);
          }
          pending = reply.UnprocessedKeys?.[this.table]?.Keys ?? [];
        }
      }),
    );
    return out;
  }
}

/** The keys of a user's counters and, with a session id, that session's. */
function counterKeys(userId: string, sessionId: string | undefined): CounterKeys {
  return {
    user: ONLINE_KEYS.userCounters(userId),
    session: sessionId === undefined ? null : ONLINE_KEYS.sessionCounters(userId, sessionId),
  };
}

interface CounterKeys {
  readonly user: string;
  readonly session: string | null;
}

/** The counters among the items read; malformed ones read as absent. */
function countersFrom(found: ReadonlyMap<string, OnlineItem>, keys: CounterKeys): RealtimeCounters {
  const userItem = found.get(keys.user);
  const sessionItem = keys.session === null ? undefined : found.get(keys.session);
  const user = userItem === undefined ? null : decodeUserCounters(userItem);
  const session = sessionItem === undefined ? null : decodeSessionCounters(sessionItem);
  return {
    user: user === null ? null : userCountersView(user),
    session: session === null ? null : sessionCountersView(session),
  };
}

/** The online store over `table` through `client`; published items live `ttlDays` past their `as_of`. */
export function createFeatureStore(client: DynamoDBClient, table: string, ttlDays: number): FeatureStore {
  return new DynamoDbFeatureStore(client, table, ttlDays);
}
