/**
 * The local stack over real HTTP: the embedded DynamoDB, a pipeline run published online, and the
 * API of serverless.yml served by serverless-offline (what `npm start` runs).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeParquet } from '../../adapters/parquet';
import { existsSync, readFileSync } from 'node:fs';
import { loadSettings } from '../../config';
import { type LocalStore, startApi, startLocalStore, stopChild } from '../../scripts/lib/local-stack';
import { runPipelineRequest } from '../../scripts/lib/pipeline-run';
import { writeLake } from '../support/http-events';
import { type Reply, checkAgainstDocument } from '../support/openapi-check';

jest.setTimeout(300_000);

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

describe('local stack (serverless-offline over the embedded store)', () => {
  let dir: string;
  let lake: string;
  let out: string;
  let local: LocalStore;
  let api: ChildProcess;
  let base: string;
  /** serverless-offline's Lambda invoke API (`startApi` puts it two ports above the HTTP one). */
  let lambdaBase: string;
  let runId: string;
  let userId: string;
  let productIds: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stack-'));
    lake = join(dir, 'lake');
    out = join(lake, 'processed');
    writeLake(lake);
    const settings = loadSettings({});
    local = await startLocalStore(lake, settings);
    const outcome = await runPipelineRequest(
      {
        inputUri: lake,
        outputUri: out,
        mode: 'full',
        startDate: '2024-01-01',
        endDate: '2024-01-03',
        now: '2024-02-01T02:00:00Z',
        featureStore: local.store,
      },
      settings,
      () => undefined,
    );
    runId = outcome.manifest.run_id;
    const users = await decodeParquet(
      readFileSync(join(out, 'features/users/as_of=2024-01-04/part-00000.parquet')),
    );
    const items = await decodeParquet(
      readFileSync(join(out, 'features/items/as_of=2024-01-04/part-00000.parquet')),
    );
    userId = String(users[0]?.user_id);
    productIds = items.slice(0, 3).map((i) => String(i.product_id));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    lambdaBase = `http://127.0.0.1:${port + 2}`;
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

  /** Every reply the tests below get, checked against the served OpenAPI document at the end. */
  const replies: Reply[] = [];
  const record = async (method: string, path: string, r: Response) => {
    const reply = {
      method,
      path,
      status: r.status,
      type: r.headers.get('content-type') ?? '',
      body: await r.text(),
    };
    replies.push(reply);
    return reply;
  };
  const get = async (path: string, headers: Record<string, string> = {}) =>
    record('GET', path, await fetch(`${base}${path}`, { headers }));
  const post = async (path: string, body: unknown) =>
    record(
      'POST',
      path,
      await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );

  it('GET /health answers with versions', async () => {
    const r = await get('/health');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'ok', schema_version: 1 });
  });

  it('GET /runs/{id} and /datasets/{id} describe the finished run', async () => {
    const run = await get(`/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(JSON.parse(run.body)).toMatchObject({ run_id: runId, status: 'SUCCEEDED', as_of: '2024-01-04' });
    const dataset = await get(`/datasets/${runId}`);
    expect(dataset.status).toBe(200);
    expect(JSON.parse(dataset.body)).toMatchObject({ run_id: runId, status: 'SUCCEEDED' });
  });

  it('serves published user and item features from the embedded store', async () => {
    const user = await get(`/features/users/${encodeURIComponent(userId)}`);
    expect(user.status).toBe(200);
    expect(JSON.parse(user.body)).toMatchObject({ user_id: userId, as_of: '2024-01-04' });
    const item = await get(`/features/items/${encodeURIComponent(productIds[0] as string)}`);
    expect(item.status).toBe(200);
    expect((await get('/features/users/nobody-here')).status).toBe(404);
  });

  it('POST /features/online returns one row per candidate in request order', async () => {
    const r = await post('/features/online', {
      user_id: userId,
      product_ids: productIds,
      at: '2024-01-04T10:00:00Z',
    });
    expect(r.status).toBe(200);
    const rows = (
      JSON.parse(r.body) as { rows: { product_id: string; time_of_day: number; user_found: boolean }[] }
    ).rows;
    expect(rows.map((x) => x.product_id)).toEqual(productIds);
    expect(rows.every((x) => x.time_of_day === 10 && x.user_found)).toBe(true);
  });

  it('bad input is a 4xx problem+json naming the field, never a 500', async () => {
    const tooMany = await post('/features/online', {
      user_id: userId,
      product_ids: Array.from({ length: 101 }, (_, i) => `p${i}`),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.type).toContain('application/problem+json');
    expect(tooMany.body).toContain('product_ids');
    const malformed = await post('/runs', '{"mode":');
    expect(malformed.status).toBe(400);
    const traversal = await post('/validations', { date: '2024-01-02', input_path: '../../etc' });
    expect(traversal.status).toBe(400);
    expect(traversal.body).toContain('input_path');
    expect((await get('/validation-reports/2024-02-30')).status).toBe(400);
  });

  it('a body not sent as application/json is a 415, whatever it holds: a cross-site text/plain post starts nothing', async () => {
    for (const [path, body] of [
      ['/runs', { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02', run_id: 'cross-site' }],
      ['/validations', { date: '2024-01-02' }],
      ['/features/online', { user_id: userId, product_ids: productIds }],
    ] as const) {
      // What a web page's fetch or form sends to any origin without a CORS preflight.
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify(body),
      });
      expect([path, r.status]).toEqual([path, 415]);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(await r.text()).toContain('headers.content-type');
    }
    expect((await get('/runs/cross-site')).status).toBe(404);
  });

  it('POST /runs refuses future dates and outputs outside the output root with a 400 naming the field', async () => {
    const future = await post('/runs', { mode: 'full', start_date: '9999-12-30', end_date: '9999-12-30' });
    expect(future.status).toBe(400);
    expect(future.body).toContain('body.end_date');
    const raw = await post('/runs', {
      mode: 'full',
      output_path: 'raw/interactions/year=2024/month=01/day=02',
    });
    expect(raw.status).toBe(400);
    expect(raw.body).toContain('body.output_path');
  });

  it('the local Lambda port reaches Plan, which refuses an output outside the output root itself', async () => {
    const elsewhere = join(dir, 'elsewhere');
    const r = await fetch(
      `${lambdaBase}/2015-03-31/functions/recsys-feature-pipeline-local-pipeline-plan/invocations`,
      {
        method: 'POST',
        body: JSON.stringify({
          request: { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02', output_path: elsewhere },
        }),
      },
    );
    const text = await r.text();
    expect(text).toContain('output_path');
    expect(text).toContain('must be under the output root');
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('POST /runs starts a run through the in-process engine; GET /runs/{id} follows it to SUCCEEDED', async () => {
    const started = await post('/runs', {
      mode: 'full',
      start_date: '2024-01-01',
      end_date: '2024-01-02',
      now: '2024-02-01T02:00:00Z',
      run_id: 'http-run-1',
    });
    expect(started.status).toBe(202);
    let status = 'RUNNING';
    for (let i = 0; i < 120 && status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = (JSON.parse((await get('/runs/http-run-1')).body) as { status: string }).status;
    }
    expect(status).toBe('SUCCEEDED');
    const list = JSON.parse((await get('/runs?limit=5')).body) as { runs: { run_id: string }[] };
    expect(list.runs.map((r) => r.run_id)).toContain('http-run-1');
  });

  it('POST /runs recognises the run the local runner started (npm start), by its id', async () => {
    const request = {
      mode: 'full',
      start_date: '2024-01-01',
      end_date: '2024-01-03',
      now: '2024-02-01T02:00:00Z',
    };
    const same = await post('/runs', { ...request, run_id: runId });
    expect(same.status).toBe(202);
    expect(JSON.parse(same.body)).toMatchObject({ run_id: runId, status: 'SUCCEEDED', existing: true });
    const other = await post('/runs', { ...request, end_date: '2024-01-02', run_id: runId });
    expect(other.status).toBe(409);
  });

  it('validation reports are served as JSON and, on request, as HTML', async () => {
    const json = await get('/validation-reports/2024-01-02');
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body)).toMatchObject({ date: '2024-01-02', schema_version: 1 });
    const html = await get('/validation-reports/2024-01-02', { accept: 'text/html' });
    expect(html.type).toContain('text/html');
  });

  it('POST /features/online gives a repeated candidate a row at each of its positions', async () => {
    const [a, b] = productIds as [string, string];
    const r = await post('/features/online', { user_id: userId, product_ids: [a, b, a, a] });
    expect(r.status).toBe(200);
    const rows = (JSON.parse(r.body) as { rows: { product_id: string; item_found: boolean }[] }).rows;
    expect(rows.map((x) => x.product_id)).toEqual([a, b, a, a]);
    expect(rows.every((x) => x.item_found)).toBe(true);
  });

  it('serves validations and alerts', async () => {
    expect((await post('/validations', { date: '2024-01-02' })).status).toBe(200);
    expect((await get('/alerts?since=2024-01-01')).status).toBe(200);
    expect((await get('/alerts?since=soon')).status).toBe(400);
    expect((await get('/runs?limit=0')).status).toBe(400);
    expect((await get('/datasets/nope')).status).toBe(404);
    expect((await get('/features/items/nope')).status).toBe(404);
  });

  it('every reply above matches the OpenAPI document served at /openapi.json, and every route was met', async () => {
    const served = await get('/openapi.json');
    expect(served.status).toBe(200);
    const document = JSON.parse(served.body) as Record<string, unknown>;
    const { mismatches, unmatched, operationsMet, operations } = checkAgainstDocument(document, replies);
    expect(unmatched).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(operationsMet.sort()).toEqual(operations.sort());
  });
});
