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

/** Idle workers are stopped after this long, so their heaps are gone before the build stage. */
const IDLE_MS = 300;

/**
 * A pool of worker threads running the per-day stage (validate + clean), so that days use every
 * core on one machine — the local counterpart of the Step Functions Map state. Workers start on
 * demand and stop when idle, so their memory is returned before the fold. The worker script is
 * TypeScript, so the pool only starts where `tsx` is loaded (the CLIs); elsewhere callers keep
 * the in-process runner.
 */
export class DayWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: { job: DayJob; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Pending>();
  private readonly live = new Set<Worker>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly setup: DayWorkerSetup,
  ) {}

  /** The pool as the ValidateCleanDay task. */
  readonly runDay = (job: DayJob): Promise<DaySummary> =>
    new Promise<DaySummary>((resolve, reject) => {
      this.queue.push({ job, pending: { resolve, reject } });
      this.dispatch();
    });

  private spawn(): Worker {
    const worker = new Worker(require.resolve('./day-worker-main.ts'), {
      workerData: this.setup,
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
        this.idle.push(worker);
        this.dispatch();
      },
    );
    worker.on('error', (error) => {
      this.inFlight.get(worker)?.reject(error);
      this.inFlight.delete(worker);
      this.live.delete(worker);
    });
    this.live.add(worker);
    return worker;
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0 && (this.idle.length > 0 || this.live.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const job = this.queue.shift() as (typeof this.queue)[number];
      this.inFlight.set(worker, job.pending);
      worker.postMessage(job.job);
    }
    if (this.queue.length === 0 && this.inFlight.size === 0)
      this.idleTimer = setTimeout(() => void this.stopIdle(), IDLE_MS);
  }

  private async stopIdle(): Promise<void> {
    const stopping = this.idle.splice(0);
    for (const w of stopping) this.live.delete(w);
    await Promise.all(stopping.map((w) => w.terminate()));
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const all = [...this.live];
    this.live.clear();
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }
}
