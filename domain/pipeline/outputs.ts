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

/** Writes a table as Parquet and returns its lineage entry. */
export async function writeTable(deps: PipelineDeps, key: string, table: Table): Promise<OutputRef> {
  const bytes = deps.encodeTable(table);
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
