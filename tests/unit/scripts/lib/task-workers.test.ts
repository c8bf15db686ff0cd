/**
 * Map iterations on worker threads (the CLIs' path) get what an in-process Task gets: the
 * handler's error with its name (what Retry and Catch match), and a Lambda deadline, past which
 * the worker is stopped as Lambda ends its sandbox.
 */
import { tmpdir } from 'node:os';
import { lambdaContext } from '../../../../adapters/local-state-machine';
import { StorageError } from '../../../../domain/errors';
import { TaskWorkerPool } from '../../../../scripts/lib/task-workers';
import { errorOfReply } from '../../../../scripts/lib/task-worker-main';
import { relaxedConfig } from '../../../support/memory-pipeline';
import { testSettings } from '../../../support/run-pipeline';

describe('TaskWorkerPool', () => {
  const pool = new TaskWorkerPool(1, testSettings(relaxedConfig(), { inputUri: tmpdir() }));
  afterAll(() => pool.close());

  it("rejects with the handler's error, its name kept", async () => {
    const error = await pool
      .entry('ValidateCleanDay')({ not: 'an event' }, lambdaContext('pipeline-validate-clean-day', 60))
      .catch((e: unknown) => e as Error);
    expect((error as Error).name).toBe('InvalidArgumentError');
    expect((error as Error).message).toMatch(/ValidateCleanDay event/);
    expect((error as Error).stack).toMatch(/^InvalidArgumentError: /);
  });

  it('stops a worker whose job runs past its deadline', async () => {
    // A new worker takes far longer than 50 ms to load the handlers: its first job is late.
    const cold = new TaskWorkerPool(1, testSettings(relaxedConfig(), { inputUri: tmpdir() }));
    const error = await cold
      .entry('FoldItems')({ run: {} }, lambdaContext('pipeline-fold-items', 0.05))
      .catch((e: unknown) => e as Error);
    expect((error as Error).message).toBe(
      'FoldItems in a worker thread ran past its pipeline-fold-items deadline; the worker was stopped',
    );
    // The pool starts a new worker for the next job.
    const next = await cold
      .entry('ValidateCleanDay')({}, lambdaContext('pipeline-validate-clean-day', 60))
      .catch((e: unknown) => e as Error);
    expect((next as Error).name).toBe('InvalidArgumentError');
    await cold.close();
  });

  it('carries a StorageError across the thread boundary as a StorageError by name (the ASL retries it)', () => {
    const original = new StorageError('SlowDown');
    const again = errorOfReply({
      name: original.name,
      message: original.message,
      stack: original.stack,
      code: original.code,
    });
    expect(again.name).toBe('StorageError');
    expect(again.code).toBe('STORAGE_ERROR');
  });
});
