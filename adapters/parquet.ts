import { parquetMetadata, parquetRead, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource, SchemaElement as WriterSchemaElement } from 'hyparquet-writer';
// @ts-expect-error -- moduleResolution node10 ignores the package's `exports`, which types this subpath; typed below.
import { useDictionary as untypedUseDictionary } from 'hyparquet-writer/src/dictionary.js';

import { InvalidArgumentError } from '../domain/errors';
import type { TableEncoder } from '../domain/ports';
import type { Column, ColumnType, Table } from '../domain/table';

/** Fixed writer tag: no version or time in the footer, so equal tables give equal bytes. */
export const PARQUET_CREATED_BY = 'recsys-feature-pipeline';

/** Rows per row group: large groups read fastest in DuckDB/pyarrow and keep the footer small. */
const ROW_GROUP_SIZE = 100_000;

/** The writer's own choice between dictionary and plain pages for one column chunk. */
const useDictionary =
  untypedUseDictionary as typeof import('hyparquet-writer/types/dictionary').useDictionary;

/**
 * Native Snappy (about 4x faster than the writer's JS Snappy, and as deterministic) where its
 * prebuilt binary loads; elsewhere (a Lambda zip packaged on another platform) undefined, and the
 * writer compresses with its own JS Snappy: slower, the same format.
 */
const NATIVE_COMPRESSORS = nativeSnappy();

function nativeSnappy(): { SNAPPY: (bytes: Uint8Array) => Uint8Array } | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a missing binary must fall back, not fail the import
    const { compressSync } = require('snappy') as typeof import('snappy');
    return { SNAPPY: (bytes) => compressSync(bytes) };
  } catch {
    return undefined;
  }
}

/** Any UTF-16 surrogate: a string holding one takes the writer's own path (see `utf8Bytes`). */
const SURROGATE = /[\uD800-\uDFFF]/;

const TEXT_ENCODER = new TextEncoder();

/** The Parquet schema element (minus name and repetition) of each logical column type. */
const PHYSICAL: Record<ColumnType, Omit<WriterSchemaElement, 'name' | 'repetition_type'>> = {
  STRING: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  DOUBLE: { type: 'DOUBLE' },
  INT64: { type: 'INT64' },
  INT32: { type: 'INT32' },
  BOOLEAN: { type: 'BOOLEAN' },
  TIMESTAMP: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
};

/**
 * Encodes a table as Snappy Parquet with an explicit schema (nullable columns OPTIONAL, others
 * REQUIRED). Deterministic: the same table always gives the same bytes. Zero-row tables give a
 * valid file holding just the schema.
 */
export const encodeParquet: TableEncoder = (table: Table): Uint8Array => {
  // hyparquet-writer bundles its own hyparquet version, so its schema type is used here.
  const schema: WriterSchemaElement[] = [{ name: 'root', num_children: table.columns.length }];
  const seen = new Set<string>();
  for (const column of table.columns) {
    if (seen.has(column.name))
      throw new InvalidArgumentError('column name', column.name, 'appears twice in the table');
    seen.add(column.name);
    if (column.values.length !== table.rowCount) {
      throw new InvalidArgumentError(
        'column length',
        column.values.length,
        `column ${column.name} must hold rowCount=${table.rowCount} values`,
      );
    }
    schema.push({
      name: column.name,
      repetition_type: column.nullable ? 'OPTIONAL' : 'REQUIRED',
      ...PHYSICAL[column.type],
    });
  }
  const values = table.columns.map(writerValues);
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema,
    codec: 'SNAPPY',
    compressors: NATIVE_COMPRESSORS,
    createdBy: PARQUET_CREATED_BY,
  });
  // One write per row group, so that each string chunk can carry its own encoding.
  for (let start = 0; start < table.rowCount; start += ROW_GROUP_SIZE) {
    const end = Math.min(start + ROW_GROUP_SIZE, table.rowCount);
    const columnData = table.columns.map((column, i) => columnChunk(column, values[i]!.slice(start, end)));
    parquet.write({ columnData, rowGroupSize: ROW_GROUP_SIZE });
  }
  parquet.finish();
  return new Uint8Array(writer.getBuffer());
};

/** One row group's slice of a column, with the writer options for it. */
function columnChunk(column: Column, data: ColumnSource['data']): ColumnSource {
  const chunk: ColumnSource = {
    name: column.name,
    data,
    // Min/max statistics only where readers prune on them (time and ids); computing them for
    // every column costs about a third of the encoding time.
    statistics: column.type === 'TIMESTAMP' || column.name.endsWith('_id'),
  };
  // Numbers rarely repeat enough for a dictionary to pay; skip the attempt.
  if (column.type === 'DOUBLE' || column.type === 'INT64') return { ...chunk, encoding: 'PLAIN' };
  if (column.type === 'STRING')
    return { ...chunk, ...stringChunk(data as (string | null)[], !column.nullable) };
  return chunk;
}

/**
 * A string chunk in the cheapest form that gives the writer's own bytes. The writer would
 * UTF-8-encode every value and hash every encoding to find its dictionary; here its dictionary
 * choice is made once on the strings, and each distinct string is encoded once and passed as one
 * shared `Uint8Array`, which the writer's dictionary finds by identity. Byte order equals the
 * strings' code point order, so min/max statistics come out the same.
 */
function stringChunk(strings: (string | null)[], required: boolean): Pick<ColumnSource, 'data' | 'encoding'> {
  const { dictionary, indexes } = useDictionary(
    strings,
    'BYTE_ARRAY',
    undefined,
    undefined,
    undefined,
    required,
  );
  if (!dictionary || !indexes) return { data: asciiBytes(strings) ?? strings, encoding: 'PLAIN' };
  const encoded = asciiBytes(dictionary as string[]) ?? utf8Bytes(dictionary as string[]);
  // Without its own encodings the dictionary is still the writer's: forcing it skips a re-check.
  if (!encoded) return { data: strings, encoding: 'RLE_DICTIONARY' };
  const n = strings.length;
  const data = new Array<Uint8Array | null>(n);
  for (let i = 0; i < n; i++) {
    // The writer leaves null slots without an index.
    const index = indexes[i];
    data[i] = index === undefined ? null : encoded[index]!;
  }
  return { data, encoding: 'RLE_DICTIONARY' };
}

/**
 * The UTF-8 bytes of each string as views into one buffer, when all are ASCII (nulls stay
 * null): one encoder call for the whole chunk instead of one per value.
 */
function asciiBytes(strings: readonly (string | null)[]): (Uint8Array | null)[] | undefined {
  const joined = strings.join(''); // nulls join as ''
  const bytes = TEXT_ENCODER.encode(joined);
  // Any non-ASCII code unit takes two bytes or more, so equal lengths mean all ASCII.
  if (bytes.length !== joined.length) return undefined;
  const n = strings.length;
  const views = new Array<Uint8Array | null>(n);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s === null || s === undefined) {
      views[i] = null;
    } else {
      views[i] = bytes.subarray(offset, offset + s.length);
      offset += s.length;
    }
  }
  return views;
}

/**
 * Each string's UTF-8 bytes, or undefined when one holds a surrogate: two lone surrogates encode
 * to the same bytes, so a dictionary of their encodings could differ from the writer's.
 */
function utf8Bytes(strings: readonly string[]): Uint8Array[] | undefined {
  const out = new Array<Uint8Array>(strings.length);
  for (let i = 0; i < strings.length; i++) {
    const s = strings[i]!;
    if (SURROGATE.test(s)) return undefined;
    out[i] = TEXT_ENCODER.encode(s);
  }
  return out;
}

/** The values in the form the writer needs: plain INT64 columns must be bigints. */
function writerValues(column: Column): ColumnSource['data'] {
  const values = column.values;
  if (column.type !== 'INT64') {
    // TIMESTAMP epoch-ms numbers are converted to INT64 by the writer (TIMESTAMP_MILLIS).
    return values as ColumnSource['data'];
  }
  const n = values.length;
  const out = new Array<bigint | null>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      out[i] = null;
    } else if (typeof v === 'number' && Number.isSafeInteger(v)) {
      out[i] = BigInt(v);
    } else {
      throw new InvalidArgumentError(
        'INT64 value',
        v,
        `row ${i} of column ${column.name} is not a safe integer`,
      );
    }
  }
  return out;
}

/** Wraps bytes as hyparquet's two-member `AsyncBuffer`. */
function asyncBuffer(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start: number, end?: number): ArrayBuffer =>
      bytes.buffer.slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ) as ArrayBuffer,
  };
}

/**
 * Reads a whole Parquet file as row objects (for tests and benchmarks). Types as hyparquet
 * decodes them: INT64 → bigint, TIMESTAMP → Date, STRING → string, nulls → null.
 */
export async function decodeParquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: asyncBuffer(bytes), compressors });
}

/**
 * Reads the named columns of a Parquet file as one array each (types as `decodeParquet` gives them;
 * a column the file lacks is absent from the result). Column-wise: no row objects are built, which
 * matters for the training splits' hundreds of thousands of rows.
 */
export async function decodeParquetColumns(
  bytes: Uint8Array,
  columns: readonly string[],
): Promise<{ rowCount: number; columns: Record<string, unknown[]> }> {
  const file = asyncBuffer(bytes);
  const metadata = parquetMetadata(bytes);
  const rowCount = Number(metadata.num_rows);
  const present = new Set(metadata.schema.slice(1).map((el) => el.name));
  const wanted = columns.filter((c) => present.has(c));
  const out: Record<string, unknown[]> = {};
  for (const name of wanted) out[name] = new Array<unknown>(rowCount);
  if (wanted.length === 0 || rowCount === 0) return { rowCount, columns: out };
  await parquetRead({
    file,
    metadata,
    columns: wanted,
    compressors,
    onChunk: ({ columnName, columnData, rowStart }) => {
      const target = out[columnName];
      if (target === undefined) return;
      for (let i = 0; i < columnData.length && rowStart + i < rowCount; i++)
        target[rowStart + i] = columnData[i];
    },
  });
  return { rowCount, columns: out };
}

/** One column of a Parquet file's schema. */
export interface ParquetColumnSchema {
  readonly name: string;
  /** Physical type, e.g. `BYTE_ARRAY`, `INT64`. */
  readonly physicalType: string | undefined;
  /** Legacy converted type, e.g. `UTF8`, `TIMESTAMP_MILLIS`. */
  readonly convertedType: string | undefined;
  /** Logical type annotation, e.g. `{ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' }`. */
  readonly logicalType: SchemaElement['logical_type'];
  /** `REQUIRED` or `OPTIONAL`. */
  readonly repetition: string | undefined;
}

/** The top-level columns of a Parquet file with their physical and logical types, plus its row count. */
export function readParquetSchema(bytes: Uint8Array): {
  columns: ParquetColumnSchema[];
  rowCount: number;
  createdBy?: string;
} {
  const meta = parquetMetadata(bytes);
  const columns = meta.schema.slice(1).map((el) => ({
    name: el.name,
    physicalType: el.type,
    convertedType: el.converted_type,
    logicalType: el.logical_type,
    repetition: el.repetition_type,
  }));
  const out: { columns: ParquetColumnSchema[]; rowCount: number; createdBy?: string } = {
    columns,
    rowCount: Number(meta.num_rows),
  };
  if (meta.created_by !== undefined) out.createdBy = meta.created_by;
  return out;
}
