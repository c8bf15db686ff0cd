/** Writing a day's objects: the sink, the per-day counts, and the layout of interaction parts. */
import { rawKeys } from '../../../domain/lake-layout';
import { gzipSync } from 'node:zlib';
import { pad } from './format';

/** Receives each object once, whole. */
export type LakeSink = (key: string, body: string | Uint8Array) => void;

/** What was written for one day. */
export interface DaySummary {
  date: string;
  /** Interaction records (non-blank lines, faulty ones included) in the day's partition. */
  events: number;
  /** Objects written for the day (interaction parts and snapshots). */
  objects: number;
  bytes: number;
}

/** Hands a day's objects to the sink and counts them into `day`. */
export interface DayWriter {
  readonly day: DaySummary;
  readonly emit: (key: string, body: string | Uint8Array) => void;
}

/** A writer for the day `date`, with zero objects so far. */
export function createDayWriter(sink: LakeSink, date: string): DayWriter {
  const day: DaySummary = { date, events: 0, objects: 0, bytes: 0 };
  const emit = (key: string, body: string | Uint8Array): void => {
    sink(key, body);
    day.objects++;
    day.bytes += typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  };
  return { day, emit };
}

/** `lines` with each of `extra` inserted at a seeded position (extras at one position keep their order). */
export function interleave(lines: readonly string[], extra: readonly string[], rng: () => number): string[] {
  const pos = extra.map(() => Math.floor(rng() * (lines.length + 1)));
  const order = extra.map((_, i) => i).sort((a, b) => pos[a]! - pos[b]!);
  const merged: string[] = [];
  let j = 0;
  for (let i = 0; i <= lines.length; i++) {
    while (j < order.length && pos[order[j]!] === i) merged.push(extra[order[j++]!]!);
    if (i < lines.length) merged.push(lines[i]!);
  }
  return merged;
}

/** How a day's interaction lines are split into objects. */
export interface InteractionLayout {
  /** Interaction objects per day partition. */
  readonly objectsPerDay: number;
  /** Gzip the second object (the only one, if just one) of every other day. */
  readonly gzip: boolean;
}

/** Writes the interaction lines of day index `d` (dated `date`) into its partition as equal parts. */
export function writeInteractions(
  writer: DayWriter,
  d: number,
  date: string,
  lines: readonly string[],
  layout: InteractionLayout,
): void {
  const { objectsPerDay } = layout;
  const per = Math.ceil(lines.length / objectsPerDay);
  for (let k = 0; k < objectsPerDay; k++) {
    const body = lines.slice(k * per, (k + 1) * per).join('\n') + '\n';
    const zip = layout.gzip && d % 2 === 1 && (k === 1 || objectsPerDay === 1);
    const key = rawKeys.object('interactions', date, `part-${pad(k, 4)}.jsonl${zip ? '.gz' : ''}`);
    writer.emit(key, zip ? gzipSync(Buffer.from(body, 'utf8')) : body);
  }
}
