/**
 * Real-time counters from one raw interactions object (api.md, `onRawInteractions`): what the
 * object adds per user and per session, and how an addition is applied to a stored counter item
 * once per line of an object key. Pure: the DynamoDB adapter does the I/O
 * (`adapters/dynamodb-realtime-counters.ts`).
 *
 * Idempotent per object key, not per object version: `ingestStream` rewrites a key when Lambda
 * retries a batch, with the same lines, or more of them (a retry that reaches further), or fewer
 * (a bisected retry); the lines it holds are always a prefix of one run of records. So every item
 * remembers, per key, how many leading lines of it it has absorbed, and a new version of the key
 * adds only the lines past that.
 */
import type { InteractionType } from '../schemas/records';
import {
  ONLINE_KEYS,
  fitsPartitionKey,
  type StoredSessionCounters,
  type StoredUserCounters,
  type TypeCounts,
} from '../online/online-table';
import { interactionTypeOf } from '../schemas/records';
import { normalizeText } from '../text';
import { DAY_MS, dateMs, formatTimestamp } from '../time';
import { checkInteractionRecord } from '../validation/interactions';
import { isBlankLine } from '../validation/source';
import { isWithinArrivalWindow } from './arrival-window';

/** Counter items live two days past their last event (DynamoDB TTL, epoch seconds). */
export const COUNTER_TTL_MS = 2 * DAY_MS;
/**
 * How many object keys a counter item remembers. The marker item catches every version whose
 * processing finished; the entries only have to cover keys still in flight (crashed between the
 * first counter write and the marker, then retried, or rewritten by a retried batch within
 * seconds), so a short FIFO bounds the item size.
 */
export const MAX_REMEMBERED_OBJECTS = 200;

/** One counted event of an object: its line number in the object, its time and its type. */
export interface CountedEvent {
  readonly line: number;
  readonly ms: number;
  readonly type: InteractionType;
}

/** What one object adds to a user: the user's counted events, in line order. */
export interface UserActivity {
  readonly userId: string;
  readonly events: readonly CountedEvent[];
}

/** What one object adds to a session: the session's counted events, in line order. */
export interface SessionActivity {
  readonly userId: string;
  readonly sessionId: string;
  readonly events: readonly CountedEvent[];
}

/** The per-user and per-session additions of one object of day `day`, sorted by key. */
export interface ObjectActivity {
  readonly day: string;
  /** Lines of the object version (blank ones included): what an item has absorbed once applied. */
  readonly lines: number;
  readonly users: readonly UserActivity[];
  readonly sessions: readonly SessionActivity[];
  /** Lines counted. */
  readonly records: number;
  /** Non-blank lines not counted: not valid interaction records of `day` (validation owns them), or outside the arrival window. */
  readonly skipped: number;
}

/** Where the stored counters live; the adapter applies an object's activity at most once. */
export interface RealtimeCounterStore {
  /** Applies the lines of object `objectKey` not applied before (version `etag`, kept for the record); false when there were none. */
  applyObject(objectKey: string, etag: string, activity: ObjectActivity): Promise<boolean>;
}

function zeroCounts(): TypeCounts {
  return { view: 0, add_to_cart: 0, purchase: 0 };
}

/**
 * The counted events of an object per user and per session. A line counts when it passes
 * validation's record checks for the object's partition day (`checkInteractionRecord`, with no
 * future bound: the counters have no run clock) and its time lies inside the arrival window around
 * `arrivalMs`, when the object was created (`arrival-window.ts`: an event dated 2099 would
 * otherwise freeze its user on that day, and one dated 1970 create counters of 1970). Blank lines
 * and the others are skipped. Ids and types are cleaned as the batch pipeline cleans them, so online
 * and batch keys agree.
 */
export function summarizeObject(lines: readonly string[], day: string, arrivalMs: number): ObjectActivity {
  const users = new Map<string, { userId: string; events: CountedEvent[] }>();
  const sessions = new Map<string, { userId: string; sessionId: string; events: CountedEvent[] }>();
  let records = 0;
  let skipped = 0;
  const dayStart = dateMs(day);
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line] as string;
    if (isBlankLine(text)) continue;
    const checked = checkInteractionRecord(text, dayStart, Infinity);
    if ('reason' in checked || !isWithinArrivalWindow(checked.timestampMs, arrivalMs)) {
      skipped++;
      continue;
    }
    const userId = normalizeText(checked.record.user_id);
    const sessionId = normalizeText(checked.record.session_id);
    // An id too long for a DynamoDB key could be neither stored nor read: counting it would fail
    // the whole object, for every user in it.
    const sk = ONLINE_KEYS.sessionCounters(userId, sessionId);
    if (!fitsPartitionKey(ONLINE_KEYS.userCounters(userId)) || !fitsPartitionKey(sk)) {
      skipped++;
      continue;
    }
    records++;
    const event: CountedEvent = { line, ms: checked.timestampMs, type: interactionTypeOf(checked.record) };
    let u = users.get(userId);
    if (u === undefined) {
      u = { userId, events: [] };
      users.set(userId, u);
    }
    u.events.push(event);
    let s = sessions.get(sk);
    if (s === undefined) {
      s = { userId, sessionId, events: [] };
      sessions.set(sk, s);
    }
    s.events.push(event);
  }
  const byKey = <T>(m: Map<string, T>): T[] =>
    [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  return { day, lines: lines.length, users: byKey(users), sessions: byKey(sessions), records, skipped };
}

/** What the events of an activity from line `from` on add up to, or null when there are none. */
interface Fresh {
  readonly events: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly counts: TypeCounts;
}

function freshSince(events: readonly CountedEvent[], from: number): Fresh | null {
  let n = 0;
  let firstMs = Infinity;
  let lastMs = -Infinity;
  const counts = zeroCounts();
  for (const e of events) {
    if (e.line < from) continue;
    n++;
    counts[e.type]++;
    if (e.ms < firstMs) firstMs = e.ms;
    if (e.ms > lastMs) lastMs = e.ms;
  }
  return n === 0 ? null : { events: n, firstMs, lastMs, counts };
}

/**
 * An item remembers each object key it absorbed as `<objectId>:<lines>`: the number of leading
 * lines of that key already in its counts. An entry of another shape (older items) matches no key.
 */
const rememberedEntry = (objectId: string, lines: number): string => `${objectId}:${lines}`;

/** How many leading lines of object `objectId` an item has absorbed (0 when none). */
export function absorbedLines(objects: readonly string[], objectId: string): number {
  const prefix = `${objectId}:`;
  for (let i = objects.length - 1; i >= 0; i--) {
    const entry = objects[i] as string;
    if (entry.startsWith(prefix)) return Number(entry.slice(prefix.length));
  }
  return 0;
}

function ttlOf(lastMs: number): number {
  return Math.floor((lastMs + COUNTER_TTL_MS) / 1000);
}

/** The remembered entries after absorbing the first `lines` lines of `objectId` (its older entry replaced). */
function remember(objects: readonly string[], objectId: string, lines: number): string[] {
  const prefix = `${objectId}:`;
  const out = objects.filter((o) => !o.startsWith(prefix));
  out.push(rememberedEntry(objectId, lines));
  return out.length > MAX_REMEMBERED_OBJECTS ? out.slice(out.length - MAX_REMEMBERED_OBJECTS) : out;
}

const maxIso = (a: string, b: string): string => (a >= b ? a : b);
const minIso = (a: string, b: string): string => (a <= b ? a : b);

/**
 * The user item after applying one object version of day `day` with `lines` lines, or null when
 * nothing changes. Only the user's events past the lines the item already absorbed from this key
 * count. Counts are those of the item's `day`: an object of a later day resets them, one of an
 * earlier day leaves them alone (its events are older than `last_interaction_at`).
 */
export function applyUserActivity(
  existing: StoredUserCounters | null,
  add: UserActivity,
  day: string,
  objectId: string,
  lines: number,
): StoredUserCounters | null {
  if (existing !== null && existing.day > day) return null;
  const fresh = freshSince(add.events, existing === null ? 0 : absorbedLines(existing.objects, objectId));
  if (fresh === null) return null;
  const last = formatTimestamp(fresh.lastMs);
  if (existing === null || existing.day < day) {
    const lastAt = existing === null ? last : maxIso(existing.last_interaction_at, last);
    return {
      last_interaction_at: lastAt,
      day,
      counts: fresh.counts,
      ttl: ttlOf(Date.parse(lastAt)),
      objects: [rememberedEntry(objectId, lines)],
      version: (existing?.version ?? 0) + 1,
    };
  }
  const lastAt = maxIso(existing.last_interaction_at, last);
  return {
    last_interaction_at: lastAt,
    day,
    counts: {
      view: existing.counts.view + fresh.counts.view,
      add_to_cart: existing.counts.add_to_cart + fresh.counts.add_to_cart,
      purchase: existing.counts.purchase + fresh.counts.purchase,
    },
    ttl: ttlOf(Date.parse(lastAt)),
    objects: remember(existing.objects, objectId, lines),
    version: existing.version + 1,
  };
}

/** The session item after applying one object version, or null when it adds no event the item lacks. */
export function applySessionActivity(
  existing: StoredSessionCounters | null,
  add: SessionActivity,
  objectId: string,
  lines: number,
): StoredSessionCounters | null {
  const fresh = freshSince(add.events, existing === null ? 0 : absorbedLines(existing.objects, objectId));
  if (fresh === null) return null;
  const first = formatTimestamp(fresh.firstMs);
  const last = formatTimestamp(fresh.lastMs);
  if (existing === null)
    return {
      events: fresh.events,
      first_at: first,
      last_at: last,
      ttl: ttlOf(fresh.lastMs),
      objects: [rememberedEntry(objectId, lines)],
      version: 1,
    };
  const lastAt = maxIso(existing.last_at, last);
  return {
    events: existing.events + fresh.events,
    first_at: minIso(existing.first_at, first),
    last_at: lastAt,
    ttl: ttlOf(Date.parse(lastAt)),
    objects: remember(existing.objects, objectId, lines),
    version: existing.version + 1,
  };
}
