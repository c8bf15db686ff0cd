/**
 * `npm run client` as a process against the local API over HTTP (serverless-offline serving the
 * handlers over the embedded store, as `npm start` does): a run started and waited for to
 * SUCCEEDED, its record, list and dataset, a validation, the online features it published, a run
 * that FAILED making `runs wait` exit 1, and the exit codes of the API's refusals.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeParquet } from '../../adapters/parquet';
import { loadSettings } from '../../config';
import { type LocalStore, startApi, startLocalStore, stopChild } from '../../scripts/lib/local-stack';
import { type ClientRun, runClientCli } from '../support/client-cli';
import { writeLake } from '../support/http-events';

jest.setTimeout(300_000);

const NOW = '2024-02-01T02:00:00Z';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The stdout of a run that exited 0, parsed; the failure shows stderr. */
function jsonOf(run: ClientRun): Record<string, unknown> {
  expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({
    status: 0,
    stderr: '',
  });
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('npm run client against the local API', () => {
  let dir: string;
  let out: string;
  let local: LocalStore;
  let api: ChildProcess;
  let base: string;
  /** The client's environment: the API's address comes from API_BASE_URL (config.ts). */
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'client-'));
    const lake = join(dir, 'lake');
    out = join(lake, 'processed');
    writeLake(lake);
    local = await startLocalStore(lake, loadSettings({}));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = { API_BASE_URL: base };
    api = await startApi(
      { lakeUri: lake, outputUri: out, dynamoEndpoint: local.dynamo.endpoint, port },
      () => undefined,
    );
  });

  afterAll(async () => {
    if (api !== undefined) await stopChild(api);
    if (local !== undefined) await local.dynamo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (...args: string[]) => runClientCli(args, env);

  it('runs start --wait follows a full run to SUCCEEDED and prints the run', async () => {
    const run = await client(
      'runs',
      'start',
      '--mode',
      'full',
      '--start-date',
      '2024-01-01',
      '--end-date',
      '2024-01-03',
      '--now',
      NOW,
      '--run-id',
      'client-full',
      '--wait',
      '--interval',
      '0.5',
    );
    const view = jsonOf(run);
    expect(view).toMatchObject({
      run_id: 'client-full',
      status: 'SUCCEEDED',
      as_of: '2024-01-04',
      error: null,
    });
    expect(view.request).toMatchObject({ mode: 'full', start_date: '2024-01-01', end_date: '2024-01-03' });
    expect(run.stderr).toContain('run client-full: started');
    expect(run.stderr).toContain('run client-full: SUCCEEDED');
  });

  it('runs get, runs list and datasets get describe the finished run', async () => {
    expect(jsonOf(await client('runs', 'get', 'client-full'))).toMatchObject({
      run_id: 'client-full',
      status: 'SUCCEEDED',
    });
    const list = jsonOf(await client('runs', 'list', '--limit', '5')) as { runs: { run_id: string }[] };
    expect(list.runs.map((r) => r.run_id)).toContain('client-full');
    const dataset = jsonOf(await client('datasets', 'get', 'client-full')) as {
      run_id: string;
      splits: Record<string, { rows: number; parts: unknown[] }>;
    };
    expect(dataset.run_id).toBe('client-full');
    expect(dataset.splits.train?.rows).toBeGreaterThan(0);
    expect(dataset.splits.train?.parts.length).toBeGreaterThan(0);
  });

  it('features user, item and online read what the run published', async () => {
    const users = await decodeParquet(
      readFileSync(join(out, 'features/users/as_of=2024-01-04/part-00000.parquet')),
    );
    const items = await decodeParquet(
      readFileSync(join(out, 'features/items/as_of=2024-01-04/part-00000.parquet')),
    );
    const userId = String(users[0]?.user_id);
    const productIds = items.slice(0, 3).map((i) => String(i.product_id));
    expect(jsonOf(await client('features', 'user', userId))).toMatchObject({
      user_id: userId,
      as_of: '2024-01-04',
    });
    expect(jsonOf(await client('features', 'item', productIds[0] as string))).toMatchObject({
      product_id: productIds[0],
      as_of: '2024-01-04',
    });
    const online = jsonOf(
      await client(
        'features',
        'online',
        '--user-id',
        userId,
        '--product-ids',
        productIds.join(','),
        '--at',
        '2024-01-04T10:00:00Z',
      ),
    ) as { rows: { product_id: string; user_found: boolean; time_of_day: number }[] };
    expect(online.rows.map((r) => r.product_id)).toEqual(productIds);
    expect(online.rows.every((r) => r.user_found && r.time_of_day === 10)).toBe(true);
  });

  it('validations create validates one day and prints its report', async () => {
    expect(jsonOf(await client('validations', 'create', '--date', '2024-01-02'))).toMatchObject({
      date: '2024-01-02',
      schema_version: 1,
    });
  });

  it('runs wait exits 1 on a run that FAILED, printing its error', async () => {
    // A day before the lake's first snapshots: the run fails in validation, naming the day.
    const started = jsonOf(
      await client(
        'runs',
        'start',
        '--start-date',
        '2023-12-31',
        '--end-date',
        '2024-01-02',
        '--now',
        NOW,
        '--run-id',
        'client-failed',
      ),
    );
    expect(started).toMatchObject({ run_id: 'client-failed', existing: false });
    const waited = await client('runs', 'wait', 'client-failed', '--interval', '0.5');
    expect(waited.status).toBe(1);
    expect(JSON.parse(waited.stdout)).toMatchObject({ run_id: 'client-failed', status: 'FAILED' });
    expect(waited.stderr).toMatch(/error: run client-failed FAILED: .*2023-12-31/);
    // start --wait on the same id finds the ended run and exits the same way.
    const again = await client(
      'runs',
      'start',
      '--start-date',
      '2023-12-31',
      '--end-date',
      '2024-01-02',
      '--now',
      NOW,
      '--run-id',
      'client-failed',
      '--wait',
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('run client-failed: exists, FAILED');
  });

  it('an API refusal is exit 3 with the status and the problem on stderr, nothing on stdout', async () => {
    const missing = await client('runs', 'get', 'no-such-run');
    expect({ status: missing.status, stdout: missing.stdout }).toEqual({ status: 3, stdout: '' });
    expect(missing.stderr).toMatch(
      /^error: GET \/runs\/no-such-run: 404 Not Found: run no-such-run not found/,
    );
    const bad = await client('validations', 'create', '--date', '2024-02-30');
    expect(bad.status).toBe(3);
    expect(bad.stderr).toContain('400 Bad Request');
    expect(bad.stderr).toMatch(/\n {2}body\.date: /);
    const reused = await client(
      'runs',
      'start',
      '--start-date',
      '2024-01-02',
      '--end-date',
      '2024-01-03',
      '--run-id',
      'client-full',
    );
    expect(reused.status).toBe(3);
    expect(reused.stderr).toContain('409 Conflict');
    expect(reused.stderr).toContain('body.run_id: already used with other parameters');
  });

  it('--base-url wins over API_BASE_URL; no answer is exit 4; a bad flag is exit 2 and sends nothing', async () => {
    const closed = await freePort();
    const viaFlag = await runClientCli(['runs', 'get', 'client-full', '--base-url', base], {
      API_BASE_URL: `http://127.0.0.1:${closed}`,
    });
    expect(jsonOf(viaFlag)).toMatchObject({ run_id: 'client-full' });
    const unreachable = await runClientCli(['runs', 'list'], { API_BASE_URL: `http://127.0.0.1:${closed}` });
    expect(unreachable.status).toBe(4);
    expect(unreachable.stderr).toContain(`no answer from http://127.0.0.1:${closed}/runs: ECONNREFUSED`);
    const usage = await client('runs', 'start', '--mode', 'weekly', '--run-id', 'never-started');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--mode');
    expect((await client('runs', 'get', 'never-started')).status).toBe(3);
  });
});
