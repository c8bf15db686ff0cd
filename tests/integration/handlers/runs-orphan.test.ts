/**
 * Runs whose execution was never started, against a local stand-in of the Step Functions API
 * (tests/support/aws-stand-ins.ts: its JSON protocol over HTTP, StartExecution, DescribeExecution and
 * their AWS error shapes),
 * driven through the real SDK client and `StepFunctionsEngine`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { lakeFromUri } from '../../../adapters/lake-from-uri';
import { StepFunctionsEngine } from '../../../adapters/step-functions';
import { outputKeys } from '../../../domain/lake-layout';
import { RunControl } from '../../../domain/pipeline/run-control';
import { createHandler as createGet } from '../../../handlers/runs-get';
import { createHandler as createList } from '../../../handlers/runs-list';
import { createHandler as createStart } from '../../../handlers/runs-start';
import type { RunsService } from '../../../handlers/lib/runs-service';
import { RUN_TIMEOUT_SECONDS } from '../../../state-machines/pipeline-definition';
import { type StepFunctionsStandIn, startStepFunctionsStandIn } from '../../support/aws-stand-ins';
import { httpEvent, invoker } from '../../support/http-events';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:pipeline';
const NOW = Date.UTC(2024, 1, 1, 2);

let dir: string;
let out: string;
let sfn: StepFunctionsStandIn;
let client: SFNClient;
let service: RunsService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runs-orphan-'));
  out = join(dir, 'lake', 'processed');
  // Executions that never end: a started run stays RUNNING.
  sfn = await startStepFunctionsStandIn({ stateMachineArns: [ARN], execute: () => new Promise(() => {}) });
  client = new SFNClient({
    endpoint: sfn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  service = {
    control: new RunControl(
      lakeFromUri(out),
      (uri) => lakeFromUri(uri),
      new StepFunctionsEngine(client, ARN),
      {
        clock: () => NOW,
        inputUri: join(dir, 'lake'),
        runMaxSeconds: RUN_TIMEOUT_SECONDS,
      },
    ),
    roots: { inputUri: join(dir, 'lake'), outputUri: out },
    clock: () => NOW,
    maxRunDays: 730,
  };
});
afterAll(async () => {
  client.destroy();
  await sfn.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = invoker(createStart(() => service));
const get = invoker(createGet(() => service));
const list = invoker(createList(() => service));
const body = { mode: 'full', start_date: '2024-01-01', end_date: '2024-01-02', now: '2024-02-01T02:00:00Z' };

describe('a run record without an execution', () => {
  it('GET /runs answers 200 with the orphan FAILED, saying its execution was never started', async () => {
    // What an earlier version left when StartExecution failed after the record was written.
    mkdirSync(join(out, 'runs/orphan-1'), { recursive: true });
    writeFileSync(
      join(out, 'runs/orphan-1/request.json'),
      JSON.stringify({
        run_id: 'orphan-1',
        request: { ...body, run_id: 'orphan-1' },
        output_uri: out,
        started_at: '2024-02-01T01:00:00.000Z',
      }),
    );
    expect((await start(httpEvent('POST /runs', { body: { ...body, run_id: 'live-1' } }))).status).toBe(202);

    const listed = await list(httpEvent('GET /runs', { query: { limit: '10' } }));
    expect(listed.status).toBe(200);
    const runs = (listed.body as { runs: { run_id: string; status: string; error: string | null }[] }).runs;
    expect(runs.map((r) => [r.run_id, r.status])).toEqual([
      ['live-1', 'RUNNING'],
      ['orphan-1', 'FAILED'],
    ]);
    expect(runs[1]?.error).toBe(
      'run orphan-1 has no manifest and nothing runs it: its execution was never started, ' +
        'or it stopped before CommitRun or RecordFailure',
    );
    const one = await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'orphan-1' } }));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ status: 'FAILED' });
  });

  it('a run a schedule started (an execution of another name) is RUNNING while it holds its root', async () => {
    // What its Plan task leaves: the registration and the root's lock, both naming the run.
    mkdirSync(join(out, 'runs/full-20240101-20240102-abc'), { recursive: true });
    writeFileSync(
      join(out, 'runs/full-20240101-20240102-abc/request.json'),
      JSON.stringify({
        run_id: 'full-20240101-20240102-abc',
        request: { mode: 'full', schedule: 'weekly', run_id: 'full-20240101-20240102-abc' },
        output_uri: out,
        started_at: '2024-02-01T01:30:00.000Z',
      }),
    );
    const held = readFileSync(join(out, outputKeys.runLock), 'utf8');
    writeFileSync(
      join(out, outputKeys.runLock),
      JSON.stringify({
        holder: 'full-20240101-20240102-abc',
        kind: 'run',
        taken_at: '2024-02-01T01:30:00.000Z',
        expires_at: '2024-02-02T01:30:00.000Z',
      }),
    );
    const one = await get(
      httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'full-20240101-20240102-abc' } }),
    );
    expect(one.body).toMatchObject({ status: 'RUNNING', error: null });
    writeFileSync(join(out, outputKeys.runLock), held);
  });

  it('POST /runs whose StartExecution fails reports it and leaves no record; the same request then starts', async () => {
    // live-1 still holds the root (its execution is RUNNING): free it as its CommitRun would.
    rmSync(join(out, outputKeys.runLock));
    sfn.failNext('StartExecution', { code: 'ServiceUnavailable', message: 'try later', status: 503 });
    const failed = await start(httpEvent('POST /runs', { body: { ...body, run_id: 'retry-1' } }));
    expect(failed.status).toBe(500);
    expect(existsSync(join(out, outputKeys.runRequest('retry-1')))).toBe(false);
    expect(
      (await get(httpEvent('GET /runs/{run_id}', { pathParameters: { run_id: 'retry-1' } }))).status,
    ).toBe(404);
    expect(existsSync(join(out, outputKeys.runLock))).toBe(false);
    const again = await start(httpEvent('POST /runs', { body: { ...body, run_id: 'retry-1' } }));
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ run_id: 'retry-1', existing: false });
    expect(sfn.executions.get(`${ARN.replace(':stateMachine:', ':execution:')}:retry-1`)?.status).toBe(
      'RUNNING',
    );
  });
});
