/**
 * Pure grouping and keying of a Kinesis batch for `ingestStream` (api.md, Events): every record
 * becomes one JSONL line in the partition of its event's UTC day, one object per (shard, day) per
 * batch, keyed by the shard id and the first/last sequence number of the records it holds, so a
 * retried batch rewrites the same keys. Nothing is dropped: a record without a usable timestamp
 * goes to its arrival day (validation quarantines it), an undecodable payload is kept as text.
 */
import { parseJsonObject } from '../validation/source';
import { rawKeys } from '../lake-layout';
import { formatDate, parseTimestamp } from '../time';

/** One decoded stream record, as the handler hands it in (payload already base64-decoded). */
export interface StreamRecord {
  readonly shardId: string;
  /** Kinesis sequence number: a decimal string, ordered by numeric value within a shard. */
  readonly sequenceNumber: string;
  /** The payload as UTF-8 text (invalid bytes already replaced by U+FFFD). */
  readonly text: string;
  /** `approximateArrivalTimestamp`, in epoch ms. */
  readonly arrivalMs: number;
}

/** One object to write: its lake key, its JSONL lines, and the records they came from. */
export interface DayObject {
  readonly key: string;
  readonly date: string;
  readonly shardId: string;
  readonly lines: readonly string[];
  readonly sequenceNumbers: readonly string[];
  /** Records whose day came from the arrival time (no usable `timestamp`). */
  readonly byArrival: number;
}

/** Shard ids and sequence numbers end up in keys: keep them to a safe alphabet. */
export const SHARD_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
export const SEQUENCE_NUMBER_PATTERN = /^\d{1,128}$/;

/** Numeric order of two decimal sequence numbers (they exceed 2^53, so compare as digit strings). */
export function compareSequenceNumbers(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The JSONL line of a payload. A single-line, non-blank payload is written verbatim (byte for
 * byte what the producer sent). A payload spanning lines would be split into several "records" by
 * the reader, and a blank one would not be a record at all, so: JSON is re-serialised compactly
 * (same value), anything else becomes a JSON string literal of the text (lossless, and still a
 * `malformed_json` rejection since it is not an object).
 */
export function lineOf(text: string): string {
  if (!text.includes('\n') && text.trim() !== '') return text;
  try {
    return JSON.stringify(JSON.parse(text) as unknown);
  } catch {
    return JSON.stringify(text);
  }
}

/** The UTC day of the record's `timestamp` field, or null when the payload has no usable one. */
export function eventDayOf(text: string): string | null {
  const ts = parseJsonObject(text)?.timestamp;
  if (typeof ts !== 'string') return null;
  const parsed = parseTimestamp(ts);
  return parsed === null ? null : formatDate(parsed.ms);
}

/** The raw key of one batch object: `raw/interactions/year=/month=/day=/kinesis-<shard>-<first>-<last>.jsonl.gz`. */
export function streamObjectKey(date: string, shardId: string, firstSeq: string, lastSeq: string): string {
  return rawKeys.object('interactions', date, `kinesis-${shardId}-${firstSeq}-${lastSeq}.jsonl.gz`);
}

/**
 * Groups a batch by (shard, event day) in record order. Lines keep the batch's order inside each
 * object; objects come out sorted by key, so the plan is a pure function of the batch.
 */
export function planStreamBatch(records: readonly StreamRecord[]): DayObject[] {
  const groups = new Map<
    string,
    { date: string; shardId: string; lines: string[]; seqs: string[]; byArrival: number }
  >();
  for (const r of records) {
    const eventDay = eventDayOf(r.text);
    const date = eventDay ?? formatDate(r.arrivalMs);
    const id = `${r.shardId}\u0000${date}`;
    let g = groups.get(id);
    if (g === undefined) {
      g = { date, shardId: r.shardId, lines: [], seqs: [], byArrival: 0 };
      groups.set(id, g);
    }
    g.lines.push(lineOf(r.text));
    g.seqs.push(r.sequenceNumber);
    if (eventDay === null) g.byArrival++;
  }
  const out: DayObject[] = [];
  for (const g of groups.values()) {
    const sorted = [...g.seqs].sort(compareSequenceNumbers);
    const first = sorted[0] as string;
    const last = sorted[sorted.length - 1] as string;
    out.push({
      key: streamObjectKey(g.date, g.shardId, first, last),
      date: g.date,
      shardId: g.shardId,
      lines: g.lines,
      sequenceNumbers: g.seqs,
      byArrival: g.byArrival,
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The object body before compression: the lines, each ending in `\n`. */
export function jsonlBody(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
