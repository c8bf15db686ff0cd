import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource, SchemaElement as WriterSchemaElement } from 'hyparquet-writer';

import { InvalidArgumentError } from '../domain/errors';
import type { TableEncoder } from '../domain/ports';
import type { Column, ColumnType, Table } from '../domain/table';

/** Fixed writer tag: no version or time in the footer, so equal tables give equal bytes. */
export const PARQUET_CREATED_BY = 'recsys-feature-pipeline';

/** Rows per row group: large groups read fastest in DuckDB/pyarrow and keep the footer small. */
const ROW_GROUP_SIZE = 100_000;

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
  const columnData: ColumnSource[] = [];
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
    columnData.push({
      name: column.name,
      data: writerValues(column),
      // Min/max statistics only where readers prune on them (time and ids); computing them for
      // every column costs about a third of the encoding time.
      statistics: column.type === 'TIMESTAMP' || column.name.endsWith('_id'),
      // Numbers rarely repeat enough for a dictionary to pay; skip the attempt.
      ...(column.type === 'DOUBLE' || column.type === 'INT64' ? { encoding: 'PLAIN' as const } : {}),
    });
  }
  const buffer = parquetWriteBuffer({
    columnData,
    schema,
    codec: 'SNAPPY',
    rowGroupSize: ROW_GROUP_SIZE,
    createdBy: PARQUET_CREATED_BY,
  });
  return new Uint8Array(buffer);
};

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
