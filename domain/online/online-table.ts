/**
 * The one online table (features.md §7, api.md real-time counters): its item keys, the shapes of
 * the items it holds and their codec to and from DynamoDB attribute maps. Publish, the real-time
 * counters and the reads all go through this module, so the stored format is written once. Pure:
 * `AttributeValue` below is the shape of the SDK's type, declared here so the domain imports no SDK.
 */
import { StorageError } from '../errors';
import {
  type AffinityVector,
  ITEM_FEATURE_NAMES,
  type ItemRecord,
  type ItemRecordInput,
  USER_FEATURE_NAMES,
  type UserRecord,
  type UserRecordInput,
} from './records';

/** A DynamoDB attribute value: the members of the SDK's `AttributeValue` this table uses. */
export interface AttributeValue {
  readonly S?: string | undefined;
  readonly N?: string | undefined;
  readonly BOOL?: boolean | undefined;
  readonly NULL?: boolean | undefined;
  readonly M?: Record<string, AttributeValue> | undefined;
  readonly L?: AttributeValue[] | undefined;
}

/** One stored item of the table, hash key `pk` (string). */
export type OnlineItem = Record<string, AttributeValue>;

const ITEM_PREFIX = 'ITEM#';
/** Not a `USER#`/`ITEM#`/`RT#` key, so no id can collide with it. */
const PUBLICATION_KEY = 'PUBLICATION#LATEST';

/** Partition keys of the table's items. */
export const ONLINE_KEYS = {
  /** A user's published features. */
  user: (userId: string): string => `USER#${userId}`,
  /** A product's published features. */
  item: (productId: string): string => `${ITEM_PREFIX}${productId}`,
  /** A user's real-time counters. */
  userCounters: (userId: string): string => `RT#USER#${userId}`,
  /** A (user, session)'s real-time counters. */
  sessionCounters: (userId: string, sessionId: string): string => `RT#SESSION#${userId}#${sessionId}`,
  /** The marker of a raw object version whose counters were applied. */
  /** One marker per object key (not per version): the counters are idempotent per key. */
  objectMarker: (objectKey: string): string => `RT#OBJECT#${objectKey}`,
  /** The latest publication's marker, written after its records (see `Publication`). */
  publication: (): string => PUBLICATION_KEY,
} as const;

/** DynamoDB's limit on a partition key: 2,048 bytes of UTF-8 (bytes, not characters). */
export const MAX_PARTITION_KEY_BYTES = 2048;

const UTF8 = new TextEncoder();

/** Bytes of a string in UTF-8. */
export function utf8Bytes(text: string): number {
  return UTF8.encode(text).length;
}

/** Whether a partition key fits in DynamoDB; a longer one can be neither stored nor looked up. */
export function fitsPartitionKey(pk: string): boolean {
  return utf8Bytes(pk) <= MAX_PARTITION_KEY_BYTES;
}

/** The most UTF-8 bytes an id may have so that `keyOf(id)` still fits. */
export function maxIdBytes(keyOf: (id: string) => string): number {
  return MAX_PARTITION_KEY_BYTES - utf8Bytes(keyOf(''));
}

/** The product id of an `ITEM#` key. */
export function productIdOfKey(pk: string): string {
  return pk.slice(ITEM_PREFIX.length);
}

/** Events per interaction type. */
export interface TypeCounts {
  view: number;
  add_to_cart: number;
  purchase: number;
}

/** A user's real-time activity of one day, as the API serves it. */
export interface UserCounters {
  readonly last_interaction_at: string;
  /** The UTC day the counts are for (YYYY-MM-DD). */
  readonly day: string;
  readonly counts: TypeCounts;
}

/** A (user, session) seen in the real-time stream: events so far and their time span. */
export interface SessionCounters {
  readonly events: number;
  readonly first_at: string;
  readonly last_at: string;
}

/** Bookkeeping on every counter item: TTL, the ids of the objects absorbed, an optimistic version. */
export interface CounterBookkeeping {
  readonly ttl: number;
  readonly objects: readonly string[];
  readonly version: number;
}

/** A stored `RT#USER#` item. */
export interface StoredUserCounters extends UserCounters, CounterBookkeeping {}

/** A stored `RT#SESSION#` item. */
export interface StoredSessionCounters extends SessionCounters, CounterBookkeeping {}

/** What the `RT#OBJECT#` marker records about the object it marks. */
export interface ObjectMarker {
  readonly objectKey: string;
  /** The version last applied (for the record). */
  readonly etag: string;
  readonly day: string;
  /** Leading lines of the key applied so far: a later version adds only the lines past them. */
  readonly lines: number;
  readonly records: number;
  readonly users: number;
  readonly sessions: number;
  /** Epoch seconds (DynamoDB TTL). */
  readonly ttl: number;
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });
const strings = (xs: readonly string[]): AttributeValue => ({ L: xs.map(S) });

/** A plain JSON value as an attribute (numbers as exact shortest decimal strings). */
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

/** A scalar attribute as a plain JSON value (the feature maps hold only scalars and NULL). */
function fromAttribute(av: AttributeValue | undefined): string | number | boolean | null {
  if (av === undefined || av.NULL !== undefined) return null;
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return Number(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
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

/** The stamp every published item carries: `as_of` (YYYY-MM-DD) and the TTL (epoch seconds). */
export interface PublishStamp {
  readonly asOf: string;
  readonly ttl: number;
}

/** The `USER#` item of a user record: `features` (a map), `as_of`, `ttl` and the `affinity` pairs. */
export function encodeUserRecord(record: UserRecordInput, stamp: PublishStamp): OnlineItem {
  return {
    pk: S(ONLINE_KEYS.user(record.user_id)),
    as_of: S(stamp.asOf),
    ttl: N(stamp.ttl),
    features: featureMap(record, USER_FEATURE_NAMES),
    affinity: affinityList(record.affinity),
  };
}

/** The `ITEM#` item of an item record: `features` (a map), `as_of` and `ttl`. */
export function encodeItemRecord(record: ItemRecordInput, stamp: PublishStamp): OnlineItem {
  return {
    pk: S(ONLINE_KEYS.item(record.product_id)),
    as_of: S(stamp.asOf),
    ttl: N(stamp.ttl),
    features: featureMap(record, ITEM_FEATURE_NAMES),
  };
}

/** True for an encoded user record (the only published items with an affinity list). */
export function isUserRecordItem(item: OnlineItem): boolean {
  return item.affinity !== undefined;
}

/** The user record of a `USER#` item. */
export function decodeUserRecord(userId: string, item: OnlineItem): UserRecord {
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

/** The item record of an `ITEM#` item. */
export function decodeItemRecord(productId: string, item: OnlineItem): ItemRecord {
  return {
    product_id: productId,
    ...(featuresFrom(item.features, ITEM_FEATURE_NAMES) as Omit<ItemRecord, 'product_id' | 'as_of'>),
    as_of: item.as_of?.S ?? '',
  };
}

/** A number attribute; `fallback` when absent; null when present but not a number. */
function numberOr(av: AttributeValue | undefined, fallback: number): number | null {
  if (av === undefined) return fallback;
  return av.N === undefined ? null : Number(av.N);
}

function bookkeepingOf(item: OnlineItem): CounterBookkeeping {
  return {
    ttl: numberOr(item.ttl, 0) ?? 0,
    objects: (item.objects?.L ?? []).map((x) => x.S ?? ''),
    version: numberOr(item.version, 0) ?? 0,
  };
}

/**
 * The counters of an `RT#USER#` item, or null when it is malformed (a missing or mistyped field):
 * such an item reads as absent and is replaced by the next write. Missing counts are 0.
 */
export function decodeUserCounters(item: OnlineItem): StoredUserCounters | null {
  const last = item.last_interaction_at?.S;
  const day = item.day?.S;
  if (last === undefined || day === undefined) return null;
  const counts = item.counts;
  if (counts !== undefined && counts.M === undefined) return null;
  const m = counts?.M ?? {};
  const view = numberOr(m.view, 0);
  const addToCart = numberOr(m.add_to_cart, 0);
  const purchase = numberOr(m.purchase, 0);
  if (view === null || addToCart === null || purchase === null) return null;
  return {
    last_interaction_at: last,
    day,
    counts: { view, add_to_cart: addToCart, purchase },
    ...bookkeepingOf(item),
  };
}

/** The counters of an `RT#SESSION#` item, or null when it is malformed. */
export function decodeSessionCounters(item: OnlineItem): StoredSessionCounters | null {
  const events = item.events?.N;
  const first = item.first_at?.S;
  const last = item.last_at?.S;
  if (events === undefined || first === undefined || last === undefined) return null;
  return { events: Number(events), first_at: first, last_at: last, ...bookkeepingOf(item) };
}

/** The `RT#USER#` item of a user's counters. */
export function encodeUserCounters(userId: string, u: StoredUserCounters): OnlineItem {
  return {
    pk: S(ONLINE_KEYS.userCounters(userId)),
    last_interaction_at: S(u.last_interaction_at),
    day: S(u.day),
    counts: {
      M: { view: N(u.counts.view), add_to_cart: N(u.counts.add_to_cart), purchase: N(u.counts.purchase) },
    },
    ttl: N(u.ttl),
    objects: strings(u.objects),
    version: N(u.version),
  };
}

/** The `RT#SESSION#` item of a session's counters. */
export function encodeSessionCounters(
  userId: string,
  sessionId: string,
  s: StoredSessionCounters,
): OnlineItem {
  return {
    pk: S(ONLINE_KEYS.sessionCounters(userId, sessionId)),
    events: N(s.events),
    first_at: S(s.first_at),
    last_at: S(s.last_at),
    ttl: N(s.ttl),
    objects: strings(s.objects),
    version: N(s.version),
  };
}

/** The `RT#OBJECT#` marker item of an applied object. */
export function encodeObjectMarker(m: ObjectMarker): OnlineItem {
  return {
    pk: S(ONLINE_KEYS.objectMarker(m.objectKey)),
    object_key: S(m.objectKey),
    etag: S(m.etag),
    day: S(m.day),
    lines: N(m.lines),
    records: N(m.records),
    users: N(m.users),
    sessions: N(m.sessions),
    ttl: N(m.ttl),
  };
}

/** The public view of stored user counters (what `GET /features/users/{id}` serves). */
export function userCountersView(u: StoredUserCounters): UserCounters {
  return { last_interaction_at: u.last_interaction_at, day: u.day, counts: { ...u.counts } };
}

/** The public view of stored session counters. */
export function sessionCountersView(s: StoredSessionCounters): SessionCounters {
  return { events: s.events, first_at: s.first_at, last_at: s.last_at };
}

/**
 * The latest publication of the store: written once all its records are, never over a newer
 * `as_of`. Its `publication_id` is new on every publication (also a re-publication of the same
 * `as_of`), so a reader that remembers it knows whether anything was published since.
 */
export interface Publication {
  readonly as_of: string;
  /** Unique per publication. */
  readonly publication_id: string;
  /** When it was written (ISO 8601, UTC): for the record. */
  readonly published_at: string;
}

/** The `PUBLICATION#LATEST` item of a publication (no TTL: it outlives the records it announces). */
export function encodePublication(p: Publication): OnlineItem {
  return {
    pk: S(ONLINE_KEYS.publication()),
    as_of: S(p.as_of),
    publication_id: S(p.publication_id),
    published_at: S(p.published_at),
  };
}

/** The publication of a `PUBLICATION#LATEST` item, or null when it is malformed (read as none). */
export function decodePublication(item: OnlineItem): Publication | null {
  const asOf = item.as_of?.S;
  const id = item.publication_id?.S;
  const at = item.published_at?.S;
  if (asOf === undefined || id === undefined || at === undefined) return null;
  return { as_of: asOf, publication_id: id, published_at: at };
}
