import { Worker } from 'node:worker_threads';
import { type ErrorCode, PipelineError } from '../domain/errors';
import type { DaySummary } from '../domain/pipeline/day-stage';
import type { RunRef } from '../domain/pipeline/run-request';
import type { S3ClientOptions } from './s3-lake';

/** What a worker needs to rebuild the storage ports on its side of the thread boundary. */
export interface DayWorkerSetup {
  readonly inputUri: string;
  readonly outputUri: string;
  readonly s3?: S3ClientOptions;
}

/** One day of a run. */
export interface DayJob {
  readonly run: RunRef;
  readonly date: string;
}

interface Pending {
  resolve: (summary: DaySummary) => void;
  reject: (error: Error) => void;
}

/**
 * A pool of worker threads running the per-day stage (validate + clean), so that days use every
 * core on one machine — the local counterpart of the Step Functions Map state. The worker script
 * is TypeScript, so the pool only starts where `tsx` is loaded (the CLIs); elsewhere callers keep
 * the in-process runner.
 */
export class DayWorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { job: DayJob; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Pending>();

  constructor(size: number, setup: DayWorkerSetup) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(require.resolve('./day-worker-main.ts'), {
        workerData: setup,
        execArgv: ['--import', 'tsx'],
      });
      worker.on(
        'message',
        (message: { summary?: DaySummary; error?: { message: string; code: ErrorCode } }) => {
          const pending = this.inFlight.get(worker);
          this.inFlight.delete(worker);
          if (pending !== undefined) {
            if (message.error !== undefined)
              pending.reject(new PipelineError(message.error.message, {}, message.error.code));
            else pending.resolve(message.summary as DaySummary);
          }
          this.release(worker);
        },
      );
      worker.on('error', (error) => {
        this.inFlight.get(worker)?.reject(error);
        this.inFlight.delete(worker);
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** The pool as the ValidateCleanDay task. */
  readonly runDay = (job: DayJob): Promise<DaySummary> =>
    new Promise<DaySummary>((resolve, reject) => {
      this.queue.push({ job, pending: { resolve, reject } });
      this.dispatch();
    });

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const job = this.queue.shift() as (typeof this.queue)[number];
      this.inFlight.set(worker, job.pending);
      worker.postMessage(job.job);
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
