import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { LambdaEntry } from '../../adapters/local-state-machine';
import type { Settings } from '../../config';
import type { TaskState } from '../../state-machines/pipeline-definition';
import { type TaskWorkerData, type WorkerJob, type WorkerReply, errorOfReply } from './task-worker-main';

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  /** Ends the job when its Lambda's deadline passes (the worker is stopped, as Lambda ends its sandbox). */
  deadline: NodeJS.Timeout | undefined;
}

/** Idle workers are stopped after this long, so their heaps are gone before the next stage. */
const IDLE_MS = 300;

/** The worker heaps' young generation (V8's default is 16-32 MiB for a 64-bit heap of this size). */
const YOUNG_GENERATION_MB = 192;

/**
 * A pool of worker threads running Map iterations, so that they use every core on one machine:
 * the local counterpart of a Map state's parallel Lambda invocations. Each worker runs the same
 * exported Lambda `handler` of the state, with the same event. Workers start on demand and stop
 * when idle. The worker script is TypeScript, so the pool only runs where `tsx` is loaded (the CLIs).
 */
export class TaskWorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: { job: WorkerJob; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Pending>();
  private readonly live = new Set<Worker>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly settings: Settings,
  ) {}

  /**
   * The pool as a state's Lambda entry point. The worker's handler gets a Lambda context with the
   * same function name and deadline; past the deadline the worker is stopped and the call fails.
   */
  entry(state: TaskState): LambdaEntry {
    return (event: unknown, context: Context) =>
      new Promise<unknown>((resolve, reject) => {
        const job: WorkerJob = {
          state,
          event,
          functionName: context.functionName,
          remainingMs: context.getRemainingTimeInMillis(),
        };
        this.queue.push({ job, pending: { resolve, reject, deadline: undefined } });
        this.dispatch();
      });
  }

  private spawn(): Worker {
    const worker = new Worker(require.resolve('./task-worker-main.ts'), {
      workerData: { taskWorker: true, settings: this.settings } satisfies TaskWorkerData,
      // tsx's loader by its resolved file, so a run started from any folder finds it.
      execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
      // A Map iteration allocates one short-lived object per record: a young generation this size
      // (Lambda's heap has room for it too) keeps them out of the old space and cuts GC time.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    worker.on('message', (message: WorkerReply) => {
      const pending = this.inFlight.get(worker);
      this.inFlight.delete(worker);
      if (pending !== undefined) {
        clearTimeout(pending.deadline);
        if (message.error !== undefined) pending.reject(errorOfReply(message.error));
        else pending.resolve(message.result);
      }
      this.idle.push(worker);
      this.dispatch();
    });
    worker.on('error', (error) => {
      this.inFlight.get(worker)?.reject(error);
      this.inFlight.delete(worker);
      this.live.delete(worker);
    });
    // A worker that dies without answering (it could not start, or was killed) fails its job
    // rather than leaving the run waiting for it.
    worker.on('exit', (code) => {
      const pending = this.inFlight.get(worker);
      this.inFlight.delete(worker);
      this.live.delete(worker);
      if (pending === undefined) return;
      clearTimeout(pending.deadline);
      pending.reject(new Error(`a task worker thread exited (code ${code}) before answering`));
      this.dispatch();
    });
    this.live.add(worker);
    return worker;
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0 && (this.idle.length > 0 || this.live.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const { job, pending } = this.queue.shift() as (typeof this.queue)[number];
      this.inFlight.set(worker, pending);
      // The deadline counts from the Task's start, queueing included, as the Lambda context's does.
      pending.deadline = setTimeout(() => this.stopLate(worker, job), Math.max(1, job.remainingMs));
      worker.postMessage(job);
    }
    if (this.queue.length === 0 && this.inFlight.size === 0)
      this.idleTimer = setTimeout(() => void this.stopIdle(), IDLE_MS);
  }

  /** A job past its deadline: its worker is stopped (its heap and CPU freed) and the call fails. */
  private stopLate(worker: Worker, job: WorkerJob): void {
    const pending = this.inFlight.get(worker);
    if (pending === undefined) return;
    this.inFlight.delete(worker);
    this.live.delete(worker);
    void worker.terminate();
    pending.reject(
      new Error(
        `${job.state} in a worker thread ran past its ${job.functionName} deadline; the worker was stopped`,
      ),
    );
    this.dispatch();
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
