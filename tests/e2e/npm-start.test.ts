/**
 * `npm start -- --no-serve` as a process, from a fresh folder, the way a new user runs it: the
 * sample lake, its last day's snapshots synced from an embedded PostgreSQL, the full run through
 * the state machine on worker threads, publish to the embedded DynamoDB. Its parts are tested on
 * their own; this is the one test of them together (the paths exactly as `npm start` spells
 * them: `./lake`, relative to the folder it runs in).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

const PROJECT = resolve(__dirname, '..', '..');
const TSX_CLI = require.resolve('tsx/cli');
/** The run id `npm start` derives for the sample lake (README, docs/queries.md). */
const SAMPLE_RUN = 'full-20240101-20240130-a098d9fe3732';

let dir: string;
let result: { code: number | null; output: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'LAKE_URI',
    'OUTPUT_URI',
    'DYNAMODB_ENDPOINT_URL',
    'FEATURE_TABLE',
    'STATE_MACHINE_ARN',
  ])
    delete env[name];
  const child = spawn(process.execPath, [TSX_CLI, join(PROJECT, 'scripts', 'start.ts'), '--no-serve'], {
    cwd: dir,
    env,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  result = { code, output };
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm start -- --no-serve from a fresh folder', () => {
  it('exits 0 after a SUCCEEDED full run of the sample lake', () => {
    expect([result.code, result.output.slice(-2000)]).toEqual([0, expect.any(String)]);
    const manifest = JSON.parse(
      readFileSync(join(dir, 'lake', 'processed', 'runs', SAMPLE_RUN, 'manifest.json'), 'utf8'),
    ) as { status: string; start_date: string; end_date: string };
    expect(manifest).toMatchObject({ status: 'SUCCEEDED', start_date: '2024-01-01', end_date: '2024-01-30' });
  });

  it("synced the last day's catalog and users from the embedded PostgreSQL", () => {
    expect(result.output).toContain('syncing the snapshots of 2024-01-30 from the embedded databases');
    for (const dataset of ['products', 'users']) {
      const file = join(
        dir,
        'lake',
        'raw',
        dataset,
        'year=2024',
        'month=01',
        'day=30',
        'part-00000.jsonl.gz',
      );
      expect([dataset, existsSync(file)]).toEqual([dataset, true]);
      const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThan(100);
      expect(Object.keys(JSON.parse(lines[0] as string) as object)).toContain(
        dataset === 'products' ? 'product_id' : 'user_id',
      );
    }
  });

  it('published the features to the embedded DynamoDB and wrote the split', () => {
    expect(result.output).toMatch(/publish: [1-9][0-9,]* users, [1-9][0-9,]* items as of 2024-01-31/);
    for (const split of ['train', 'validation', 'test'])
      expect([
        split,
        existsSync(join(dir, 'lake', 'processed', 'datasets', `run_id=${SAMPLE_RUN}`, `split=${split}`)),
      ]).toEqual([split, true]);
  });
});
