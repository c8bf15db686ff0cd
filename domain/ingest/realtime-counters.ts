/**
 * Real-time counters from one raw interactions object (api.md, `onRawInteractions`): what the
 * object adds per user and per session, and how an addition is applied to a stored counter item
 * exactly once. Pure: the DynamoDB adapter does the I/O (`adapters/dynamodb-realtime-counters.ts`).
 */
import {
  ONLINE_KEYS,
  type StoredSessionCounters,
  type StoredUserCounters,
  type TypeCounts,
} from '../online/online-table';
import { interactionTypeOf } from '../schemas/records';
import { normalizeText } from '../text';
import { DAY_MS, dateMs, formatTimestamp } from '../time';
import { checkInteractionRecord } from '../validation/interactions';
import { isBlankLine } from '../validation/source';

/** Counter items live two days past their last event (DynamoDB TTL, epoch seconds). */
export const COUNTER_TTL_MS = 2 * DAY_MS;
/**
 * How many object ids a counter item remembers. The marker item catches every object whose
 * processing finished; the ids only have to cover objects still in flight (crashed between the
 * first counter write and the marker, then retried), so a short FIFO bounds the item size.
 */
export const MAX_REMEMBERED_OBJECTS = 200;

/** What one object adds to a user. */
export interface UserActivity {
  readonly userId: string;
  readonly lastMs: number;
  readonly counts: TypeCounts;
}

/** What one object adds to a session. */
export interface SessionActivity {
  readonly userId: string;
  readonly sessionId: string;
  readonly events: number;
  readonly firstMs: number;
  readonly lastMs: number;
}

/** The per-user and per-session additions of one object of day `day`, sorted by key. */
export interface ObjectActivity {
  readonly day: string;
  readonly users: readonly UserActivity[];
  readonly sessions: readonly SessionActivity[];
  /** Lines counted. */
  readonly records: number;
  /** Non-blank lines that are not valid interaction records of `day` (validation owns them). */
  readonly skipped: number;
}

/** Where the stored counters live; the adapter applies an object's activity at most once. */
export interface RealtimeCounterStore {
  /** Applies the activity of object `objectKey` (version `etag`); false when it was applied before. */
  applyObject(objectKey: string, etag: string, activity: ObjectActivity): Promise<boolean>;
}

function zeroCounts(): TypeCounts {
  return { view: 0, add_to_cart: 0, purchase: 0 };
}

/**
 * Sums an object's valid interaction records per user and per session. A line counts when it passes
 * validation's record checks for the object's partition day (`checkInteractionRecord`, with no
 * future bound: the counters have no run clock); blank lines and the others are skipped. Ids and
 * types are cleaned as the batch pipeline cleans them, so online and batch keys agree.
 */
export function summarizeObject(lines: readonly string[], day: string): ObjectActivity {
  const users = new Map<string, { userId: string; lastMs: number; counts: TypeCounts }>();
  const sessions = new Map<
    string,
    { userId: string; sessionId: string; events: number; firstMs: number; lastMs: number }
  >();
  let records = 0;
  let skipped = 0;
  const dayStart = dateMs(day);
  for (const line of lines) {
    if (isBlankLine(line)) continue;
    const checked = checkInteractionRecord(line, dayStart, Infinity);
    if ('reason' in checked) {
      skipped++;
      continue;
    }
    records++;
    const ms = checked.timestampMs;
    const userId = normalizeText(checked.record.user_id);
    const sessionId = normalizeText(checked.record.session_id);
    let u = users.get(userId);
    if (u === undefined) {
      u = { userId, lastMs: ms, counts: zeroCounts() };
      users.set(userId, u);
    }
    u.counts[interactionTypeOf(checked.record)]++;
    if (ms > u.lastMs) u.lastMs = ms;
    const sk = ONLINE_KEYS.sessionCounters(userId, sessionId);
    let s = sessions.get(sk);
    if (s === undefined) {
      s = { userId, sessionId, events: 0, firstMs: ms, lastMs: ms };
      sessions.set(sk, s);
    }
    s.events++;
    if (ms < s.firstMs) s.firstMs = ms;
    if (ms > s.lastMs) s.lastMs = ms;
  }
  const byKey = <T>(m: Map<string, T>): T[] =>
    [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  return { day, users: byKey(users), sessions: byKey(sessions), records, skipped };
}

function ttlOf(lastMs: number): number {
  return Math.floor((lastMs + COUNTER_TTL_MS) / 1000);
}

function remember(objects: readonly string[], objectId: string): string[] {
  const out = [...objects, objectId];
  return out.length > MAX_REMEMBERED_OBJECTS ? out.slice(out.length - MAX_REMEMBERED_OBJECTS) : out;
}

const maxIso = (a: string, b: string): string => (a >= b ? a : b);
const minIso = (a: string, b: string): string => (a <= b ? a : b);

/**
 * The user item after applying one object of day `day`, or null when nothing changes. Counts are
 * those of the item's `day`: an object of a later day resets them, one of an earlier day leaves
 * them alone (its events are older than `last_interaction_at`), and an object already remembered
 * is not counted twice.
 */
export function applyUserActivity(
  existing: StoredUserCounters | null,
  add: UserActivity,
  day: string,
  objectId: string,
): StoredUserCounters | null {
  const last = formatTimestamp(add.lastMs);
  if (existing === null || existing.day < day) {
    const lastAt = existing === null ? last : maxIso(existing.last_interaction_at, last);
    return {
      last_interaction_at: lastAt,
      day,
      counts: { ...add.counts },
      ttl: ttlOf(Date.parse(lastAt)),
      objects: [objectId],
      version: (existing?.version ?? 0) + 1,
    };
  }
  if (existing.day > day || existing.objects.includes(objectId)) return null;
  const lastAt = maxIso(existing.last_interaction_at, last);
  return {
    last_interaction_at: lastAt,
    day,
    counts: {
      view: existing.counts.view + add.counts.view,
      add_to_cart: existing.counts.add_to_cart + add.counts.add_to_cart,
      purchase: existing.counts.purchase + add.counts.purchase,
    },
    ttl: ttlOf(Date.parse(lastAt)),
    objects: remember(existing.objects, objectId),
    version: existing.version + 1,
  };
}

/** The session item after applying one object, or null when the object was already counted. */
export function applySessionActivity(
  existing: StoredSessionCounters | null,
  add: SessionActivity,
  objectId: string,
): StoredSessionCounters | null {
  const first = formatTimestamp(add.firstMs);
  const last = formatTimestamp(add.lastMs);
  if (existing === null)
    return {
      events: add.events,
      first_at: first,
      last_at: last,
      ttl: ttlOf(add.lastMs),
      objects: [objectId],
      version: 1,
    };
  if (existing.objects.includes(objectId)) return null;
  const lastAt = maxIso(existing.last_at, last);
  return {
    events: existing.events + add.events,
    first_at: minIso(existing.first_at, first),
    last_at: lastAt,
    ttl: ttlOf(Date.parse(lastAt)),
    objects: remember(existing.objects, objectId),
    version: existing.version + 1,
  };
}
