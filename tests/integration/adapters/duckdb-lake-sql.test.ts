/**
 * The DuckDB views over an output root: named, typed and ordered like the Glue tables of
 * `domain/lake-tables.ts` (partition keys last, as strings), empty but present before a run wrote
 * a table, DuckDB's message on a SQL error, and a plain refusal when an S3 root needs an
 * extension that cannot be fetched.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LakeSql, SqlQueryError, duckdbType, openLakeSql } from '../../../adapters/duckdb-lake-sql';
import { loadSettings } from '../../../config';
import { LAKE_TABLES } from '../../../domain/lake-tables';
import { runPipelineRequest } from '../../../scripts/lib/pipeline-run';
import { listFiles } from '../../support/e2e-pipeline';
import { writeLake } from '../../support/http-events';

const lineCount = (file: string): number =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '').length;

describe('duckdbType', () => {
  it.each([
    ['string', 'VARCHAR'],
    ['bigint', 'BIGINT'],
    ['int', 'INTEGER'],
    ['timestamp', 'TIMESTAMP'],
    ['array<string>', 'VARCHAR[]'],
    ['struct<a:bigint,b:struct<c:double>>', 'STRUCT("a" BIGINT, "b" STRUCT("c" DOUBLE))'],
    [
      'array<struct<name:string,limit:double,ok:boolean>>',
      'STRUCT("name" VARCHAR, "limit" DOUBLE, "ok" BOOLEAN)[]',
    ],
  ])('%s is %s', (hive, duck) => expect(duckdbType(hive)).toBe(duck));

  it.each(['map<string,int>', 'struct<a:bigint', 'array<string>>', 'decimal'])('refuses %s', (hive) =>
    expect(() => duckdbType(hive)).toThrow(/Hive type/),
  );
});

describe('views over an output root', () => {
  let dir: string;
  // A folder named like a table's higher up the root: partition values come from the table's own.
  let lake: string;
  let sql: LakeSql;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'duckdb-views-'));
    lake = join(dir, 'quarantine', 'lake');
    writeLake(lake);
    await runPipelineRequest(
      {
        inputUri: lake,
        outputUri: join(lake, 'processed'),
        mode: 'full',
        startDate: '2024-01-01',
        endDate: '2024-01-03',
        now: '2024-02-01T02:00:00Z',
      },
      loadSettings({}),
      () => undefined,
    );
    sql = await openLakeSql({ root: join(lake, 'processed'), s3: { region: 'us-east-1' } });
  }, 60_000);
  afterAll(() => {
    sql?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(LAKE_TABLES.map((t) => [t.name, t] as const))(
    '%s has the Glue columns in order, then its partition keys as strings, and rows',
    async (name, table) => {
      const described = await sql.query(`describe ${name}`);
      const nameAt = described.columns.indexOf('column_name');
      const typeAt = described.columns.indexOf('column_type');
      // DuckDB quotes only the struct fields that need it when it prints a type.
      const unquoted = (type: unknown): string => String(type).replaceAll('"', '');
      expect(described.rows.map((r) => [r[nameAt], unquoted(r[typeAt])])).toEqual([
        ...table.columns.map((c) => [c.name, unquoted(duckdbType(c.type))]),
        ...table.partitionKeys.map((k) => [k.name, 'VARCHAR']),
      ]);
      const count = await sql.query(`select count(*) from ${name}`);
      expect(Number(count.rows[0]?.[0])).toBeGreaterThan(0);
    },
  );

  it('takes partition values from the paths: quarantine’s dataset folder, the day folders, as_of', async () => {
    // Every quarantine line, counted per partition folder on disk.
    const root = join(lake, 'processed');
    const expected = listFiles(join(root, 'quarantine'))
      .map(
        (key) => [key.split('/').slice(0, -1).join('/'), lineCount(join(root, 'quarantine', key))] as const,
      )
      .filter(([, n]) => n > 0)
      .map(([folder, n]) => `${folder}:${n}`);
    const q = await sql.query(
      `select dataset, year, month, day, count(*) from quarantine group by all order by all`,
    );
    expect(
      q.rows.map(
        ([d, y, m, day, n]) =>
          `${String(d)}/year=${String(y)}/month=${String(m)}/day=${String(day)}:${String(n)}`,
      ),
    ).toEqual(expected.sort());
    const reports = await sql.query(
      `select "date", year || '-' || month || '-' || day from validation_reports`,
    );
    for (const [date, fromPath] of reports.rows) expect(fromPath).toBe(date);
    const asOf = await sql.query('select distinct as_of from user_features');
    expect(asOf.rows).toEqual([['2024-01-04']]);
  });

  it('reads the reports’ JSON but not the pages beside them', async () => {
    expect(sql.views.find((v) => v.name === 'validation_reports')?.files).toBe(3);
  });

  it('answers a SQL error with DuckDB’s message', async () => {
    const failing = sql.query('select no_such_column from item_features');
    await expect(failing).rejects.toBeInstanceOf(SqlQueryError);
    await expect(failing).rejects.toThrow(/Binder Error: .*no_such_column/);
  });
});

describe('an output root without outputs yet', () => {
  it('still has every view, with its columns and no rows', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'duckdb-empty-'));
    const sql = await openLakeSql({ root: empty });
    try {
      expect(sql.views.map((v) => [v.name, v.files])).toEqual(LAKE_TABLES.map((t) => [t.name, 0]));
      for (const table of LAKE_TABLES) {
        const result = await sql.query(`select * from ${table.name}`);
        expect([table.name, result.columns.length, result.rows.length]).toEqual([
          table.name,
          table.columns.length + table.partitionKeys.length,
          0,
        ]);
      }
    } finally {
      sql.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('an S3 output root', () => {
  it('says plainly that httpfs is needed when it cannot be installed', async () => {
    const extensions = mkdtempSync(join(tmpdir(), 'duckdb-ext-'));
    try {
      // An empty extension folder and a repository nobody listens on: DuckDB as on an offline machine.
      const opening = openLakeSql({
        root: 's3://lake-bucket/processed',
        s3: { region: 'us-east-1' },
        extensions: { directory: extensions, repository: 'http://127.0.0.1:9' },
      });
      await expect(opening).rejects.toThrow(
        /^an S3 output root \(s3:\/\/lake-bucket\/processed\) needs DuckDB's httpfs extension, which is not installed and could not be downloaded \(offline\?\): .+ copy the output root to a local folder/,
      );
    } finally {
      rmSync(extensions, { recursive: true, force: true });
    }
  });
});
