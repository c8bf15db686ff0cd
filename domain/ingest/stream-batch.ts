/**
 * Pure grouping and keying of a Kinesis batch for `ingestStream` (api.md, Events): every record
 * becomes one JSONL line in the partition of its event's UTC day (its arrival day when the
 * timestamp is unusable or outside the arrival window), one object per run of consecutive records
 * of one day, keyed by the shard id and the run's first sequence number, so no retry or regrouping
 * of a batch ever writes a record twice. Nothing is dropped: validation quarantines what it
 * rejects; an undecodable payload is kept as text.
 */
import { parseJsonObject } from '../validation/source';
import { rawKeys } from '../lake-layout';
import { formatDate, parseTimestamp } from '../time';
import { isWithinArrivalWindow } from './arrival-window';

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

/** One object to write: its lake key, its JSONL lines, and the records they came from (in shard order). */
export interface RunObject {
  readonly key: string;
  readonly date: string;
  readonly shardId: string;
  readonly lines: readonly string[];
  readonly sequenceNumbers: readonly string[];
  /** Records filed under their arrival day (no usable `timestamp`, or one outside the arrival window). */
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

/** The record's `timestamp` in epoch ms, or null when the payload has no usable one. */
function eventMsOf(text: string): number | null {
  const ts = parseJsonObject(text)?.timestamp;
  if (typeof ts !== 'string') return null;
  return parseTimestamp(ts)?.ms ?? null;
}

/**
 * The partition day of a record: its event's UTC day when the timestamp is usable and inside the
 * arrival window (`arrival-window.ts`), else its arrival day (validation then rejects it there as
 * `bad_timestamp`, `wrong_partition` or `future_timestamp`). Both inputs are fixed properties of the
 * Kinesis record, so every delivery of a record puts it in the same partition.
 */
export function partitionDayOf(text: string, arrivalMs: number): { date: string; byArrival: boolean } {
  const eventMs = eventMsOf(text);
  if (eventMs !== null && isWithinArrivalWindow(eventMs, arrivalMs))
    return { date: formatDate(eventMs), byArrival: false };
  return { date: formatDate(arrivalMs), byArrival: true };
}

/** The raw key of one run object: `raw/interactions/year=/month=/day=/kinesis-<shard>-<first>.jsonl.gz`. */
export function streamObjectKey(date: string, shardId: string, firstSeq: string): string {
  return rawKeys.object('interactions', date, `kinesis-${shardId}-${firstSeq}.jsonl.gz`);
}

/**
 * Splits a batch into runs: per shard, in sequence-number order, the maximal stretches of
 * consecutive records of one partition day. Each run is one object, keyed by its shard, its day and
 * its first record's sequence number (docs/decisions.md, "Kinesis retries"). A run's first record
 * is either a day change (the record before it, in the shard, belongs to another day: the same in
 * every delivery, since a record's day is fixed) or the first record of the delivery (where Lambda
 * resumes after a checkpoint). So whatever the batching, a record is always filed under the same
 * key as any earlier copy of it that a later delivery has not already overwritten, and a retried,
 * bisected, regrouped or extended batch rewrites its objects instead of adding new ones.
 * Objects come out sorted by key, so the plan is a pure function of the batch.
 */
export function planStreamBatch(records: readonly StreamRecord[]): RunObject[] {
  const out: RunObject[] = [];
  let run: { date: string; shardId: string; lines: string[]; seqs: string[]; byArrival: number } | null =
    null;
  const flush = (): void => {
    if (run === null) return;
    const first = run.seqs[0] as string;
    out.push({
      key: streamObjectKey(run.date, run.shardId, first),
      date: run.date,
      shardId: run.shardId,
      lines: run.lines,
      sequenceNumbers: run.seqs,
      byArrival: run.byArrival,
    });
    run = null;
  };
  for (const r of inShardOrder(records)) {
    const { date, byArrival } = partitionDayOf(r.text, r.arrivalMs);
    if (run === null || run.shardId !== r.shardId || run.date !== date) {
      flush();
      run = { date, shardId: r.shardId, lines: [], seqs: [], byArrival: 0 };
    }
    run.lines.push(lineOf(r.text));
    run.seqs.push(r.sequenceNumber);
    if (byArrival) run.byArrival++;
  }
  flush();
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The records by shard, then by sequence number (Lambda hands them over in this order; sorting makes it certain). */
function inShardOrder(records: readonly StreamRecord[]): StreamRecord[] {
  return [...records].sort((a, b) =>
    a.shardId !== b.shardId
      ? a.shardId < b.shardId
        ? -1
        : 1
      : compareSequenceNumbers(a.sequenceNumber, b.sequenceNumber),
  );
}

/** The object body before compression: the lines, each ending in `\n`. */
export function jsonlBody(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
