/**
 * The real CLIs as processes (tsx on the Node 24 that runs jest): exit codes, one-line errors,
 * the summary table and the validate report.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { GenerateOptions } from '../../scripts/lib/generate/generate-lake';
import { E2E_LAKE, listFiles, partition, writeLakeDir } from '../support/e2e-pipeline';

const PROJECT = resolve(__dirname, '../..');
const TSX_CLI = require.resolve('tsx/cli');
const NOW = '2024-02-01T02:00:00Z';

/** The environment minus anything config.ts reads, so the flags alone decide. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'LAKE_URI',
    'OUTPUT_URI',
    'S3_ENDPOINT_URL',
    'S3_FORCE_PATH_STYLE',
    'PIPELINE_CONFIG',
    'WORKER_THREADS',
    'USER_SHARDS',
  ])
    delete env[name];
  return env;
}

function cli(script: string, args: readonly string[]): SpawnSyncReturns<string> {
  const result = spawnSync(process.execPath, [TSX_CLI, `scripts/${script}.ts`, ...args], {
    cwd: PROJECT,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error !== undefined) throw result.error;
  return result;
}

/** stderr as one trimmed line (fails the test when it is more than one). */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

const SMALL: GenerateOptions = { ...E2E_LAKE, days: 3, users: 60, products: 40, eventsPerDay: 200, seed: 5 };
let root: string;
let lake: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'e2e-cli-'));
  lake = join(root, 'lake');
  writeLakeDir(lake, SMALL);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('scripts/pipeline.ts', () => {
  const base = (): string[] => ['--input-path', lake, '--output-path', join(root, 'usage-out'), '--now', NOW];

  it.each([
    ['a bad --start-date', ['--start-date', '2024-13-01'], '--start-date'],
    ['an unknown --mode', ['--mode', 'weekly'], '--mode'],
    ['an unknown flag', ['--bogus-flag', 'x'], '--bogus-flag'],
  ])('exits 2 on %s with one line naming the flag', (_name, args, flag) => {
    const r = cli('pipeline', [...base(), ...args]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(oneLine(r.stderr)).toContain(flag);
    expect(existsSync(join(root, 'usage-out'))).toBe(false);
  });

  it.each([
    [
      'an --end-date after the reference day',
      ['--start-date', '9999-12-30', '--end-date', '9999-12-30'],
      '--end-date',
    ],
    ['a --now after the clock', ['--now', '9999-12-31T00:00:00Z'], '--now'],
    [
      'more days than MAX_RUN_DAYS',
      ['--start-date', '1970-01-01', '--end-date', '2024-01-16'],
      '--start-date',
    ],
  ])('exits 2 on %s, naming the flag, before anything is written', (_name, args, flag) => {
    const r = cli('pipeline', [...base(), ...args]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(oneLine(r.stderr)).toContain(flag);
    expect(existsSync(join(root, 'usage-out'))).toBe(false);
  });

  it.each([
    ['a raw partition', () => join(lake, 'raw', 'interactions', 'year=2024', 'month=01', 'day=02')],
    ['raw/ itself', () => join(lake, 'raw')],
    ['the lake root (it holds raw/)', () => lake],
  ])('exits 2 when --output-path is %s, writing nothing there', (_name, output) => {
    const before = listFiles(lake);
    const r = cli('pipeline', ['--input-path', lake, '--output-path', output(), '--now', NOW]);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(oneLine(r.stderr)).toContain('--output-path');
    expect(listFiles(lake)).toEqual(before);
  });

  it.each(['pipeline', 'validate', 'generate', 'bench', 'start', 'sql', 'train'])(
    '%s --help prints every flag with its default and an example, and exits 0',
    (script) => {
      const r = cli(script, ['--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^Usage: npm (run \S+|start) --/);
      expect(r.stdout).toContain('Examples:');
      if (script === 'pipeline')
        for (const flag of [
          '--input-path',
          '--start-date',
          '--end-date',
          '--mode',
          '--date',
          '--run-id',
          '--now',
        ])
          expect(r.stdout).toContain(flag);
      expect(r.stdout).toContain('(default: ');
    },
  );

  it('exits 0 and prints the summary table and the output paths', () => {
    const out = join(root, 'ok-out');
    const r = cli('pipeline', [
      '--input-path',
      lake,
      '--output-path',
      out,
      '--start-date',
      '2024-01-01',
      '--end-date',
      '2024-01-03',
      '--mode',
      'full',
      '--now',
      NOW,
    ]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    for (const label of ['raw', 'valid', 'clean', 'train rows', 'validation rows', 'test rows']) {
      expect(r.stdout).toMatch(new RegExp(`^${label}\\s+\\d+$`, 'm'));
    }
    expect(r.stdout).toContain(join(out, 'features/users/as_of=2024-01-04/part-00000.parquet'));
    expect(r.stdout).toContain(join(out, 'features/items/as_of=2024-01-04/part-00000.parquet'));
    expect(r.stdout).toMatch(new RegExp(`manifest ${join(out, 'runs')}/[^/]+/manifest\\.json`));
    expect(
      listFiles(out)
        .filter((k) => k.startsWith('features/'))
        .sort(),
    ).toEqual([
      'features/items/as_of=2024-01-04/part-00000.parquet',
      // One user feature file and one affinity file per user shard (4 by default).
      ...[0, 1, 2, 3].map((k) => `features/user_affinity/as_of=2024-01-04/part-0000${k}.json`),
      ...[0, 1, 2, 3].map((k) => `features/users/as_of=2024-01-04/part-0000${k}.parquet`),
    ]);
  });

  it('exits 1 with one line naming the day when a day fails validation', () => {
    const bad = join(root, 'bad-lake');
    const summary = writeLakeDir(bad, SMALL);
    const extra = Math.ceil((summary.days[1]?.events ?? 0) * 0.3);
    appendFileSync(
      join(bad, 'raw/interactions', partition('2024-01-02'), 'part-0000.jsonl'),
      'not json\n'.repeat(extra),
    );
    const r = cli('pipeline', ['--input-path', bad, '--now', NOW]);
    expect(r.status).toBe(1);
    const line = oneLine(r.stderr);
    expect(line).toMatch(/validation failed for 2024-01-02: rejected_share 0\.\d{4} > 0\.2/);
    expect(listFiles(join(bad, 'processed')).filter((k) => k.startsWith('features/'))).toEqual([]);
  });

  it('exits 1 with one line naming what is missing for an empty lake', () => {
    const empty = join(root, 'empty-lake');
    mkdirSync(empty, { recursive: true });
    const r = cli('pipeline', ['--input-path', empty, '--now', NOW]);
    expect(r.status).toBe(1);
    expect(oneLine(r.stderr)).toMatch(/missing input: no raw interactions/);
  });
});

describe('scripts/validate.ts', () => {
  it('--date prints the JSON report of the day and writes it', () => {
    const out = join(root, 'validate-out');
    const r = cli('validate', [
      '--input-path',
      lake,
      '--output-path',
      out,
      '--date',
      '2024-01-02',
      '--now',
      NOW,
    ]);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as {
      date: string;
      schema_version: number;
      status: string;
      counts: { raw: number; valid: number; rejected: Record<string, number> };
    };
    expect(report).toMatchObject({ date: '2024-01-02', schema_version: 1, status: 'warned' });
    expect(report.counts.raw).toBe(
      report.counts.valid + Object.values(report.counts.rejected).reduce((a, b) => a + b, 0),
    );
    expect(listFiles(out)).toContain(`validation_reports/${partition('2024-01-02')}/report.json`);
    // Validation only: no features, datasets or staging.
    expect(
      listFiles(out).filter(
        (k) =>
          !k.startsWith('validation_reports/') &&
          !k.startsWith('validation_report_pages/') &&
          !k.startsWith('quarantine/'),
      ),
    ).toEqual([]);
  });
});

describe('scripts/generate.ts', () => {
  it('--days 0 exits 2 with one line naming the flag', () => {
    const out = join(root, 'gen-out');
    const r = cli('generate', ['--out', out, '--days', '0']);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toContain('--days');
    expect(existsSync(out)).toBe(false);
  });
});

describe('the CLIs on an output root another run is writing', () => {
  it('pipeline and validate exit 1 with one line naming the run that holds the root', () => {
    const out = join(root, 'locked-out');
    mkdirSync(join(out, 'runs'), { recursive: true });
    const lock = {
      holder: 'weekly-in-flight',
      kind: 'run',
      taken_at: '2026-01-01T03:00:00.000Z',
      expires_at: '2999-01-01T03:00:00.000Z',
    };
    writeFileSync(join(out, 'runs/_lock.json'), JSON.stringify(lock));
    const held = `output root ${out} is in use by run weekly-in-flight (since 2026-01-01T03:00:00.000Z)`;
    const run = cli('pipeline', ['--input-path', lake, '--output-path', out, '--now', NOW]);
    expect(run.status).toBe(1);
    expect(oneLine(run.stderr)).toContain(held);
    const validate = cli('validate', ['--input-path', lake, '--output-path', out, '--date', '2024-01-02']);
    expect(validate.status).toBe(1);
    expect(oneLine(validate.stderr)).toContain(held);
    // Nothing was written, and the lock is the holder's still.
    expect(listFiles(out)).toEqual(['runs/_lock.json']);
  });
});
