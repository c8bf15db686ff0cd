/**
 * `npm run generate -- --to-postgres` and `npm run sync` as processes against an embedded
 * PostgreSQL: the generator's last-day catalog and users go to the database, the sync writes them
 * back as that day's snapshots (the same records), and failures exit with one line naming what
 * is wrong.
 */
import { type SpawnSyncReturns, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../adapters/embedded-postgres';
import { rawKeys } from '../../domain/lake-layout';

const PROJECT = resolve(__dirname, '../..');
const TSX_CLI = require.resolve('tsx/cli');
/** The last day of an 11-day lake: its snapshots carry no fault (faults.ts puts them earlier). */
const DAY = '2024-01-11';

/** Runs a CLI without blocking the event loop (the embedded server's client runs in this process). */
function cli(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<SpawnSyncReturns<string>> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [TSX_CLI, `scripts/${script}.ts`, ...args], {
      cwd: PROJECT,
      env: { ...process.env, LAKE_URI: '', SNAPSHOT_MAPPING: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', fail);
    child.on('close', (status) =>
      done({
        status,
        stdout,
        stderr,
        pid: child.pid ?? 0,
        output: [],
        signal: null,
      } as SpawnSyncReturns<string>),
    );
  });
}

/** The records of JSON lines, with the forms the contract accepts made alike (decimal strings, JSON strings, offsets). */
function normalised(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      for (const [k, v] of Object.entries(r)) {
        if (k === 'price' && typeof v === 'string') r[k] = Number(v);
        if ((k === 'attributes' || k === 'preferences') && typeof v === 'string') r[k] = JSON.parse(v);
        if ((k === 'created_at' || k === 'join_date') && typeof v === 'string')
          r[k] = new Date(v).toISOString();
      }
      return r;
    })
    .sort((a, b) => String(a.product_id ?? a.user_id).localeCompare(String(b.product_id ?? b.user_id)));
}

let server: EmbeddedPostgres;
let root: string;

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  await server.createDatabase('shop');
  await server.createDatabase('empty');
  root = await mkdtemp(join(tmpdir(), 'e2e-sync-'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const GENERATE = [
  '--days',
  '11',
  '--users',
  '60',
  '--products',
  '40',
  '--events-per-day',
  '100',
  '--seed',
  '5',
];

describe('npm run generate -- --to-postgres, then npm run sync', () => {
  it('puts the last day in the database, and the sync writes the same records back as its snapshots', async () => {
    const lake = join(root, 'lake');
    const reference = join(root, 'reference');
    const generated = await cli('generate', [
      ...GENERATE,
      '--out',
      lake,
      '--to-postgres',
      server.url('shop'),
    ]);
    expect([generated.status, generated.stderr]).toEqual([0, '']);
    expect(generated.stdout).toMatch(/loaded 40 products of 2024-01-11 into the products table/);
    expect((await cli('generate', [...GENERATE, '--out', reference])).status).toBe(0);
    const snapshotFile = (dataset: 'products' | 'users', dir: string) =>
      join(dir, ...rawKeys.object(dataset, DAY, 'snapshot.jsonl').split('/'));
    expect([existsSync(snapshotFile('products', lake)), existsSync(snapshotFile('users', lake))]).toEqual([
      false,
      false,
    ]);

    const synced = await cli('sync', [
      '--products-db',
      server.url('shop'),
      '--users-db',
      server.url('shop'),
      '--date',
      DAY,
      '--output-path',
      lake,
    ]);
    expect(synced.status).toBe(0);
    expect(synced.stderr).toMatch(/^syncing the snapshots of 2024-01-11 into /);
    expect(synced.stderr).toMatch(/products: 40 rows .* -> .*day=11\/part-00000\.jsonl\.gz/);
    for (const dataset of ['products', 'users'] as const) {
      const written = gunzipSync(
        await readFile(join(lake, ...rawKeys.object(dataset, DAY, 'part-00000.jsonl.gz').split('/'))),
      );
      expect(normalised(written.toString('utf8'))).toEqual(
        normalised(await readFile(snapshotFile(dataset, reference), 'utf8')),
      );
    }
  }, 120_000);

  it('exits 2 naming a missing flag', async () => {
    const r = await cli('sync', ['--products-db', server.url('shop'), '--date', DAY]);
    expect([r.status, r.stderr.trim()]).toEqual([
      2,
      'error: --users-db is required (postgres://user:password@host:port/database)',
    ]);
  });

  it('exits 1 naming a missing table, writing nothing', async () => {
    const out = join(root, 'missing');
    const r = await cli('sync', [
      '--products-db',
      server.url('shop'),
      '--users-db',
      server.url('empty'),
      '--date',
      DAY,
      '--output-path',
      out,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: users snapshot: no table users in the user database 127\.0\.0\.1:\d+\/empty$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('retries an unreachable database, then exits 1 naming its host', async () => {
    const port = await new Promise<number>((done) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => done(p));
      });
    });
    const url = `postgres://app:secret@127.0.0.1:${port}/catalog`;
    const r = await cli(
      'sync',
      ['--products-db', url, '--users-db', url, '--date', DAY, '--output-path', join(root, 'x')],
      {
        SYNC_RETRY_ATTEMPTS: '2',
        SYNC_RETRY_BASE_MS: '10',
      },
    );
    const lines = r.stderr.trim().split('\n');
    expect(r.status).toBe(1);
    expect(lines.some((l) => l.includes('retrying in'))).toBe(true);
    expect(lines.at(-1)).toBe(
      `error: products snapshot from the catalog database 127.0.0.1:${port}/catalog: still failing after 2 attempts: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(r.stderr).not.toContain('secret');
  });
});
