/** `runs wait`: polls `GET /runs/{run_id}` until the run has ended. */
import { type ApiClient, ApiError, NoAnswerError } from './api-client';
import { apiCalls } from './requests';

/** The fields of `GET /runs/{run_id}` the wait reads (domain/pipeline/run-control.ts, `RunView`). */
export interface RunStatusView {
  readonly run_id: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly stages?: readonly unknown[];
  readonly error?: string | null;
}

/** The run was still RUNNING when the wait's time was up. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly runId: string,
    readonly timeoutMs: number,
  ) {
    super(`run ${runId} is still RUNNING after ${timeoutMs / 1000} s (--timeout); it goes on without us`);
    this.name = 'WaitTimeoutError';
  }
}

/** How to wait. */
export interface WaitOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Progress lines (stderr). */
  readonly log: (line: string) => void;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Polls of one wait that may fail in a row before the wait gives up: a blip of the network, a
 * throttled or failing gateway must not end a wait of an hour, but an API that is gone should.
 */
export const MAX_CONSECUTIVE_FAILURES = 5;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isTransient(error: unknown): boolean {
  return error instanceof NoAnswerError || (error instanceof ApiError && error.transient);
}

/**
 * Resolves with the run's view once its status is SUCCEEDED or FAILED (the caller decides what
 * FAILED means to it); throws WaitTimeoutError when the time is up, and the API's error when the
 * run is unknown (404) or the API keeps failing.
 */
export async function waitForRun(
  client: ApiClient,
  runId: string,
  options: WaitOptions,
): Promise<RunStatusView> {
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = clock() + options.timeoutMs;
  let failures = 0;
  let last = '';
  for (;;) {
    try {
      const view = (await client.send(apiCalls.getRun(runId))) as RunStatusView;
      failures = 0;
      if (view.status !== 'RUNNING') return view;
      const progress = `run ${runId}: RUNNING, ${view.stages?.length ?? 0} stage records`;
      if (progress !== last) options.log(progress);
      last = progress;
    } catch (error) {
      failures += 1;
      if (!isTransient(error) || failures >= MAX_CONSECUTIVE_FAILURES) throw error;
      options.log(
        `run ${runId}: ${(error as Error).message} (asking again, ${failures} of ${MAX_CONSECUTIVE_FAILURES})`,
      );
    }
    const left = deadline - clock();
    if (left <= 0) throw new WaitTimeoutError(runId, options.timeoutMs);
    await sleep(Math.min(options.intervalMs, left));
  }
}
