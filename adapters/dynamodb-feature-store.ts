import {
  type AttributeValue,
  BatchGetItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';

import { getSettings } from '../config';
import { ObjectNotFoundError, StorageError } from '../domain/errors';
import type { Lake } from '../domain/ports';
import { outputKeys } from '../domain/pipeline/layout';
import type {
  FeatureStore,
  PublishResult,
  RealtimeCounters,
  SessionCounters,
  UserCounters,
} from '../domain/online/ports';
import { affinityCompanionKey } from '../domain/online/publish';
import {
  type AffinityVector,
  type FeatureRecords,
  ITEM_FEATURE_NAMES,
  type ItemRecord,
  USER_FEATURE_NAMES,
  type UserRecord,
  itemRecordFromRow,
  userRecordFromRow,
} from '../domain/online/records';
import { DAY_MS, dateMs } from '../domain/time';
import { decodeParquet } from './parquet';
import { createDynamoDbClient } from './dynamodb-client';

/** Item keys of the one online table (features.md §7, api.md real-time counters). */
export const FEATURE_KEYS = {
  user: (id: string): string => `USER#${id}`,
  item: (id: string): string => `ITEM#${id}`,
  userCounters: (id: string): string => `RT#USER#${id}`,
  sessionCounters: (userId: string, sessionId: string): string => `RT#SESSION#${userId}#${sessionId}`,
} as const;

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

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff for attempt `n` (0-based). */
function backoffMs(n: number): number {
  return Math.random() * Math.min(LIMITS.maxDelayMs, LIMITS.baseDelayMs * 2 ** n);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** A plain JSON value as a DynamoDB attribute (numbers as exact shortest decimal strings). */
function toAttribute(value: unknown, name: string): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'boolean') return { BOOL: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StorageError(`feature ${name} is not a finite number: ${value}`);
    return { N: String(value) };
  }
  throw new StorageError(`feature ${name} has an unsupported type ${typeof value}`);
}

/** A DynamoDB attribute as a plain JSON value. */
function fromAttribute(av: AttributeValue | undefined): unknown {
  if (av === undefined || av.NULL !== undefined) return null;
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return Number(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.M !== undefined) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(av.M)) out[k] = fromAttribute(v);
    return out;
  }
  if (av.L !== undefined) return av.L.map(fromAttribute);
  return null;
}

function featureMap(record: object, names: readonly string[]): AttributeValue {
  const m: Record<string, AttributeValue> = {};
  const r = record as Record<string, unknown>;
  for (const name of names) m[name] = toAttribute(r[name], name);
  return { M: m };
}

function featuresFrom(av: AttributeValue | undefined, names: readonly string[]): Record<string, unknown> {
  const m = av?.M ?? {};
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = fromAttribute(m[name]);
  return out;
}

/** The affinity vector as a list of [dimension, weight] pairs: a list keeps the fold's key order. */
function affinityList(affinity: AffinityVector): AttributeValue {
  const pairs: AttributeValue[] = [];
  for (const [dim, weight] of Object.entries(affinity))
    pairs.push({ L: [{ S: dim }, toAttribute(weight, `affinity ${dim}`)] });
  return { L: pairs };
}

function affinityFrom(av: AttributeValue | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of av?.L ?? []) {
    const [dim, weight] = pair.L ?? [];
    if (dim?.S !== undefined && weight?.N !== undefined) out[dim.S] = Number(weight.N);
  }
  return out;
}

const UserCountersSchema = z.object({
  last_interaction_at: z.string(),
  day: z.string(),
  counts: z
    .object({
      view: z.number().default(0),
      add_to_cart: z.number().default(0),
      purchase: z.number().default(0),
    })
    .prefault({}),
});
const SessionCountersSchema = z.object({ events: z.number(), first_at: z.string(), last_at: z.string() });

/** Runs `work` over `items` with at most `limit` in flight. */
async function forEachLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The online store over one DynamoDB table (hash key `pk`): `USER#<id>` and `ITEM#<id>` items hold
 * `features` (a map), `as_of`, the TTL attribute `ttl` and, for users, the `affinity` pairs.
 */
export class DynamoDbFeatureStore implements FeatureStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly ttlDays: number,
  ) {}

  /**
   * Conditional PutItems (`attribute_not_exists(pk) OR as_of <= :as_of`), 25 in flight: BatchWriteItem
   * cannot be conditional. A failed condition means a newer `as_of` is stored: counted as skipped.
   */
  async publish(records: FeatureRecords, asOf: string): Promise<PublishResult> {
    const ttl = { N: String(Math.floor((dateMs(asOf) + this.ttlDays * DAY_MS) / 1000)) };
    const asOfAttr = { S: asOf };
    const items: Record<string, AttributeValue>[] = [];
    for (const u of records.users)
      items.push({
        pk: { S: FEATURE_KEYS.user(u.user_id) },
        as_of: asOfAttr,
        ttl,
        features: featureMap(u, USER_FEATURE_NAMES),
        affinity: affinityList(u.affinity),
      });
    for (const i of records.items)
      items.push({
        pk: { S: FEATURE_KEYS.item(i.product_id) },
        as_of: asOfAttr,
        ttl,
        features: featureMap(i, ITEM_FEATURE_NAMES),
      });
    let users = 0;
    let written = 0;
    let skipped = 0;
    await forEachLimit(items, LIMITS.putConcurrency, async (item) => {
      if (!(await this.putIfNotOlder(item, asOfAttr))) {
        skipped++;
        return;
      }
      written++;
      if (item.affinity !== undefined) users++;
    });
    return { written, skipped, users, items: written - users };
  }

  private async putIfNotOlder(item: Record<string, AttributeValue>, asOf: AttributeValue): Promise<boolean> {
    const command = new PutItemCommand({
      TableName: this.table,
      Item: item,
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
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: FEATURE_KEYS.user(userId) } } }),
    );
    return out.Item === undefined ? null : userFromItem(userId, out.Item);
  }

  /** BatchGetItem in chunks of 100 keys (in parallel), retrying unprocessed keys with backoff. */
  async getItems(productIds: readonly string[]): Promise<Map<string, ItemRecord>> {
    const keys = [...new Set(productIds)].map((id) => FEATURE_KEYS.item(id));
    const found = await this.batchGet(keys);
    const out = new Map<string, ItemRecord>();
    for (const [pk, item] of found) {
      const id = pk.slice(5);
      out.set(id, {
        product_id: id,
        ...(featuresFrom(item.features, ITEM_FEATURE_NAMES) as Omit<ItemRecord, 'product_id' | 'as_of'>),
        as_of: item.as_of?.S ?? '',
      });
    }
    return out;
  }

  /** The counters the `onRawInteractions` handler keeps; malformed ones read as absent. */
  async getCounters(userId: string, sessionId?: string): Promise<RealtimeCounters> {
    const userKey = FEATURE_KEYS.userCounters(userId);
    const sessionKey = sessionId === undefined ? null : FEATURE_KEYS.sessionCounters(userId, sessionId);
    const found = await this.batchGet(sessionKey === null ? [userKey] : [userKey, sessionKey]);
    const plainItem = (key: string | null): unknown => {
      const item = key === null ? undefined : found.get(key);
      return item === undefined ? null : fromAttribute({ M: item });
    };
    const user = UserCountersSchema.safeParse(plainItem(userKey));
    const session = SessionCountersSchema.safeParse(plainItem(sessionKey));
    return {
      user: user.success ? (user.data as UserCounters) : null,
      session: session.success ? (session.data as SessionCounters) : null,
    };
  }

  /** Every item found among `keys` (unique `pk` values), keyed by `pk`. */
  private async batchGet(keys: readonly string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const out = new Map<string, Record<string, AttributeValue>>();
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

function userFromItem(userId: string, item: Record<string, AttributeValue>): UserRecord {
  return {
    user_id: userId,
    ...(featuresFrom(item.features, USER_FEATURE_NAMES) as Omit<
      UserRecord,
      'user_id' | 'affinity' | 'as_of'
    >),
    affinity: affinityFrom(item.affinity),
    as_of: item.as_of?.S ?? '',
  };
}

/**
 * Creates the table (hash key `pk`, on-demand) with TTL on `ttl` when it does not exist, for local
 * use; on AWS serverless.yml owns it. dynalite has no TTL API, so that call may be refused.
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

/**
 * Publishes the feature files as of `asOf` from an output root: the user and item Parquet files,
 * plus the affinity companion `features/user_affinity/as_of=<T>/affinity.json` when present (without it
 * users get an empty vector, so `user_item_affinity` is null online).
 */
export async function publishFromLake(
  store: FeatureStore,
  outputLake: Lake,
  asOf: string,
): Promise<PublishResult> {
  const [userRows, itemRows, affinity] = await Promise.all([
    outputLake.read(outputKeys.userFeatures(asOf)).then(decodeParquet),
    outputLake.read(outputKeys.itemFeatures(asOf)).then(decodeParquet),
    outputLake.read(affinityCompanionKey(asOf)).then(
      (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, AffinityVector>,
      (error: unknown) => {
        if (error instanceof ObjectNotFoundError) return {} as Record<string, AffinityVector>;
        throw error;
      },
    ),
  ]);
  return store.publish(
    {
      users: userRows.map((r) => userRecordFromRow(r, affinity[r.user_id as string])),
      items: itemRows.map(itemRecordFromRow),
    },
    asOf,
  );
}

let shared: FeatureStore | undefined;

/** The process's one store, built on first use from the settings (handlers share it across invocations). */
export function sharedFeatureStore(): FeatureStore {
  if (shared === undefined) {
    const settings = getSettings();
    shared = new DynamoDbFeatureStore(
      createDynamoDbClient(settings.online, settings.s3.region),
      settings.online.table,
      settings.online.ttlDays,
    );
  }
  return shared;
}

/** Replaces the process's store (tests); `undefined` restores the default. */
export function setFeatureStoreForTests(store: FeatureStore | undefined): void {
  shared = store;
}

/** A dynalite server started in-process on a random port (tests, benchmarks, the local stack). */
export interface LocalDynamo {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite (a devDependency, loaded lazily so Lambda bundles never include it) on 127.0.0.1. */
export async function startDynalite(options: { path?: string } = {}): Promise<LocalDynamo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types and must stay out of bundles
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => import('node:http').Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...options });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new StorageError('dynalite did not listen on TCP');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
