/**
 * The outputs are read by a real engine, not only by hyparquet: DuckDB reads every Parquet file a
 * run writes, with the types the spec names (timestamps UTC-adjusted, counts BIGINT, …).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../../config';
import { runPipelineRequest } from '../../../scripts/lib/pipeline-run';
import { writeLake } from '../../support/http-events';

describe('DuckDB reads the pipeline outputs', () => {
  let dir: string;
  let out: string;
  let runId: string;
  let n: number;
  let users: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'duckdb-'));
    writeLake(join(dir, 'lake'));
    out = join(dir, 'lake', 'processed');
    const outcome = await runPipelineRequest(
      {
        inputUri: join(dir, 'lake'),
        outputUri: out,
        mode: 'full',
        startDate: '2024-01-01',
        endDate: '2024-01-03',
        now: '2024-02-01T02:00:00Z',
      },
      loadSettings({}),
      () => undefined,
    );
    runId = outcome.manifest.run_id;
    n = outcome.manifest.split?.n ?? -1;
    users = outcome.manifest.users ?? -1;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      connection.closeSync();
    }
  }

  it('reads every training row across the split folders, split in time order', async () => {
    const glob = join(out, `datasets/run_id=${runId}/split=*/*.parquet`);
    const [count] = await query(`select count(*)::int as n from read_parquet('${glob}')`);
    expect(count?.n).toBe(n);
    const bySplit = await query(
      `select split, count(*)::int as n from read_parquet('${glob}', hive_partitioning = true) group by split order by split`,
    );
    expect(bySplit.map((r) => r.split)).toEqual(['test', 'train', 'validation']);
    // The split is temporal: every train row precedes every validation row, which precede test rows.
    const bounds = await query(
      `select split, min(timestamp)::varchar as first, max(timestamp)::varchar as last
         from read_parquet('${glob}', hive_partitioning = true) group by split`,
    );
    const at = (split: string) => bounds.find((b) => b.split === split) as { first: string; last: string };
    expect(at('train').last <= at('validation').first).toBe(true);
    expect(at('validation').last <= at('test').first).toBe(true);
  });

  it('sees the spec types: UTC timestamps, BIGINT counts, INTEGER hours, BOOLEAN matches, DOUBLE scores', async () => {
    const columns = await query(
      `describe select * from read_parquet('${join(out, `datasets/run_id=${runId}/split=train/part-00000.parquet`)}')`,
    );
    const type = (name: string) => columns.find((c) => c.column_name === name)?.column_type;
    expect(type('timestamp')).toBe('TIMESTAMP WITH TIME ZONE');
    expect(type('user_total_interactions')).toBe('BIGINT');
    expect(type('time_of_day')).toBe('INTEGER');
    expect(type('category_match')).toBe('BOOLEAN');
    expect(type('user_item_affinity')).toBe('DOUBLE');
    expect(type('interaction_type')).toBe('VARCHAR');
  });

  it('reads the user feature files (one per shard) and the item feature file, one row per key', async () => {
    const [u] = await query(
      `select count(*)::int as n, count(distinct user_id)::int as k, count(distinct filename)::int as files from read_parquet('${join(out, 'features/users/as_of=2024-01-04/*.parquet')}', filename = true)`,
    );
    expect(u).toEqual({ n: users, k: users, files: 4 });
    const [i] = await query(
      `select count(*)::int as n, count(distinct product_id)::int as k, min(price_percentile) > 0 as ok from read_parquet('${join(out, 'features/items/as_of=2024-01-04/part-00000.parquet')}')`,
    );
    expect(i?.n).toBe(i?.k);
    expect(i?.ok).toBe(true);
  });
});
