/**
 * A columnar table: the one shape every Parquet output of the pipeline is built in.
 * Columns are plain arrays (or typed arrays for non-null numbers) of equal length.
 */

/** Logical column types of the outputs (features.md §3-6). */
export const COLUMN_TYPES = ['STRING', 'DOUBLE', 'INT64', 'INT32', 'BOOLEAN', 'TIMESTAMP'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** A column's values: `null` marks a missing value; TIMESTAMP values are epoch milliseconds (UTC). */
export type ColumnValues =
  (string | null)[] | (number | null)[] | (boolean | null)[] | Float64Array | Int32Array;

/** One named, typed column. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** False when the column can never hold null (written as REQUIRED). */
  readonly nullable: boolean;
  readonly values: ColumnValues;
}

/** A table: columns in output order, all of `rowCount` values. */
export interface Table {
  readonly columns: readonly Column[];
  readonly rowCount: number;
}
