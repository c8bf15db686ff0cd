/** Worker-thread entry of `DayWorkerPool`: runs the per-day stage for each message it receives. */
import { parentPort, workerData } from 'node:worker_threads';
import { ERROR_CODES, PipelineError } from '../domain/errors';
import { dayTask } from '../domain/pipeline/tasks';
import type { DayJob } from './day-workers';
import type { DayWorkerSetup } from './day-workers';
import { createPipelineDeps } from './pipeline-deps';
import { createS3Client } from './s3-lake';

const setup = workerData as DayWorkerSetup;
const usesS3 = setup.inputUri.startsWith('s3://') || setup.outputUri.startsWith('s3://');
const deps = createPipelineDeps({
  inputUri: setup.inputUri,
  outputUri: setup.outputUri,
  ...(usesS3 ? { s3Client: createS3Client(setup.s3 ?? {}) } : {}),
});

parentPort?.on('message', (job: DayJob) => {
  dayTask(deps, job).then(
    (summary) => parentPort?.postMessage({ summary }),
    (error: Error) =>
      parentPort?.postMessage({
        error: {
          message: error.message,
          code: error instanceof PipelineError ? error.code : ERROR_CODES.pipeline,
        },
      }),
  );
});
