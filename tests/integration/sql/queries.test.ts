/**
 * Every query of docs/queries.md, run the way `npm run sql` runs it (the same session and
 * formatting code), over a generated lake after a full run and a daily run: each returns rows,
 * and a few answers are checked against the runs' manifests.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LakeSql } from '../../../adapters/duckdb-lake-sql';
import { loadSettings } from '../../../config';
import type { RunManifest } from '../../../domain/pipeline/manifest';
import { runPipelineRequest } from '../../../scripts/lib/pipeline-run';
import { answer, openSqlSession } from '../../../scripts/lib/sql-session';
import { writeLakeDir } from '../../support/e2e-pipeline';
import { SQL_LAKE, SQL_SAMPLE_RUN_ID, extractQueries } from '../../support/sql-queries';

const DOC = readFileSync(resolve(__dirname, '../../../docs/queries.md'), 'utf8');
const QUERIES = extractQueries(DOC);

let dir: string;
let session: LakeSql;
let full: RunManifest;
let daily: RunManifest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sql-queries-'));
  const lake = join(dir, 'lake');
  writeLakeDir(lake, SQL_LAKE);
  const settings = loadSettings({});
  const base = { inputUri: lake, outputUri: join(lake, 'processed'), now: '2024-02-01T02:00:00Z' };
  const quiet = (): void => undefined;
  // The docs name the sample lake's run id: the test's full run takes it, so the queries run verbatim.
  full = (
    await runPipelineRequest(
      { ...base, mode: 'full', startDate: '2024-01-01', endDate: '2024-01-04', runId: SQL_SAMPLE_RUN_ID },
      settings,
      quiet,
    )
  ).manifest;
  daily = (await runPipelineRequest({ ...base, mode: 'incremental', date: '2024-01-05' }, settings, quiet))
    .manifest;
  session = await openSqlSession({ input: lake, output: join(lake, 'processed') }, settings);
}, 120_000);

afterAll(() => {
  session?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rowsOf(sql: string): Promise<Record<string, unknown>[]> {
  return JSON.parse(await answer(session, sql, 'json')) as Record<string, unknown>[];
}

const query = (title: string): string => {
  const found = QUERIES.find((q) => q.title === title);
  if (found === undefined) throw new Error(`docs/queries.md has no query titled "${title}"`);
  return found.sql;
};

it('docs/queries.md holds at least a dozen queries, each with a title and a one-line description', () => {
  expect(QUERIES.length).toBeGreaterThanOrEqual(12);
  for (const q of QUERIES)
    expect([q.title, q.description.split('\n')]).toEqual([q.title, [expect.any(String)]]);
});

it('every training_rows query names its run_id, as Athena’s injected projection requires', () => {
  const unbound = QUERIES.filter((q) => /\btraining_rows\b/.test(q.sql) && !/\brun_id = '[^']+'/.test(q.sql));
  expect(unbound.map((q) => q.title)).toEqual([]);
});

it.each(QUERIES.map((q) => [q.title, q] as const))('%s: runs and returns rows', async (_, q) => {
  const rows = await rowsOf(q.sql);
  expect(rows.length).toBeGreaterThan(0);
  // Every column the query names comes back, none of them null in every row.
  const columns = Object.keys(rows[0] ?? {});
  const allNull = columns.filter((c) => rows.every((r) => r[c] === null));
  expect(allNull).toEqual([]);
});

it('the split sizes and boundaries equal the full run’s manifest', async () => {
  const rows = await rowsOf(query('Split sizes and boundaries of a run'));
  const split = full.split;
  if (split === undefined || split === null) throw new Error('the full run recorded no split');
  // DuckDB prints the UTC timestamps without a zone, as Athena does: `2024-01-01 05:09:08.24`.
  const ms = (text: unknown): number => Date.parse(`${String(text).replace(' ', 'T')}Z`);
  expect(rows.map((r) => [r.split, Number(r.rows), ms(r.first_at), ms(r.last_at)])).toEqual(
    (['train', 'validation', 'test'] as const).map((s) => [
      s,
      split.counts[s],
      Date.parse(split.boundaries[s].first_timestamp ?? ''),
      Date.parse(split.boundaries[s].last_timestamp ?? ''),
    ]),
  );
  expect(rows.reduce((n, r) => n + Number(r.rows), 0)).toBe(split.n);
});

it('the user feature partitions are the two runs’ as_of, with the users each published', async () => {
  const rows = await rowsOf(query('Null shares of the user features'));
  expect(rows.map((r) => [r.as_of, Number(r.users)])).toEqual([
    [full.as_of, full.users],
    [daily.as_of, daily.users],
  ]);
});

it('the reports’ raw counts and the quarantine agree with the manifests, day by day', async () => {
  const reports = await rowsOf(query('Validation status and rejected share per day'));
  expect(reports.map((r) => r.date)).toEqual([
    '2024-01-01',
    '2024-01-02',
    '2024-01-03',
    '2024-01-04',
    '2024-01-05',
  ]);
  const [rejected] = await rowsOf(
    "select count(*) as n from quarantine where dataset = 'interactions' and reason <> 'bot_traffic' and reason <> 'inactive_product'",
  );
  const reportRejected = reports.reduce((n, r) => n + Number(r.raw) - Number(r.valid), 0);
  expect(Number(rejected?.n)).toBe(reportRejected);
});
