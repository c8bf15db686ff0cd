/**
 * The real-time counters of the online table (DynamoDB; dynalite locally): `RT#USER#`,
 * `RT#SESSION#` and `RT#OBJECT#` items, hash key `pk` (string).
 *
 * Each line of an object key is applied once, without TransactWriteItems (dynalite does not
 * implement it, and an object can touch more items than one transaction holds, so chunked
 * transactions would not be all-or-nothing either): every counter item remembers, per object key,
 * how many leading lines of it it has absorbed, and each item is replaced with a conditional put on
 * its `version` (optimistic concurrency), so applying a version of a key to one item is atomic and
 * adds only lines the item lacks, whoever retries and whatever runs concurrently (two versions of
 * one key included). The `RT#OBJECT#<key>` marker, holding the lines applied, is written last and
 * only ever raised; a version with no more lines than the marker is skipped without reading
 * anything else. A crash between the first counter write and the marker leaves the version partly
 * applied until the retry (S3 → Lambda redelivers), which applies exactly the missing items.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';

import { StorageError } from '../domain/errors';
import {
  type ObjectActivity,
  type RealtimeCounterStore,
  applySessionActivity,
  applyUserActivity,
} from '../domain/ingest/realtime-counters';
import {
  ONLINE_KEYS,
  type OnlineItem,
  decodeSessionCounters,
  decodeUserCounters,
  encodeObjectMarker,
  encodeSessionCounters,
  encodeUserCounters,
} from '../domain/online/online-table';
import { DAY_MS } from '../domain/time';
import { sdkItem } from './dynamodb-client';

/** Markers outlive any redelivery of an S3 event (Lambda's async retries stop after 6 hours). */
const MARKER_TTL_MS = 7 * DAY_MS;
/** Conditional-put attempts per item before giving up (the invocation then fails and is retried). */
const MAX_ATTEMPTS = 8;
/** Items updated concurrently per object. */
const CONCURRENCY = 16;

/** A short stable id of an object key, as remembered on counter items. */
export function objectIdOf(objectKey: string): string {
  return createHash('sha256').update(objectKey).digest('hex').slice(0, 16);
}

/** One counter item to bring up to date: read it, compute its next state, put it if unchanged meanwhile. */
interface CounterUpdate {
  readonly pk: string;
  readonly next: (item: OnlineItem | undefined) => OnlineItem | null;
}

/** `RealtimeCounterStore` over a DynamoDB table whose hash key is `pk` (string). */
export class DynamoDbRealtimeCounters implements RealtimeCounterStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Applies the lines of an object version not applied before; false when its marker shows there are none. */
  async applyObject(objectKey: string, etag: string, activity: ObjectActivity): Promise<boolean> {
    const marker = await this.get(ONLINE_KEYS.objectMarker(objectKey));
    if (marker !== undefined && Number(marker.lines?.N ?? Infinity) >= activity.lines) return false;
    const objectId = objectIdOf(objectKey);
    const updates: CounterUpdate[] = [
      ...activity.users.map((u) => ({
        pk: ONLINE_KEYS.userCounters(u.userId),
        next: (item: OnlineItem | undefined) => {
          const stored = item === undefined ? null : decodeUserCounters(item);
          const next = applyUserActivity(stored, u, activity.day, objectId, activity.lines);
          return next === null ? null : encodeUserCounters(u.userId, next);
        },
      })),
      ...activity.sessions.map((s) => ({
        pk: ONLINE_KEYS.sessionCounters(s.userId, s.sessionId),
        next: (item: OnlineItem | undefined) => {
          const stored = item === undefined ? null : decodeSessionCounters(item);
          const next = applySessionActivity(stored, s, objectId, activity.lines);
          return next === null ? null : encodeSessionCounters(s.userId, s.sessionId, next);
        },
      })),
    ];
    let index = 0;
    const worker = async (): Promise<void> => {
      while (index < updates.length) await this.update(updates[index++] as CounterUpdate);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, updates.length) }, worker));
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: sdkItem(
            encodeObjectMarker({
              objectKey,
              etag,
              day: activity.day,
              lines: activity.lines,
              records: activity.records,
              users: activity.users.length,
              sessions: activity.sessions.length,
              ttl: Math.floor((this.now() + MARKER_TTL_MS) / 1000),
            }),
          ),
          // Only ever raised: a shorter version marked after a longer one must not lower it.
          ConditionExpression: 'attribute_not_exists(pk) OR #lines < :lines',
          ExpressionAttributeNames: { '#lines': 'lines' },
          ExpressionAttributeValues: { ':lines': { N: String(activity.lines) } },
        }),
      );
    } catch (err) {
      // A concurrent delivery of this key, as long or longer, finished first; the counters hold each line once either way.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    return true;
  }

  private async get(pk: string): Promise<OnlineItem | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: { S: pk } }, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** Read, compute, conditional put on the version read; on a concurrent change, again. */
  private async update(u: CounterUpdate): Promise<void> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const current = await this.get(u.pk);
      const next = u.next(current);
      if (next === null) return;
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: sdkItem(next),
            ...(current === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#v = :v',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':v': sdkItem(current).version ?? { N: '0' } },
                }),
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    throw new StorageError(`real-time counter ${u.pk}: still contended after ${MAX_ATTEMPTS} attempts`, {
      key: u.pk,
    });
  }
}
