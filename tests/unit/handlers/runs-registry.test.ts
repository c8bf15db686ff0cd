/**
 * Run ids and output roots under concurrency: every run registers its id atomically (POST /runs,
 * and the Plan task of runs started by the CLI path), one run writes an output root at a time, and
 * a run the engine never started is neither left behind nor breaks GET /runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lakeFromUri } from '../../../adapters/lake-from-uri';
import { createPipelineDeps } from '../../../adapters/pipeline-deps';
import { LocalEngine } from '../../../adapters/local-state-machine';
import { defaultConfig } from '../../../domain/config';
import { outputKeys } from '../../../domain/lake-layout';
import { type ExecutionEngine, RunControl } from '../../../domain/pipeline/run-control';
import type { RunRequest } from '../../../domain/pipeline/run-request';
import { createHandler as createGet } from '../../../handlers/runs-get';
import { createHandler as createList } from '../../../handlers/runs-list';
import { createHandler as createStart } from '../../../handlers/runs-start';
import { runPipelineLocally } from '../../../handlers/lib/pipeline-engine';
import type { RunsService } from '../../../handlers/lib/runs-service';
import { RUN_TIMEOUT_SECONDS } from '../../../state-machines/pipeline-definition';
import { createWiring, withWiring } from '../../../wiring';
import { runPipeline, testSettings } from '../../support/run-pipeline';
import { httpEvent, invoker, writeLake } from '../../support/http-events';

const NOW = Date.UTC(2024, 1, 1, 2);
let dir: string;
let lake: string;
let out: string;
let engine: LocalEngine;

/** A runs service over `out` with `engine` (the in-process one unless a test brings its own). */
function serviceWith(e: ExecutionEngine): RunsService {
  return {
    control: new RunControl(lakeFromUri(out), (uri) => lakeFromUri(uri), e, {
      clock: () => NOW,
      inputUri: lake,
      runMaxSeconds: RUN_TIMEOUT_SECONDS,
    }),
    roots: { inputUri: lake, outputUri: out },
    clock: () => NOW,
    maxRunDays: 730,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runs-registry-'));
  lake = join(dir, 'lake');
  out = join(lake, 'processed');
  writeLake(lake);
  const wired = createWiring({
    settings: testSettings(defaultConfig(), { inputUri: lake, outputUri: out }),
    now: () => NOW,
    log: () => undefined,
    codeVersion: 'test',
    featureStore: null,
    runChecks: null,
  });
  engine = new LocalEngine((request) => withWiring(wired, () => runPipelineLocally(request)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => engine.idle());

const service = (): RunsService => serviceWith(engine);
const start = invoker(createStart(() => service()));
const get = invoker(createGet(() => service()));
const list = invoker(createList(() => service()));
const post = (body: object) => start(httpEvent('POST /runs', { body }));
const view = (runId: string) => get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: runId } }));
const base = { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02', now: '2024-02-01T02:00:00Z' };

describe('run ids are registered atomically', () => {
  it('concurrent posts of one new id with different parameters: exactly one 202, the others 409', async () => {
    const bodies = ['2024-01-01', '2024-01-02', '2024-01-03'].map((end) => ({
      ...base,
      end_date: end,
      run_id: 'race-1',
    }));
    const replies = await Promise.all(bodies.map((b) => post(b)));
    expect(replies.map((r) => r.status).sort()).toEqual([202, 409, 409]);
    const winner = bodies[replies.findIndex((r) => r.status === 202)] as (typeof bodies)[number];
    await engine.idle();
    expect((await view('race-1')).body).toMatchObject({
      status: 'SUCCEEDED',
      request: { end_date: winner.end_date },
    });
  });

  it('concurrent posts of one new id with the same parameters: one run, every answer 202', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => post({ ...base, run_id: 'race-2' })));
    expect(replies.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(replies.map((r) => (r.body as { existing: boolean }).existing).sort()).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('recognises a run started by the CLI path (Plan registers it): 202 existing, 409 for others, its dataset kept', async () => {
    const deps = createPipelineDeps({ inputUri: lake, outputUri: out });
    await runPipeline(deps, {
      runId: 'cli-run-9',
      mode: 'full',
      startDate: '2024-01-01',
      endDate: '2024-01-02',
      referenceTimeMs: NOW,
      config: defaultConfig(),
      codeVersion: 'test',
    });
    const registered = JSON.parse(readFileSync(join(out, 'runs/cli-run-9/request.json'), 'utf8')) as {
      request: RunRequest;
    };
    expect(registered.request).toMatchObject({ mode: 'full', start_date: '2024-01-01', run_id: 'cli-run-9' });
    const part = join(out, 'datasets/run_id=cli-run-9/split=train/part-00000.parquet');
    const before = readFileSync(part);

    const same = await post({ ...base, run_id: 'cli-run-9' });
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({ run_id: 'cli-run-9', status: 'SUCCEEDED', existing: true });
    const other = await post({ ...base, end_date: '2024-01-03', run_id: 'cli-run-9' });
    expect(other.status).toBe(409);
    await engine.idle();
    expect(readFileSync(part)).toEqual(before);
  });

  it('the CLI path refuses an id registered with other parameters, naming them', async () => {
    const deps = createPipelineDeps({ inputUri: lake, outputUri: out });
    const err: unknown = await runPipeline(deps, {
      runId: 'cli-run-9',
      mode: 'full',
      startDate: '2024-01-02',
      endDate: '2024-01-02',
      referenceTimeMs: NOW,
      config: defaultConfig(),
      codeVersion: 'test',
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^run id cli-run-9 was already used with other parameters/);
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
  });

  it('a run known only by a manifest (written before runs registered) is never started again', async () => {
    mkdirSync(join(out, 'runs/legacy-1'), { recursive: true });
    writeFileSync(
      join(out, 'runs/legacy-1/manifest.json'),
      JSON.stringify({
        run_id: 'legacy-1',
        status: 'SUCCEEDED',
        mode: 'full',
        start_date: '2024-01-01',
        end_date: '2024-01-01',
        reference_time: '2024-02-01T02:00:00.000Z',
        outputs: [],
        split: null,
        as_of: '2024-01-02',
        error: null,
      }),
    );
    const reply = await post({ ...base, run_id: 'legacy-1' });
    expect(reply.status).toBe(409);
    expect(existsSync(join(out, 'runs/legacy-1/request.json'))).toBe(false);
  });
});

describe('one run writes an output root at a time', () => {
  it('a second run while one holds the root: 409 naming the holder, and its id stays free', async () => {
    const [a, b] = await Promise.all([
      post({ ...base, run_id: 'busy-a' }),
      post({ ...base, end_date: '2024-01-01', run_id: 'busy-b' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const loser = a.status === 409 ? 'busy-a' : 'busy-b';
    const refused = (a.status === 409 ? a : b).body as { detail: string };
    expect(refused.detail).toMatch(/^output root .* is in use by run busy-[ab] /);
    expect((await view(loser)).status).toBe(404);
    await engine.idle();
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
    // Once the root is free, the refused id starts.
    expect(
      (await post({ ...base, ...(loser === 'busy-b' ? { end_date: '2024-01-01' } : {}), run_id: loser }))
        .status,
    ).toBe(202);
  });

  it('the CLI path fails with a clear error while a posted run holds the root', async () => {
    expect((await post({ ...base, run_id: 'holder-1' })).status).toBe(202);
    const deps = createPipelineDeps({ inputUri: lake, outputUri: out });
    const err: unknown = await runPipeline(deps, {
      runId: 'cli-blocked',
      mode: 'full',
      startDate: '2024-01-01',
      endDate: '2024-01-01',
      referenceTimeMs: NOW,
      config: defaultConfig(),
      codeVersion: 'test',
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^output root .* is in use by run holder-1 \(since /);
    await engine.idle();
    expect((await view('holder-1')).body).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('a posted run that fails in Plan frees the root and is FAILED', async () => {
    // A sub-path of the lake with no snapshots: Plan fails after the lock and the registration.
    const reply = await post({ ...base, input_path: 'nothing-here', run_id: 'plan-fails' });
    expect(reply.status).toBe(202);
    await engine.idle();
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
    const failed = (await view('plan-fails')).body as { status: string; error: string };
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/^missing input: no product snapshot/);
  });

  it('a stale lock (its time is up) is taken over', async () => {
    writeFileSync(
      join(out, outputKeys.runLock),
      JSON.stringify({
        holder: 'dead-run',
        kind: 'run',
        taken_at: '2024-01-01T00:00:00.000Z',
        expires_at: '2024-01-02T00:00:00.000Z',
      }),
    );
    expect((await post({ ...base, run_id: 'after-dead' })).status).toBe(202);
    await engine.idle();
    expect((await view('after-dead')).body).toMatchObject({ status: 'SUCCEEDED' });
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
  });
});

describe('a run the engine could not start', () => {
  it('is not left registered: the failure is reported, the id and the root are free again', async () => {
    const failing: ExecutionEngine = {
      start: () => Promise.reject(new Error('StartExecution: ServiceUnavailable')),
      status: () => Promise.resolve(null),
    };
    const s = invoker(createStart(() => serviceWith(failing)));
    const reply = await s(httpEvent('POST /runs', { body: { ...base, run_id: 'never-1' } }));
    expect(reply.status).toBe(500);
    expect(existsSync(join(out, 'runs/never-1/request.json'))).toBe(false);
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
    expect((await list(httpEvent('GET /runs', { query: { limit: '100' } }))).status).toBe(200);
  });
});
