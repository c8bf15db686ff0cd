import {
  INTERACTION_FIELDS,
  type RawInteraction,
  RawInteraction as RawInteractionSchema,
  interactionTypeOf,
} from '../schemas/records';
import { compareCodePoints } from '../text';
import { DAY_MS, dateMs, parseTimestamp } from '../time';
import type { RejectionCode, RemovalCode, WarningCode } from './codes';
import { firstIssueField } from './snapshots';
import type { QuarantineEntry, SourceObject } from './source';
import { isBlankLine, parseJsonObject } from './source';

/** A record that passed codes 1-7 and competes in duplicate detection. */
export interface Candidate {
  readonly record: RawInteraction;
  readonly timestampMs: number;
  readonly naive: boolean;
  readonly sourceKey: string;
  readonly lineNumber: number;
  readonly line: string;
}

/** What the referential checks need of the day's snapshots, keyed by raw id. */
export interface ReferenceData {
  readonly users: ReadonlyMap<string, { readonly joinedMs: number }>;
  readonly products: ReadonlyMap<string, { readonly createdMs: number; readonly isActive: boolean }>;
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
  const parsed = RawInteractionSchema.safeParse(value);
  if (!parsed.success) return { reason: 'schema_violation', field: firstIssueField(parsed.error) };
  const ts = parseTimestamp(parsed.data.timestamp);
  if (ts === null) return BAD_TIMESTAMP;
  if (ts.ms > latestAllowedMs) return FUTURE;
  if (ts.ms < dayStartMs || ts.ms >= dayStartMs + DAY_MS) return WRONG_PARTITION;
  return { record: parsed.data, timestampMs: ts.ms, naive: ts.naive };
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
      if (!refs.users.has(record.user_id))
        rejected.push(rejection('unknown_user', 'user_id', object.key, i, line));
      else if (!refs.products.has(record.product_id))
        rejected.push(rejection('unknown_product', 'product_id', object.key, i, line));
      else
        candidates.push({
          record,
          timestampMs: checked.timestampMs,
          naive: checked.naive,
          sourceKey: object.key,
          lineNumber: i + 1,
          line,
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
  return [r.user_id, r.product_id, interactionTypeOf(r), r.session_id, Math.floor(c.timestampMs / 1000)].join(
    '\u0000',
  );
}

/** The outcome of duplicate detection: survivors in input order and the rejected copies. */
export interface DeduplicatedDay {
  readonly valid: Candidate[];
  readonly duplicates: Candidate[];
}

/**
 * Duplicate detection within a day (data-contract.md §3): first one record per `interaction_id`
 * (earliest, then smallest raw line), then one per client event (smallest `interaction_id`).
 */
export function removeDuplicates(candidates: readonly Candidate[]): DeduplicatedDay {
  const duplicates: Candidate[] = [];
  const byId = new Map<string, Candidate>();
  for (const c of candidates) {
    const kept = byId.get(c.record.interaction_id);
    if (kept === undefined) byId.set(c.record.interaction_id, c);
    else if (isPreferredCopy(c, kept)) {
      duplicates.push(kept);
      byId.set(c.record.interaction_id, c);
    } else duplicates.push(c);
  }
  const byEvent = new Map<string, Candidate>();
  for (const c of byId.values()) {
    const key = clientEventKey(c);
    const kept = byEvent.get(key);
    if (kept === undefined) byEvent.set(key, c);
    else if (compareCodePoints(c.record.interaction_id, kept.record.interaction_id) < 0) {
      duplicates.push(kept);
      byEvent.set(key, c);
    } else duplicates.push(c);
  }
  const survivors = new Set(byEvent.values());
  return { valid: candidates.filter((c) => survivors.has(c)), duplicates };
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
  refs: ReferenceData,
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
    const user = refs.users.get(r.user_id);
    if (user !== undefined && c.timestampMs < user.joinedMs) counts.before_join_date++;
    const product = refs.products.get(r.product_id);
    if (product !== undefined && c.timestampMs < product.createdMs) counts.before_product_created++;
  }
}

/** A nullable text field counts as null when missing, null or blank. */
export function isNullText(value: string | null | undefined): boolean {
  return value === null || value === undefined || value.trim() === '';
}
