import type { Table } from '../table';
import type { PipelineDeps } from './deps';

/** One written output file, for lineage. */
export interface OutputRef {
  readonly key: string;
  readonly uri: string;
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/** Rows `from` (inclusive) to `to` (exclusive) of a table. */
export function sliceTable(table: Table, from: number, to: number): Table {
  if (from === 0 && to === table.rowCount) return table;
  return {
    rowCount: to - from,
    columns: table.columns.map((c) => ({ ...c, values: c.values.slice(from, to) as typeof c.values })),
  };
}

/** Seconds a stage spent encoding Parquet (its share of the stage, in benchmarks and records). */
export interface EncodeTimer {
  seconds: number;
}

/** Writes a table as Parquet and returns its lineage entry; `timer` adds up the encoding time. */
export async function writeTable(
  deps: PipelineDeps,
  key: string,
  table: Table,
  timer?: EncodeTimer,
): Promise<OutputRef> {
  const started = deps.clock();
  const bytes = deps.encodeTable(table);
  if (timer !== undefined) timer.seconds += (deps.clock() - started) / 1000;
  await deps.output.write(key, bytes);
  return {
    key,
    uri: deps.output.uriOf(key),
    rows: table.rowCount,
    bytes: bytes.length,
    sha256: deps.hash(bytes),
  };
}

/** Writes JSON text as an output file and returns its lineage entry. */
export async function writeJsonOutput(
  deps: PipelineDeps,
  key: string,
  text: string,
  rows: number,
): Promise<OutputRef> {
  const bytes = new TextEncoder().encode(text);
  await deps.output.write(key, bytes);
  return { key, uri: deps.output.uriOf(key), rows, bytes: bytes.length, sha256: deps.hash(bytes) };
}
