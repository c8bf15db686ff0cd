import { z } from 'zod';

import { ERROR_CODES, PipelineError } from '../errors';
import type { RawDataset } from '../lake-layout';
import { RawProduct, RawUser } from '../schemas/records';

/**
 * The mapping from a database table (or a custom SELECT) to the contract's snapshot records
 * (data-contract.md §2), as the one SELECT the snapshot sync runs. The database renders each row
 * as the record's JSON line (`row_to_json`, fields in the contract's order), so the sync
 * only frames, compresses and uploads bytes, whatever the row count. It mirrors the database and
 * rejects nothing: validation quarantines what breaks the contract.
 *
 * Types, as the contract expects them: numeric (and every number type) → JSON number, json and
 * jsonb → the value itself (an object), boolean → boolean, NULL → null, text → string,
 * timestamptz → ISO 8601 UTC with milliseconds (`2024-01-15T10:00:00.123Z`, truncated as the
 * contract truncates fractions), timestamp without time zone → the same without the `Z` (so
 * validation reads it as UTC and counts `naive_timestamp`, as for any zoneless timestamp).
 */

/** The datasets a snapshot is synced for. */
export type SnapshotDataset = Extract<RawDataset, 'products' | 'users'>;

/** The contract's fields of each snapshot record, in the contract's order. */
export const SNAPSHOT_FIELDS = {
  products: Object.keys(RawProduct.shape),
  users: Object.keys(RawUser.shape),
} as const satisfies Record<SnapshotDataset, readonly string[]>;

/** The key field of each snapshot (the default mapping orders the dump by it). */
export const SNAPSHOT_KEY = { products: 'product_id', users: 'user_id' } as const;

/**
 * Where a snapshot's rows come from: a table (optionally schema-qualified) whose columns are named
 * as the contract's fields unless `columns` maps a field to another column, or a custom SELECT
 * whose output columns are named as the fields.
 */
export const SnapshotSource = z.union([
  z.strictObject({
    table: z.string().min(1),
    columns: z.record(z.string(), z.string().min(1)).optional(),
  }),
  z.strictObject({ query: z.string().min(1) }),
]);
export type SnapshotSource = z.infer<typeof SnapshotSource>;

/** The mapping of both snapshots; each defaults to the table named as its dataset. */
export const SnapshotMapping = z.strictObject({
  products: SnapshotSource.default({ table: 'products' }),
  users: SnapshotSource.default({ table: 'users' }),
});
export type SnapshotMapping = z.infer<typeof SnapshotMapping>;

/** The default mapping: tables `products` and `users`, columns named as the contract's fields. */
export const DEFAULT_SNAPSHOT_MAPPING: SnapshotMapping = SnapshotMapping.parse({});

/** A column of the source as the database describes it: its name and its type's name (`pg_type.typname`). */
export interface SourceColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * The source as the database describes it: the relation's quoted name (`regclass` text) and
 * columns for a table, the columns of the query's result for a custom SELECT; `relation: null`
 * when the table does not exist.
 */
export type DescribedSource =
  | { readonly kind: 'table'; readonly relation: string | null; readonly columns: readonly SourceColumn[] }
  | { readonly kind: 'query'; readonly columns: readonly SourceColumn[] };

/** A mapping that names a table or column the database does not have (nothing is written then). */
export class SnapshotSourceError extends PipelineError {
  constructor(message: string) {
    super(message, { stage: 'sync' }, ERROR_CODES.missingInput);
  }
}

/** The column each contract field is read from under a table source. */
export function columnOf(source: SnapshotSource, field: string): string {
  return 'table' in source ? (source.columns?.[field] ?? field) : field;
}

/** A SQL identifier, double-quoted (so any column name, case and spaces included, is taken as is). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `to_char` patterns: ISO 8601 with milliseconds (`MS` truncates the microseconds). */
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const ISO_NAIVE = `'YYYY-MM-DD"T"HH24:MI:SS.MS'`;

/** The SQL expression rendering one column as its field's JSON value (see the module comment). */
export function fieldExpression(column: string, type: string): string {
  const ref = quoteIdentifier(column);
  if (type === 'timestamptz') return `to_char(${ref} AT TIME ZONE 'UTC', ${ISO_UTC})`;
  if (type === 'timestamp') return `to_char(${ref}, ${ISO_NAIVE})`;
  return ref;
}

/** What the sync runs for one snapshot: the SELECT yielding one JSON line (text) per row. */
export interface SnapshotQuery {
  readonly dataset: SnapshotDataset;
  readonly sql: string;
}

/**
 * The SELECT of one snapshot, from its source as the database described it. A missing table, or a
 * field whose column the source lacks, is a `SnapshotSourceError` naming them (every missing
 * column at once, so one fix suffices). A table is dumped in key order, so the same database state
 * gives the same object; a custom SELECT keeps its own order.
 */
export function planSnapshotQuery(
  dataset: SnapshotDataset,
  source: SnapshotSource,
  described: DescribedSource,
  database: string,
): SnapshotQuery {
  const where = 'table' in source ? `table ${source.table}` : 'the custom SELECT';
  if (described.kind === 'table' && described.relation === null)
    throw new SnapshotSourceError(`${dataset} snapshot: no ${where} in ${database}`);
  const types = new Map(described.columns.map((c) => [c.name, c.type]));
  const fields = SNAPSHOT_FIELDS[dataset];
  const missing = fields.filter((f) => !types.has(columnOf(source, f)));
  if (missing.length > 0) {
    const named = missing.map((f) => (columnOf(source, f) === f ? f : `${columnOf(source, f)} (${f})`));
    throw new SnapshotSourceError(
      `${dataset} snapshot: ${where} in ${database} has no column ${named.join(', ')}`,
    );
  }
  const columns = fields.map((f) => {
    const column = columnOf(source, f);
    return `${fieldExpression(column, types.get(column) as string)} AS ${quoteIdentifier(f)}`;
  });
  const rows =
    described.kind === 'table'
      ? `SELECT ${columns.join(', ')} FROM ${described.relation} ORDER BY ${quoteIdentifier(columnOf(source, SNAPSHOT_KEY[dataset]))}`
      : `SELECT ${columns.join(', ')} FROM (${'query' in source ? source.query : ''}) AS source`;
  // row_to_json names each value by its column alias (the field), in the order above, compactly.
  const sql = `SELECT row_to_json(record)::text FROM (${rows}) AS record`;
  return { dataset, sql };
}
