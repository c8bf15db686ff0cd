import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lakeFromUri } from '../../../adapters/lake-from-uri';
import { createPipelineDeps } from '../../../adapters/pipeline-deps';
import { defaultConfig } from '../../../domain/config';
import { createHandler as createGet } from '../../../handlers/runs-get';
import { createHandler as createList } from '../../../handlers/runs-list';
import { createHandler as createStart } from '../../../handlers/runs-start';
import { LocalEngine } from '../../../adapters/local-state-machine';
import { RunControl } from '../../../domain/pipeline/run-control';
import { RUN_TIMEOUT_SECONDS } from '../../../state-machines/pipeline-definition';
import { runPipelineLocally } from '../../../handlers/lib/pipeline-engine';
import { createWiring, withWiring } from '../../../wiring';
import { runPipeline, testSettings } from '../../support/run-pipeline';
import type { RunsService } from '../../../handlers/lib/runs-service';
import { httpEvent, invoker, problemPaths, writeLake } from '../../support/http-events';

describe('runs routes over the in-process engine', () => {
  let dir: string;
  let lake: string;
  let out: string;
  let engine: LocalEngine;
  let service: RunsService;
  let clock = Date.UTC(2024, 1, 1, 2);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'runs-api-'));
    lake = join(dir, 'lake');
    out = join(lake, 'processed');
    writeLake(lake);
    // The engine runs the deployed handlers over a wiring configured for this lake.
    const wired = createWiring({
      settings: testSettings(defaultConfig(), { inputUri: lake, outputUri: out }),
      now: () => clock,
      log: () => undefined,
      codeVersion: 'test',
      featureStore: null,
      runChecks: null,
    });
    engine = new LocalEngine((request) => withWiring(wired, () => runPipelineLocally(request)));
    service = {
      control: new RunControl(lakeFromUri(out), (uri) => lakeFromUri(uri), engine, {
        clock: () => clock,
        inputUri: lake,
        runMaxSeconds: RUN_TIMEOUT_SECONDS,
      }),
      roots: { inputUri: lake, outputUri: out },
      clock: () => clock,
      maxRunDays: 730,
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = invoker(createStart(() => service));
  const get = invoker(createGet(() => service));
  const list = invoker(createList(() => service));
  const body = {
    mode: 'full',
    start_date: '2024-01-01',
    end_date: '2024-01-03',
    now: '2024-02-01T02:00:00Z',
    run_id: 'api-run-1',
    shards: 3,
  };

  it('POST /runs starts the state machine and answers 202; GET /runs/{id} then reports SUCCEEDED with per-stage records', async () => {
    const reply = await start(httpEvent('POST /runs', { body }));
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({
      run_id: 'api-run-1',
      status: 'RUNNING',
      links: { self: '/runs/api-run-1' },
    });
    await engine.idle();
    const view = await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'api-run-1' } }));
    expect(view.status).toBe(200);
    const v = view.body as {
      status: string;
      stages: { stage?: string; date?: string }[];
      as_of: string;
      split: { n: number };
    };
    expect(v.status).toBe('SUCCEEDED');
    expect(v.as_of).toBe('2024-01-04');
    expect(v.stages.filter((s) => s.stage === 'ValidateCleanDay' && s.date !== undefined)).toHaveLength(3);
    expect(v.stages.filter((s) => s.stage === 'AssembleDays' && s.date !== undefined)).toHaveLength(3);
    // `shards` in the body: one FoldUsers iteration per shard.
    expect(v.stages.filter((s) => s.stage === 'FoldUsers')).toHaveLength(3);
    expect(v.stages.map((s) => s.stage).filter(Boolean)).toEqual(
      expect.arrayContaining([
        'Plan',
        'ValidateCleanDay',
        'FoldItems',
        'FoldUsers',
        'AssembleDays',
        'Publish',
        'Monitor',
      ]),
    );
    expect(v.split.n).toBeGreaterThan(0);
  });

  it('a repeated run_id with the same parameters returns the existing run; with others it is a 409', async () => {
    const again = await start(httpEvent('POST /runs', { body }));
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ run_id: 'api-run-1', status: 'SUCCEEDED', existing: true });
    const conflict = await start(httpEvent('POST /runs', { body: { ...body, end_date: '2024-01-02' } }));
    expect(conflict.status).toBe(409);
    expect(conflict.contentType).toBe('application/problem+json');
    expect(problemPaths(conflict.body)).toEqual(['body.run_id']);
  });

  it('a failing run is FAILED with the error that names the day', async () => {
    clock += 1000;
    const reply = await start(
      httpEvent('POST /runs', {
        body: { mode: 'full', start_date: '2023-12-30', end_date: '2024-01-01', run_id: 'api-run-2' },
      }),
    );
    expect(reply.status).toBe(202);
    await engine.idle();
    const view = await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'api-run-2' } }));
    expect(view.body).toMatchObject({ status: 'FAILED' });
    expect((view.body as { error: string }).error).toMatch(/2023-12-30/);
  });

  it('GET /runs lists runs newest first and validates limit', async () => {
    const reply = await list(httpEvent('GET /runs', { query: { limit: '10' } }));
    expect((reply.body as { runs: { run_id: string }[] }).runs.map((r) => r.run_id)).toEqual([
      'api-run-2',
      'api-run-1',
    ]);
    const bad = await list(httpEvent('GET /runs', { query: { limit: 'many' } }));
    expect(bad.status).toBe(400);
    expect(problemPaths(bad.body)).toEqual(['query.limit']);
  });

  it.each([
    ['malformed JSON', '{"mode":', ['body']],
    ['an unknown field', { ...body, run_id: 'x1', colour: 'red' }, ['body']],
    ['a bad date', { mode: 'full', start_date: '2024-02-30' }, ['body.start_date']],
    ['a bad mode', { mode: 'weekly' }, ['body.mode']],
    ['path traversal in input_path', { mode: 'full', input_path: '../../etc' }, ['body.input_path']],
    ['an absolute path outside the lake', { mode: 'full', output_path: '/etc/cron.d' }, ['body.output_path']],
    ['a schedule field', { mode: 'full', schedule: 'daily' }, ['body.schedule']],
    // The clock reads 2024-02-01T02:00Z: the reference day is 2024-02-01.
    [
      'an end date after the reference day',
      { mode: 'full', start_date: '9999-12-30', end_date: '9999-12-30' },
      ['body.end_date'],
    ],
    ['a start date after the reference day', { mode: 'full', start_date: '2024-02-02' }, ['body.start_date']],
    [
      'an incremental day after the reference day',
      { mode: 'incremental', date: '2024-02-02' },
      ['body.date'],
    ],
    [
      'a reference time after the clock',
      { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02', now: '9999-12-31T00:00:00Z' },
      ['body.now'],
    ],
    [
      'a span longer than MAX_RUN_DAYS (730 days by default)',
      { mode: 'full', start_date: '1970-01-01', end_date: '2024-01-16' },
      ['body.start_date'],
    ],
    [
      'an output under the lake’s raw/',
      { mode: 'full', output_path: 'raw/interactions/year=2024/month=01/day=16' },
      ['body.output_path'],
    ],
  ])('rejects %s with a 400 problem naming the field, starting nothing', async (_name, request, paths) => {
    const before = await list(httpEvent('GET /runs', { query: { limit: '100' } }));
    const reply = await start(httpEvent('POST /runs', { body: request }));
    expect(reply.status).toBe(400);
    expect(reply.contentType).toBe('application/problem+json');
    for (const p of paths) expect(problemPaths(reply.body).some((x) => x.startsWith(p))).toBe(true);
    await engine.idle();
    expect((await list(httpEvent('GET /runs', { query: { limit: '100' } }))).body).toEqual(before.body);
  });

  it('an output_path anywhere but under the output root is a 400, even inside the lake', async () => {
    for (const output_path of [
      lake,
      join(lake, 'raw'),
      join(lake, 'raw', 'interactions', 'year=2024', 'month=01', 'day=16'),
      join(lake, 'elsewhere'),
      `file://${join(lake, 'raw', 'products')}`,
      `${out}-sibling`,
    ]) {
      const reply = await start(httpEvent('POST /runs', { body: { mode: 'full', output_path } }));
      expect({ output_path, status: reply.status }).toEqual({ output_path, status: 400 });
      expect(problemPaths(reply.body)).toEqual(['body.output_path']);
    }
  });

  it('a body that is not declared application/json is a 415, starting nothing', async () => {
    const event = httpEvent('POST /runs', { body, headers: { 'content-type': 'text/plain' } });
    const reply = await start(event);
    expect(reply.status).toBe(415);
    expect(reply.contentType).toBe('application/problem+json');
    expect(problemPaths(reply.body)).toEqual(['headers.content-type']);
  });

  it('finds runs started another way (CLI, npm start) by their manifest', async () => {
    const deps = createPipelineDeps({ inputUri: lake, outputUri: out });
    await runPipeline(deps, {
      runId: 'cli-run-1',
      mode: 'full',
      startDate: '2024-01-01',
      endDate: '2024-01-01',
      referenceTimeMs: Date.UTC(2024, 1, 1, 2),
      config: defaultConfig(),
      codeVersion: 'test',
    });
    const view = await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'cli-run-1' } }));
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({
      run_id: 'cli-run-1',
      status: 'SUCCEEDED',
      request: { mode: 'full', start_date: '2024-01-01' },
    });
    const listed = await list(httpEvent('GET /runs', { query: { limit: '10' } }));
    expect((listed.body as { runs: { run_id: string }[] }).runs.map((r) => r.run_id)).toContain('cli-run-1');
  });

  it('GET /runs/{id} is a 404 for an unknown run and a 400 for a malformed id', async () => {
    expect((await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'nope' } }))).status).toBe(
      404,
    );
    const bad = await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: '../x' } }));
    expect(bad.status).toBe(400);
    expect(problemPaths(bad.body)).toEqual(['path.run_id']);
  });
});
