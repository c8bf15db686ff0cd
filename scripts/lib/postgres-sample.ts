/**
 * The sample catalog and user databases: the tables the default snapshot mapping reads
 * (domain/snapshots/snapshot-query.ts), and the loading of the generator's snapshot lines into
 * them (`npm run generate -- --to-postgres`, `npm start`).
 */
import pg from 'pg';

import type { SnapshotDataset } from '../../domain/snapshots/snapshot-query';
import { SNAPSHOT_KEY } from '../../domain/snapshots/snapshot-query';

/** The tables of the default mapping, with the contract's column names and the usual types. */
export const SAMPLE_TABLES: Readonly<Record<SnapshotDataset, string>> = {
  products: `CREATE TABLE products (
    product_id text PRIMARY KEY, name text, category text, subcategory text, brand text,
    price numeric(12, 2), description text, attributes jsonb, avg_rating numeric(4, 2),
    num_reviews integer, created_at timestamptz, is_active boolean)`,
  users: `CREATE TABLE users (
    user_id text PRIMARY KEY, age_group text, gender text, location text, join_date timestamptz,
    customer_segment text, preferences jsonb)`,
};

/** (Re)creates the sample tables, empty, in one database or in each of `only`. */
export async function createSampleTables(
  client: pg.Client,
  only: readonly SnapshotDataset[] = ['products', 'users'],
): Promise<void> {
  for (const dataset of only) {
    await client.query(`DROP TABLE IF EXISTS ${dataset}`);
    await client.query(SAMPLE_TABLES[dataset]);
  }
}

/** What a table took of a snapshot's lines. */
export interface LoadedTable {
  readonly dataset: SnapshotDataset;
  readonly rows: number;
  /** Lines a table with a primary key cannot hold: not JSON objects, or without their key. */
  readonly skipped: number;
}

/**
 * The records of a snapshot's JSON lines as a table holds them: blank lines are no records, a
 * line that is not a JSON object or lacks its key is skipped, and of two lines with one key the
 * last wins (as validation reads a snapshot).
 */
export function tableRecords(dataset: SnapshotDataset, text: string): { records: object[]; skipped: number } {
  const byKey = new Map<string, object>();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const key =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[SNAPSHOT_KEY[dataset]]
        : undefined;
    if (typeof key !== 'string') {
      skipped++;
      continue;
    }
    byKey.delete(key);
    byKey.set(key, value as object);
  }
  return { records: [...byKey.values()], skipped };
}

/**
 * Replaces the table of `dataset` in the database at `url` with the records of a snapshot's JSON
 * lines (one statement: `json_populate_recordset` converts each field to its column's type).
 */
export async function loadSnapshotTable(
  url: string,
  dataset: SnapshotDataset,
  text: string,
): Promise<LoadedTable> {
  const { records, skipped } = tableRecords(dataset, text);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await createSampleTables(client, [dataset]);
    await client.query(
      `INSERT INTO ${dataset} SELECT * FROM json_populate_recordset(NULL::${dataset}, $1::json)`,
      [JSON.stringify(records)],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
  return { dataset, rows: records.length, skipped };
}
