/**
 * A run that fails leaves its output root clean and free: through the state machine (Catch →
 * RecordFailure → Fail), a failing stage leaves a FAILED manifest, no staging and no lock; a run
 * that fails in Plan frees the root too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPipelineDeps } from '../../adapters/pipeline-deps';
import { defaultConfig } from '../../domain/config';
import { readJson } from '../../domain/lake-json';
import { outputKeys } from '../../domain/lake-layout';
import type { RunManifest } from '../../domain/pipeline/manifest';
import type { PipelineDeps } from '../../domain/pipeline/deps';
import { TASK_HANDLERS } from '../../handlers/lib/pipeline-engine';
import { runPipeline } from '../support/run-pipeline';
import { writeLake } from '../support/http-events';

const NOW = Date.UTC(2024, 1, 1, 2);
let dir: string;
let deps: PipelineDeps;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-failure-'));
  writeLake(join(dir, 'lake'));
  deps = createPipelineDeps({ inputUri: join(dir, 'lake'), outputUri: join(dir, 'lake', 'processed') });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const params = (runId: string, startDate = '2024-01-01') => ({
  runId,
  mode: 'full' as const,
  startDate,
  endDate: '2024-01-03',
  referenceTimeMs: NOW,
  config: defaultConfig(),
  codeVersion: 'test',
});

describe('a failed run', () => {
  it('removes its staging and frees the root after a stage fails (RecordFailure)', async () => {
    let stagedWhenFoldUsersRan = 0;
    const err: unknown = await runPipeline(
      deps,
      params('fails-in-fold'),
      {},
      {
        overrides: {
          FoldUsers: async () => {
            stagedWhenFoldUsersRan = (await deps.output.list(outputKeys.stagingPrefix('fails-in-fold')))
              .length;
            throw new Error('shard fold crashed');
          },
        },
      },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('shard fold crashed');
    // The days were staged before the failure, and none of it is left.
    expect(stagedWhenFoldUsersRan).toBeGreaterThan(0);
    expect(await deps.output.list(outputKeys.stagingPrefix('fails-in-fold'))).toEqual([]);
    expect(await deps.output.list(outputKeys.runLock)).toEqual([]);
    const manifest = await readJson<RunManifest>(deps.output, outputKeys.manifest('fails-in-fold'));
    // The override bypasses the deployed handler's failure record, so the manifest says what AWS's
    // failed Map says (pipeline-failure-paths.test.ts checks the recorded iteration error).
    expect(manifest).toMatchObject({
      status: 'FAILED',
      error: 'The specified tolerated failure threshold was exceeded',
    });

    // The root is free: the next run takes it and succeeds.
    const next = await runPipeline(
      deps,
      params('after-failure'),
      {},
      { overrides: { FoldUsers: TASK_HANDLERS.FoldUsers } },
    );
    expect(next.manifest.status).toBe('SUCCEEDED');
    expect(await deps.output.list(outputKeys.runLock)).toEqual([]);
  });

  it('frees the root when it fails in Plan (no run pointer reaches RecordFailure)', async () => {
    // An input lake without snapshots: Plan fails after it took the lock and registered the run.
    const empty = createPipelineDeps({ inputUri: join(dir, 'empty'), outputUri: deps.output.uri });
    const err: unknown = await runPipeline(empty, params('fails-in-plan')).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^missing input: no product snapshot/);
    expect(await deps.output.list(outputKeys.runLock)).toEqual([]);
    expect(await deps.output.list(outputKeys.plan('fails-in-plan'))).toEqual([]);
  });
});
