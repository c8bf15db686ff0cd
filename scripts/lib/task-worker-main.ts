/** Worker-thread entry of `TaskWorkerPool`: runs a state's Lambda handler for each event it receives. */
import { parentPort, workerData } from 'node:worker_threads';
import { lambdaContext } from '../../adapters/local-state-machine';
import type { Settings } from '../../config';
import { ERROR_CODES, type ErrorCode, PipelineError } from '../../domain/errors';
import { TASK_HANDLERS } from '../../handlers/lib/pipeline-engine';
import type { TaskState } from '../../state-machines/pipeline-definition';
import { useWiring } from '../../wiring';

/** One Map iteration for a worker: the state, its event, and its Lambda's name and remaining time. */
export interface WorkerJob {
  readonly state: TaskState;
  readonly event: unknown;
  readonly functionName: string;
  readonly remainingMs: number;
}

/** A handler's error across the thread boundary: its name (what Retry and Catch match), message, stack and code. */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: ErrorCode;
}

/** A worker's answer to a job. */
export interface WorkerReply {
  readonly result?: unknown;
  readonly error?: WorkerError;
}

/** The handler's error as the worker sends it. */
function replyOfError(error: unknown): WorkerError {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    code: e instanceof PipelineError ? e.code : ERROR_CODES.pipeline,
  };
}

/** The worker's error again in the main thread, with the handler's name, message and stack (a `StorageError` is retried). */
export function errorOfReply(reply: WorkerError): PipelineError {
  const error = new PipelineError(reply.message, {}, reply.code);
  error.name = reply.name;
  if (reply.stack !== undefined) error.stack = reply.stack;
  return error;
}

/** What the pool hands each worker it starts. */
export interface TaskWorkerData {
  readonly taskWorker: true;
  readonly settings: Settings;
}

// Only a worker the pool started runs jobs (the main thread imports this module for its types).
const data = workerData as Partial<TaskWorkerData> | null;
if (data?.taskWorker === true && data.settings !== undefined) {
  useWiring({ settings: data.settings, log: () => undefined });
  parentPort?.on('message', (job: WorkerJob) => {
    const context = lambdaContext(job.functionName, job.remainingMs / 1000);
    TASK_HANDLERS[job.state](job.event, context).then(
      (result) => parentPort?.postMessage({ result } satisfies WorkerReply),
      (error: unknown) => parentPort?.postMessage({ error: replyOfError(error) } satisfies WorkerReply),
    );
  });
}
