/**
 * The failure paths of the real pipeline definition (state-machines/pipeline.asl.json) with the
 * deployed handlers over a generated lake: the Retry of a transient error, and Catch →
 * RecordFailure → Fail with the FAILED manifest, for each shape of `Cause` AWS hands
 * RecordFailure (a function's JSON error payload, a plain-text timeout or limit, a failed Map
 * Run). Also: a normal run stays well within every AWS limit.
 */
import { createHash } from 'node:crypto';
import { AwsLimitError, HISTORY_EVENT_LIMIT, STATE_PAYLOAD_LIMIT_BYTES } from '../../adapters/aws-limits';
import type { Definition, ExecutionStats, LambdaEntry } from '../../adapters/local-state-machine';
import { MemoryLake } from '../../adapters/memory-lake';
import { PipelineError, StorageError } from '../../domain/errors';
import { readJson } from '../../domain/lake-json';
import { outputKeys } from '../../domain/lake-layout';
import type { RunManifest, RunOutcome } from '../../domain/pipeline/manifest';
import { deriveRunId } from '../../domain/pipeline/run-id';
import { type LocalRunOptions, TASK_HANDLERS } from '../../handlers/lib/pipeline-engine';
import { failureMessage } from '../../handlers/pipeline-record-failure';
import { generateLake } from '../../scripts/lib/generate/generate-lake';
import type { TaskState } from '../../state-machines/pipeline-definition';
import definition from '../../state-machines/pipeline.asl.json';
import { REFERENCE_TIME_MS, memoryDeps, relaxedConfig } from '../support/memory-pipeline';
import { runPipeline } from '../support/run-pipeline';

const UTF8 = new TextDecoder();
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A small generated lake: five days, 60 users. */
function lake(): Map<string, string> {
  const files = new Map<string, string>();
  generateLake(
    {
      days: 5,
      users: 60,
      products: 40,
      eventsPerDay: 250,
      seed: 9,
      startDate: '2024-01-01',
      clean: true,
      gzip: false,
    },
    (key, body) => files.set(key, typeof body === 'string' ? body : UTF8.decode(body)),
  );
  return files;
}

const FILES = lake();

/** What a run left: its outcome or error, the FAILED or SUCCEEDED manifest, and what RecordFailure was handed. */
interface Finished {
  readonly outcome: RunOutcome | null;
  readonly error: unknown;
  readonly manifest: RunManifest;
  readonly recordFailureEvent: { state: { error?: { Error: string; Cause: string } } } | null;
  readonly calls: Partial<Record<TaskState, number>>;
}

/** Runs the pipeline over a fresh output lake, with some handlers replaced. */
async function run(
  name: string,
  overrides: Partial<Record<TaskState, LambdaEntry>>,
  options: Omit<LocalRunOptions, 'overrides' | 'observe'> = {},
  files: ReadonlyMap<string, string> = FILES,
): Promise<Finished> {
  const output = new MemoryLake('output');
  const base = {
    mode: 'full' as const,
    startDate: '2024-01-01',
    endDate: '2024-01-04',
    referenceTimeMs: REFERENCE_TIME_MS,
    config: relaxedConfig(),
  };
  const runId = `${name}-${deriveRunId(base, sha256).slice(0, 12)}`;
  let recordFailureEvent: Finished['recordFailureEvent'] = null;
  const calls: Partial<Record<TaskState, number>> = {};
  const counted = Object.fromEntries(
    (Object.keys(TASK_HANDLERS) as TaskState[]).map((state) => {
      const handler = overrides[state] ?? TASK_HANDLERS[state];
      const entry: LambdaEntry = (event, context) => {
        calls[state] = (calls[state] ?? 0) + 1;
        return handler(event, context);
      };
      return [state, entry];
    }),
  );
  let outcome: RunOutcome | null = null;
  let error: unknown = null;
  try {
    outcome = await runPipeline(
      memoryDeps(new MemoryLake('input', new Map(files)), output),
      { ...base, runId, codeVersion: 'test', shardCount: 3 },
      {},
      {
        ...options,
        overrides: counted,
        observe: (state, event) => {
          if (state === 'RecordFailure') recordFailureEvent = event as Finished['recordFailureEvent'];
        },
      },
    );
  } catch (e) {
    error = e;
  }
  const manifest = await readJson<RunManifest>(output, outputKeys.manifest(runId));
  return { outcome, error, manifest, recordFailureEvent, calls };
}

/** A handler that fails its first call with `error`, then runs the deployed handler. */
function failingOnce(state: TaskState, error: Error): LambdaEntry {
  let failed = false;
  return (event, context) => {
    if (!failed) {
      failed = true;
      return Promise.reject(error);
    }
    return TASK_HANDLERS[state](event, context);
  };
}

/** The deployed definition with one Task's `TimeoutSeconds` changed. */
function withTimeout(state: 'Monitor', seconds: number): Definition {
  const copy = JSON.parse(JSON.stringify(definition)) as {
    States: Record<string, { TimeoutSeconds?: number }>;
  };
  (copy.States[state] as { TimeoutSeconds: number }).TimeoutSeconds = seconds;
  return copy as unknown as Definition;
}

describe('the Retry of the pipeline definition', () => {
  it('retries a Task that fails once with StorageError, and the run succeeds', async () => {
    const finished = await run(
      'retry',
      { FoldItems: failingOnce('FoldItems', new StorageError('SlowDown: reduce your request rate')) },
      {
        execution: { retryIntervalOverrides: { FoldItems: 0 } },
      },
    );
    expect(finished.error).toBeNull();
    expect(finished.manifest.status).toBe('SUCCEEDED');
    expect(finished.calls.FoldItems).toBe(2);
    expect(finished.recordFailureEvent).toBeNull();
  });

  it('retries a Map iteration (a Distributed Map child) the same way', async () => {
    let failures = 0;
    const flakyDay: LambdaEntry = (event, context) => {
      if ((event as { date: string }).date === '2024-01-02' && failures === 0) {
        failures += 1;
        return Promise.reject(new StorageError('InternalError: try again'));
      }
      return TASK_HANDLERS.ValidateCleanDay(event, context);
    };
    const finished = await run(
      'retry-day',
      { ValidateCleanDay: flakyDay },
      {
        execution: { retryIntervalOverrides: { ValidateCleanDay: 0 } },
      },
    );
    expect(finished.manifest.status).toBe('SUCCEEDED');
    expect(finished.calls.ValidateCleanDay).toBe(5);
  });

  it('does not retry an error outside its list: the run is recorded FAILED at once', async () => {
    const finished = await run('no-retry', {
      FoldItems: failingOnce('FoldItems', new PipelineError('bad plan')),
    });
    expect(finished.calls.FoldItems).toBe(1);
    expect(finished.manifest.status).toBe('FAILED');
  });
});

describe('Catch → RecordFailure → Fail', () => {
  it("hands RecordFailure Lambda's JSON error payload for a handler error; the FAILED manifest has its message", async () => {
    const failure = new PipelineError('publish refused: the online table is read-only', { stage: 'Publish' });
    const finished = await run('catch', { Publish: () => Promise.reject(failure) });
    // The run's own error is the handler's, class and message intact.
    expect(finished.error).toBe(failure);
    const caught = finished.recordFailureEvent?.state.error;
    expect(caught?.Error).toBe('PipelineError');
    const cause = JSON.parse(caught?.Cause ?? '') as {
      errorType: string;
      errorMessage: string;
      trace: string[];
    };
    expect(cause).toEqual({
      errorType: 'PipelineError',
      errorMessage: 'publish refused: the online table is read-only',
      trace: expect.arrayContaining([expect.stringMatching(/^PipelineError: publish refused/)]) as unknown,
    });
    expect(failureMessage(caught)).toBe('publish refused: the online table is read-only');
    expect(finished.manifest).toMatchObject({
      status: 'FAILED',
      error: 'publish refused: the online table is read-only',
      outputs: [],
    });
    // The stages that completed before the failure are in the manifest.
    expect(finished.manifest.days.map((d) => d.date)).toEqual([
      '2024-01-01',
      '2024-01-02',
      '2024-01-03',
      '2024-01-04',
    ]);
  });

  it('hands RecordFailure a plain-text Cause for a timeout (States.Timeout)', async () => {
    const slow: LambdaEntry = () => new Promise((resolve) => setTimeout(() => resolve({}), 1_500));
    const finished = await run('timeout', { Monitor: slow }, { definition: withTimeout('Monitor', 1) });
    const line = "Monitor timed out after 1 s (its TimeoutSeconds, the Lambda's timeout)";
    expect(finished.recordFailureEvent?.state.error).toEqual({ Error: 'States.Timeout', Cause: line });
    expect(finished.manifest).toMatchObject({ status: 'FAILED', error: line });
    expect((finished.error as AwsLimitError).message).toBe(`States.Timeout: ${line}`);
  });

  it('catches States.DataLimitExceeded by its name (States.ALL would not) and records it', async () => {
    const huge: LambdaEntry = async () => ({ alerts: 'a'.repeat(STATE_PAYLOAD_LIMIT_BYTES) });
    const finished = await run('data-limit', { Monitor: huge });
    const cause =
      "The state/task 'Monitor' returned a result with a size exceeding the maximum number of bytes service limit.";
    expect(finished.recordFailureEvent?.state.error).toEqual({
      Error: 'States.DataLimitExceeded',
      Cause: cause,
    });
    expect(finished.manifest).toMatchObject({ status: 'FAILED', error: cause });
    expect((finished.error as AwsLimitError).error).toBe('States.DataLimitExceeded');
  });

  it("records a failed Map iteration with the iteration's own error, though AWS's Cause names none", async () => {
    // A day whose object is not the gzip its name says: the deployed handler fails on it.
    const corrupt = new Map(FILES);
    corrupt.set('raw/interactions/year=2024/month=01/day=03/part-99999.jsonl.gz', 'not gzip at all');
    const finished = await run('map-run', {}, {}, corrupt);
    expect((finished.error as Error).message).toContain('part-99999.jsonl.gz');
    // What AWS hands RecordFailure when an iteration fails: no word of which, or why.
    expect(finished.recordFailureEvent?.state.error).toEqual({
      Error: 'States.ExceedToleratedFailureThreshold',
      Cause: 'The specified tolerated failure threshold was exceeded',
    });
    // The iteration recorded its failure before failing, so the FAILED manifest names the day and the error.
    expect(finished.manifest.status).toBe('FAILED');
    expect(finished.manifest.error).toMatch(/^ValidateCleanDay\/2024-01-03: .*part-99999\.jsonl\.gz/);
  });

  it('falls back to the Map Run cause when no iteration recorded a failure', async () => {
    const bare: LambdaEntry = (event, context) =>
      (event as { date: string }).date === '2024-01-03'
        ? Promise.reject(new PipelineError('crashed before it could record anything'))
        : TASK_HANDLERS.ValidateCleanDay(event, context);
    const finished = await run('map-bare', { ValidateCleanDay: bare });
    expect(finished.manifest).toMatchObject({
      status: 'FAILED',
      error: 'The specified tolerated failure threshold was exceeded',
    });
  });
});

describe('a normal run', () => {
  it("stays far within Step Functions' payload and history limits", async () => {
    const stats: ExecutionStats[] = [];
    const finished = await run('within', {}, { execution: { observe: (s) => stats.push(s) } });
    expect(finished.manifest.status).toBe('SUCCEEDED');
    const root = stats.find((s) => s.execution === 'execution');
    const children = stats.filter((s) => s.execution !== 'execution');
    // 4 ValidateCleanDay days, 3 FoldUsers shards, 4 AssembleDays days: one child execution each.
    expect(children).toHaveLength(11);
    // Started, 5 Tasks of 5 events, 3 Distributed Maps of 4, succeeded.
    expect(root?.historyEvents).toBe(39);
    for (const child of children) expect(child.historyEvents).toBe(7);
    const largest = Math.max(...stats.map((s) => s.largestPayloadBytes));
    expect(largest).toBeLessThan(STATE_PAYLOAD_LIMIT_BYTES / 64);
    expect(Math.max(...stats.map((s) => s.historyEvents))).toBeLessThan(HISTORY_EVENT_LIMIT / 500);
  });
});
