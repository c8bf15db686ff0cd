/**
 * `npm run sql` as a process (tsx on the Node 24 that runs jest): a query as an argument in each
 * format, the prompt fed through stdin, and the exit codes and messages of a SQL error, a missing
 * lake and a bad flag.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSettings } from '../../config';
import type { RunManifest } from '../../domain/pipeline/manifest';
import { runPipelineRequest } from '../../scripts/lib/pipeline-run';
import { writeLake } from '../support/http-events';

const PROJECT = resolve(__dirname, '../..');
const TSX_CLI = require.resolve('tsx/cli');

let dir: string;
let lake: string;
let manifest: RunManifest;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e2e-sql-'));
  lake = join(dir, 'lake');
  writeLake(lake);
  const run = { inputUri: lake, outputUri: join(lake, 'processed'), mode: 'full' as const };
  manifest = (
    await runPipelineRequest({ ...run, now: '2024-02-01T02:00:00Z' }, loadSettings({}), () => undefined)
  ).manifest;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment minus what config.ts reads, so the flags alone decide. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['LAKE_URI', 'OUTPUT_URI', 'S3_ENDPOINT_URL', 'S3_FORCE_PATH_STYLE']) delete env[name];
  return env;
}

function sql(args: readonly string[], input?: string): SpawnSyncReturns<string> {
  const result = spawnSync(process.execPath, [TSX_CLI, 'scripts/sql.ts', ...args], {
    cwd: PROJECT,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
    ...(input === undefined ? {} : { input }),
  });
  if (result.error !== undefined) throw result.error;
  return result;
}

const SPLITS = 'select split, count(*) as n from training_rows group by split order by split';

it('prints an aligned table: header, rule, rows with numbers right-aligned, the row count', () => {
  const r = sql(['--input-path', lake, SPLITS]);
  expect([r.status, r.stderr]).toEqual([0, '']);
  const counts = manifest.split?.counts;
  const width = Math.max(
    1,
    ...['test', 'train', 'validation'].map((s) => String(counts?.[s as 'test']).length),
  );
  expect(r.stdout).toBe(
    [
      `split       ${'n'.padEnd(width)}`.trimEnd(),
      `----------  ${'-'.repeat(width)}`,
      ...(['test', 'train', 'validation'] as const).map(
        (s) => `${s.padEnd(10)}  ${String(counts?.[s]).padStart(width)}`,
      ),
      '(3 rows)',
      '',
    ].join('\n'),
  );
});

it('prints JSON and CSV with --format', () => {
  const json = sql(['--output-path', join(lake, 'processed'), '--format', 'json', SPLITS]);
  expect(json.status).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual(
    (['test', 'train', 'validation'] as const).map((s) => ({
      split: s,
      n: String(manifest.split?.counts[s]),
    })),
  );
  const csv = sql(['--input-path', lake, '--format', 'csv', "select 'a,b' as x, null as y, 1 as z"]);
  expect(csv.stdout).toBe('x,y,z\n"a,b",,1\n');
});

it('reads statements from the prompt until ;, runs .tables, and stops at .quit', () => {
  const r = sql(
    ['--input-path', lake, '--format', 'csv'],
    '.tables\nselect count(*) as n\n  from alerts;\n.quit\nselect 2;\n',
  );
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^table\s+files\s+holds$/);
  for (const name of [
    'user_features',
    'item_features',
    'training_rows',
    'validation_reports',
    'quarantine',
    'alerts',
  ])
    expect(r.stdout).toMatch(new RegExp(`^${name}\\s+\\d+\\s+\\S`, 'm'));
  // The statement spanning two lines ran once; nothing after .quit did.
  expect(lines.slice(-2)).toEqual(['n', expect.stringMatching(/^\d+$/)]);
  expect(r.stdout).not.toMatch(/^2$/m);
});

it('a SQL error prints DuckDB’s message and exits 1; the prompt goes on after one', () => {
  const r = sql(['--input-path', lake, 'select * from no_such_table']);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^error: Catalog Error: Table with name no_such_table does not exist!/);
  const piped = sql(['--input-path', lake, '--format', 'csv'], 'select nope;\nselect 7 as seven;\n');
  expect([piped.status, piped.stdout]).toEqual([1, 'seven\n7\n']);
  expect(piped.stderr).toMatch(/^error: Binder Error: .*nope/);
});

it('a missing lake or output root is one line naming it, exit 1; a bad flag exits 2', () => {
  const missing = join(dir, 'nowhere');
  const noLake = sql(['--input-path', missing, 'select 1']);
  expect([noLake.status, noLake.stderr.trim()]).toEqual([
    1,
    `error: no lake at ${missing} (and no output root at ${join(missing, 'processed')}): pass --input-path, or run \`npm run generate\` and \`npm run pipeline\` first`,
  ]);
  const noRoot = sql(['--input-path', lake, '--output-path', missing, 'select 1']);
  expect([noRoot.status, noRoot.stderr.trim()]).toEqual([
    1,
    `error: no output root at ${missing}: run \`npm run pipeline\` first, or pass --output-path`,
  ]);
  const bad = sql(['--input-path', lake, '--format', 'xml', 'select 1']);
  expect([bad.status, bad.stderr.trim()]).toEqual([
    2,
    'error: --format must be one of table, json, csv, got "xml"',
  ]);
});
