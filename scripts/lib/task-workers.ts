import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { LambdaEntry } from '../../adapters/local-state-machine';
import type { Settings } from '../../config';
import { type ErrorCode, PipelineError } from '../../domain/errors';
import type { TaskState } from '../../state-machines/pipeline-definition';

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
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
  private readonly queue: { state: TaskState; event: unknown; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Pending>();
  private readonly live = new Set<Worker>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly settings: Settings,
  ) {}

  /** The pool as a state's Lambda entry point. */
  entry(state: TaskState): LambdaEntry {
    return (event: unknown, _context: Context) =>
      new Promise<unknown>((resolve, reject) => {
        this.queue.push({ state, event, pending: { resolve, reject } });
        this.dispatch();
      });
  }

  private spawn(): Worker {
    const worker = new Worker(require.resolve('./task-worker-main.ts'), {
      workerData: { settings: this.settings },
      execArgv: ['--import', 'tsx'],
      // A Map iteration allocates one short-lived object per record: a young generation this size
      // (Lambda's heap has room for it too) keeps them out of the old space and cuts GC time.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    worker.on('message', (message: { result?: unknown; error?: { message: string; code: ErrorCode } }) => {
      const pending = this.inFlight.get(worker);
      this.inFlight.delete(worker);
      if (pending !== undefined) {
        if (message.error !== undefined)
          pending.reject(new PipelineError(message.error.message, {}, message.error.code));
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
    this.live.add(worker);
    return worker;
  }

  private dispatch(): void {
    clearTimeout(this.idleTimer);
    while (this.queue.length > 0 && (this.idle.length > 0 || this.live.size < this.size)) {
      const worker = this.idle.pop() ?? this.spawn();
      const job = this.queue.shift() as (typeof this.queue)[number];
      this.inFlight.set(worker, job.pending);
      worker.postMessage({ state: job.state, event: job.event });
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
