import {
  INTERACTION_FIELDS,
  type RawInteraction,
  RawInteraction as RawInteractionSchema,
  interactionTypeOf,
  parseInteractionType,
} from '../schemas/records';
import { compareCodePoints, isBlank } from '../text';
import { DAY_MS, dateMs, parseTimestamp } from '../time';
import { EMPTY_HASH, FNV_PRIME, IndexTable, hashText } from './index-table';
import type { RejectionCode, RemovalCode, WarningCode } from './codes';
import type { QuarantineEntry, SourceObject } from './source';
import { isBlankLine, isNullableText, isRequiredText, parseJsonObject } from './source';

/** What validation needs of a user of the day's snapshot. */
export interface UserReference {
  readonly joinedMs: number;
}

/** What validation and cleaning need of a product of the day's snapshot. */
export interface ProductReference {
  readonly createdMs: number;
  readonly isActive: boolean;
}

/** A record that passed codes 1-7 and competes in duplicate detection. */
export interface Candidate {
  readonly record: RawInteraction;
  readonly timestampMs: number;
  readonly naive: boolean;
  readonly sourceKey: string;
  readonly lineNumber: number;
  readonly line: string;
  /** The snapshot entries the referential checks found (kept so that no later step looks them up again). */
  readonly user: UserReference;
  readonly product: ProductReference;
}

/** What the referential checks need of the day's snapshots, keyed by raw id. */
export interface ReferenceData {
  readonly users: ReadonlyMap<string, UserReference>;
  readonly products: ReadonlyMap<string, ProductReference>;
}

/** Per-line outcome of codes 1-7 for the interactions of one day. */
export interface InteractionChecks {
  readonly raw: number;
  readonly candidates: Candidate[];
  readonly rejected: QuarantineEntry[];
}

/** A line that passed the record checks of `checkInteractionRecord`: its record and UTC time. */
export interface CheckedInteraction {
  readonly record: RawInteraction;
  readonly timestampMs: number;
  readonly naive: boolean;
}

/** Why `checkInteractionRecord` refused a line: the rejection code and the field it names. */
export interface LineRejection {
  readonly reason: RejectionCode;
  readonly field: string | null;
}

/**
 * The field `RawInteraction.safeParse` would name first (schema order), or null when it accepts
 * the object. The zod schema stays the source of truth; this is the same rule written out field by
 * field, because zod costs several microseconds per event (a test checks they agree on a large
 * random set of objects).
 */
export function firstInvalidInteractionField(value: Record<string, unknown>): string | null {
  if (!isRequiredText(value.interaction_id)) return 'interaction_id';
  if (!isRequiredText(value.user_id)) return 'user_id';
  if (!isRequiredText(value.product_id)) return 'product_id';
  const type = value.interaction_type;
  if (typeof type !== 'string' || parseInteractionType(type) === null) return 'interaction_type';
  if (!isRequiredText(value.timestamp)) return 'timestamp';
  if (!isRequiredText(value.session_id)) return 'session_id';
  const rating = value.rating;
  // z.number() refuses NaN and ±Infinity (JSON.parse gives Infinity for `1e999`).
  if (rating !== undefined && rating !== null && !(typeof rating === 'number' && Number.isFinite(rating)))
    return 'rating';
  if (!isNullableText(value.device_type)) return 'device_type';
  if (!isNullableText(value.page_context)) return 'page_context';
  return null;
}

const MALFORMED: LineRejection = { reason: 'malformed_json', field: null };
const BAD_TIMESTAMP: LineRejection = { reason: 'bad_timestamp', field: 'timestamp' };
const FUTURE: LineRejection = { reason: 'future_timestamp', field: 'timestamp' };
const WRONG_PARTITION: LineRejection = { reason: 'wrong_partition', field: 'timestamp' };

/**
 * The checks of one non-blank interaction line that need no snapshot (codes 1-5: JSON, schema,
 * timestamp, future, partition day starting at `dayStartMs`). The real-time counters use it too,
 * so a line counts online exactly when it passes these checks in batch.
 */
export function checkInteractionRecord(
  line: string,
  dayStartMs: number,
  latestAllowedMs: number,
): CheckedInteraction | LineRejection {
  const value = parseJsonObject(line);
  if (value === null) return MALFORMED;
  const field = firstInvalidInteractionField(value);
  if (field !== null) return { reason: 'schema_violation', field };
  // The parsed object is the record zod would return (a shallow copy), except that zod leaves out
  // an own `__proto__` key (copying it would replace the prototype): only then let zod copy it.
  const record = Object.hasOwn(value, '__proto__')
    ? RawInteractionSchema.parse(value)
    : (value as RawInteraction);
  const ts = parseTimestamp(record.timestamp);
  if (ts === null) return BAD_TIMESTAMP;
  if (ts.ms > latestAllowedMs) return FUTURE;
  if (ts.ms < dayStartMs || ts.ms >= dayStartMs + DAY_MS) return WRONG_PARTITION;
  return { record, timestampMs: ts.ms, naive: ts.naive };
}

/**
 * Applies rejection codes 1-7 to every line of the day's interaction objects (duplicates come
 * after, over the survivors). `referenceTimeMs` is the run's wall clock or `--now`.
 */
export function checkInteractionLines(
  date: string,
  objects: readonly SourceObject[],
  refs: ReferenceData,
  latestAllowedMs: number,
): InteractionChecks {
  const candidates: Candidate[] = [];
  const rejected: QuarantineEntry[] = [];
  let raw = 0;
  const dayStart = dateMs(date);
  for (const object of objects) {
    const lines = object.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (isBlankLine(line)) continue;
      raw++;
      const checked = checkInteractionRecord(line, dayStart, latestAllowedMs);
      if ('reason' in checked) {
        rejected.push(rejection(checked.reason, checked.field, object.key, i, line));
        continue;
      }
      const record = checked.record;
      const user = refs.users.get(record.user_id);
      const product = user === undefined ? undefined : refs.products.get(record.product_id);
      if (user === undefined) rejected.push(rejection('unknown_user', 'user_id', object.key, i, line));
      else if (product === undefined)
        rejected.push(rejection('unknown_product', 'product_id', object.key, i, line));
      else
        candidates.push({
          record,
          timestampMs: checked.timestampMs,
          naive: checked.naive,
          sourceKey: object.key,
          lineNumber: i + 1,
          line,
          user,
          product,
        });
    }
  }
  return { raw, candidates, rejected };
}

function rejection(
  reason: RejectionCode,
  field: string | null,
  key: string,
  index: number,
  line: string,
): QuarantineEntry {
  return { dataset: 'interactions', reason, field, source_key: key, line_number: index + 1, raw_line: line };
}

/** Earliest timestamp first, then the smallest raw line in UTF-8 byte order. */
function isPreferredCopy(a: Candidate, b: Candidate): boolean {
  if (a.timestampMs !== b.timestampMs) return a.timestampMs < b.timestampMs;
  return compareCodePoints(a.line, b.line) < 0;
}

/** The identity of a double-fired client event: same user, product, type, session and second. */
function clientEventKey(c: Candidate): string {
  const r = c.record;
  return `${r.user_id}\u0000${r.product_id}\u0000${interactionTypeOf(r)}\u0000${r.session_id}\u0000${Math.floor(c.timestampMs / 1000)}`;
}

/** Whether a field of `clientEventKey` holds its separator, U+0000. */
function hasKeySeparator(c: Candidate): boolean {
  const r = c.record;
  return r.user_id.includes('\u0000') || r.product_id.includes('\u0000') || r.session_id.includes('\u0000');
}

/** `clientEventKey(a) === clientEventKey(b)` for candidates whose fields hold no U+0000. */
function sameClientEvent(a: Candidate, b: Candidate): boolean {
  return (
    Math.floor(a.timestampMs / 1000) === Math.floor(b.timestampMs / 1000) &&
    a.record.user_id === b.record.user_id &&
    a.record.product_id === b.record.product_id &&
    a.record.session_id === b.record.session_id &&
    interactionTypeOf(a.record) === interactionTypeOf(b.record)
  );
}

/** A hash of the fields of `clientEventKey`, each followed by a separator like in the key. */
function clientEventHash(c: Candidate): number {
  const r = c.record;
  let h = Math.imul(hashText(EMPTY_HASH, r.user_id), FNV_PRIME);
  h = Math.imul(hashText(h, r.product_id), FNV_PRIME);
  h = Math.imul(hashText(h, interactionTypeOf(r)), FNV_PRIME);
  h = Math.imul(hashText(h, r.session_id), FNV_PRIME);
  return Math.imul(h ^ Math.floor(c.timestampMs / 1000), FNV_PRIME);
}

/** The outcome of duplicate detection: survivors and rejected copies, each in input order. */
export interface DeduplicatedDay {
  readonly valid: Candidate[];
  readonly duplicates: Candidate[];
}

/**
 * Duplicate detection within a day (data-contract.md §3): first one record per `interaction_id`
 * (earliest, then smallest raw line; the first seen of identical copies), then one per client
 * event (smallest `interaction_id`). Each rule keeps the minimum of its group, so which copies lose
 * does not depend on the order groups are visited in.
 */
export function removeDuplicates(candidates: readonly Candidate[]): DeduplicatedDay {
  const n = candidates.length;
  const at = (i: number): Candidate => candidates[i] as Candidate;
  const dropped = new Uint8Array(n);
  const byId = new IndexTable(n);
  for (let i = 0; i < n; i++) {
    const c = at(i);
    const id = c.record.interaction_id;
    const hash = hashText(EMPTY_HASH, id);
    let slot = byId.firstSlot(hash);
    let kept = byId.indexAt(slot);
    while (kept !== -1 && !(byId.hashMatches(slot, hash) && at(kept).record.interaction_id === id))
      kept = byId.indexAt((slot = byId.nextSlot(slot)));
    if (kept === -1) byId.put(slot, i, hash);
    else if (isPreferredCopy(c, at(kept))) {
      dropped[kept] = 1;
      byId.put(slot, i, hash);
    } else dropped[i] = 1;
  }
  // Without U+0000 in its fields a client event key splits back into them one way only, so
  // comparing fields is comparing keys; keys with it can only equal each other, and are compared whole.
  const byEvent = new IndexTable(n);
  const bySeparatedKey = new Map<string, number>();
  const keepSmallerId = (c: number, kept: number): boolean => {
    const better = compareCodePoints(at(c).record.interaction_id, at(kept).record.interaction_id) < 0;
    dropped[better ? kept : c] = 1;
    return better;
  };
  for (let i = 0; i < n; i++) {
    if (dropped[i] === 1) continue;
    const c = at(i);
    if (hasKeySeparator(c)) {
      const key = clientEventKey(c);
      const kept = bySeparatedKey.get(key);
      if (kept === undefined || keepSmallerId(i, kept)) bySeparatedKey.set(key, i);
      continue;
    }
    const hash = clientEventHash(c);
    let slot = byEvent.firstSlot(hash);
    let kept = byEvent.indexAt(slot);
    while (kept !== -1 && !(byEvent.hashMatches(slot, hash) && sameClientEvent(c, at(kept))))
      kept = byEvent.indexAt((slot = byEvent.nextSlot(slot)));
    if (kept === -1 || keepSmallerId(i, kept)) byEvent.put(slot, i, hash);
  }
  const valid: Candidate[] = [];
  const duplicates: Candidate[] = [];
  for (let i = 0; i < n; i++) (dropped[i] === 1 ? duplicates : valid).push(at(i));
  return { valid, duplicates };
}

/** The quarantine entry of a candidate rejected as a duplicate or removed by cleaning. */
export function candidateEntry(
  c: Candidate,
  reason: 'duplicate' | RemovalCode,
  field: string,
): QuarantineEntry {
  return {
    dataset: 'interactions',
    reason,
    field,
    source_key: c.sourceKey,
    line_number: c.lineNumber,
    raw_line: c.line,
  };
}

/** Warning counts over the valid records of a day (snapshot staleness is counted by the caller). */
export function countWarnings(
  valid: readonly Candidate[],
  counts: Record<WarningCode, number>,
  extraFields: Map<string, number>,
): void {
  for (const c of valid) {
    const r = c.record;
    if (c.naive) counts.naive_timestamp++;
    for (const field in r) {
      if (!INTERACTION_FIELDS.has(field)) {
        counts.extra_field++;
        extraFields.set(field, (extraFields.get(field) ?? 0) + 1);
      }
    }
    if (r.rating !== null && r.rating !== undefined && !(r.rating >= 1 && r.rating <= 5))
      counts.rating_out_of_range++;
    if (isNullText(r.device_type)) counts.null_device_type++;
    if (isNullText(r.page_context)) counts.null_page_context++;
    if (c.timestampMs < c.user.joinedMs) counts.before_join_date++;
    if (c.timestampMs < c.product.createdMs) counts.before_product_created++;
  }
}

/** A nullable text field counts as null when missing, null or blank. */
export function isNullText(value: string | null | undefined): boolean {
  return value === null || value === undefined || isBlank(value);
}
