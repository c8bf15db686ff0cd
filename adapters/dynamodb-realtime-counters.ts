/**
 * The real-time counters of the online table (DynamoDB; dynalite locally): `RT#USER#`,
 * `RT#SESSION#` and `RT#OBJECT#` items, hash key `pk` (string).
 *
 * Exactly-once per object without TransactWriteItems (dynalite does not implement it, and an
 * object can touch more items than one transaction holds, so chunked transactions would not be
 * all-or-nothing either): every counter item remembers the ids of the objects it has absorbed,
 * and each item is replaced with a conditional put on its `version` (optimistic concurrency), so
 * the application of one object to one item is atomic and happens at most once, whoever retries
 * and whatever runs concurrently. The `RT#OBJECT#<key>#<etag>` marker is written last, with
 * `attribute_not_exists(pk)`; an object whose marker exists is skipped without reading anything
 * else. A crash between the first counter write and the marker leaves the object partly applied
 * until the retry (S3 → Lambda redelivers), which applies exactly the missing items: eventually
 * all of the object, never twice.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';

import { StorageError } from '../domain/errors';
import {
  REALTIME_KEYS,
  applySessionActivity,
  applyUserActivity,
  type ObjectActivity,
  type RealtimeCounterStore,
  type SessionCounters,
  type TypeCounts,
  type UserCounters,
} from '../domain/ingest/realtime-counters';
import { DAY_MS } from '../domain/time';

type Item = Record<string, AttributeValue>;

/** Markers outlive any redelivery of an S3 event (Lambda's async retries stop after 6 hours). */
const MARKER_TTL_MS = 7 * DAY_MS;
/** Conditional-put attempts per item before giving up (the invocation then fails and is retried). */
const MAX_ATTEMPTS = 8;
/** Items updated concurrently per object. */
const CONCURRENCY = 16;

/** A short stable id of an object version, as remembered on counter items. */
export function objectIdOf(objectKey: string, etag: string): string {
  return createHash('sha256').update(`${objectKey}#${etag}`).digest('hex').slice(0, 16);
}

const num = (v: AttributeValue | undefined): number => Number(v?.N ?? 0);
const str = (v: AttributeValue | undefined): string => v?.S ?? '';
const list = (v: AttributeValue | undefined): string[] => (v?.L ?? []).map((x) => x.S ?? '');

function countsOf(v: AttributeValue | undefined): TypeCounts {
  const m = v?.M ?? {};
  return { view: num(m.view), add_to_cart: num(m.add_to_cart), purchase: num(m.purchase) };
}

function userFromItem(item: Item): UserCounters {
  return {
    last_interaction_at: str(item.last_interaction_at),
    day: str(item.day),
    counts: countsOf(item.counts),
    ttl: num(item.ttl),
    objects: list(item.objects),
    version: num(item.version),
  };
}

function sessionFromItem(item: Item): SessionCounters {
  return {
    events: num(item.events),
    first_at: str(item.first_at),
    last_at: str(item.last_at),
    ttl: num(item.ttl),
    objects: list(item.objects),
    version: num(item.version),
  };
}

const N = (n: number): AttributeValue => ({ N: String(n) });
const S = (s: string): AttributeValue => ({ S: s });
const L = (xs: readonly string[]): AttributeValue => ({ L: xs.map(S) });

function userItem(pk: string, u: UserCounters): Item {
  return {
    pk: S(pk),
    last_interaction_at: S(u.last_interaction_at),
    day: S(u.day),
    counts: {
      M: { view: N(u.counts.view), add_to_cart: N(u.counts.add_to_cart), purchase: N(u.counts.purchase) },
    },
    ttl: N(u.ttl),
    objects: L(u.objects),
    version: N(u.version),
  };
}

function sessionItem(pk: string, s: SessionCounters): Item {
  return {
    pk: S(pk),
    events: N(s.events),
    first_at: S(s.first_at),
    last_at: S(s.last_at),
    ttl: N(s.ttl),
    objects: L(s.objects),
    version: N(s.version),
  };
}

/** One counter item to bring up to date: read it, compute its next state, put it if unchanged meanwhile. */
interface CounterUpdate {
  readonly pk: string;
  readonly next: (item: Item | undefined) => Item | null;
}

/** `RealtimeCounterStore` over a DynamoDB table whose hash key is `pk` (string). */
export class DynamoDbRealtimeCounters implements RealtimeCounterStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Applies an object's activity once; false when its marker shows it was applied before. */
  async applyObject(objectKey: string, etag: string, activity: ObjectActivity): Promise<boolean> {
    const markerPk = REALTIME_KEYS.object(objectKey, etag);
    if ((await this.get(markerPk)) !== undefined) return false;
    const objectId = objectIdOf(objectKey, etag);
    const updates: CounterUpdate[] = [
      ...activity.users.map((u) => {
        const pk = REALTIME_KEYS.user(u.userId);
        return {
          pk,
          next: (item: Item | undefined) => {
            const next = applyUserActivity(
              item === undefined ? null : userFromItem(item),
              u,
              activity.day,
              objectId,
            );
            return next === null ? null : userItem(pk, next);
          },
        };
      }),
      ...activity.sessions.map((s) => {
        const pk = REALTIME_KEYS.session(s.userId, s.sessionId);
        return {
          pk,
          next: (item: Item | undefined) => {
            const next = applySessionActivity(item === undefined ? null : sessionFromItem(item), s, objectId);
            return next === null ? null : sessionItem(pk, next);
          },
        };
      }),
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
          Item: {
            pk: S(markerPk),
            object_key: S(objectKey),
            etag: S(etag),
            day: S(activity.day),
            records: N(activity.records),
            users: N(activity.users.length),
            sessions: N(activity.sessions.length),
            ttl: N(Math.floor((this.now() + MARKER_TTL_MS) / 1000)),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      // A concurrent delivery of the same object finished first; the counters hold it once either way.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    return true;
  }

  private async get(pk: string): Promise<Item | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: { pk: S(pk) }, ConsistentRead: true }),
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
            Item: next,
            ...(current === undefined
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#v = :v',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':v': current.version ?? N(0) },
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
