/** Worker-thread entry of `TaskWorkerPool`: runs a state's Lambda handler for each event it receives. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { Settings } from '../../config';
import { ERROR_CODES, PipelineError } from '../../domain/errors';
import { TASK_HANDLERS } from '../../handlers/lib/pipeline-engine';
import type { TaskState } from '../../state-machines/pipeline-definition';
import { useWiring } from '../../wiring';

useWiring({ settings: (workerData as { settings: Settings }).settings, log: () => undefined });

parentPort?.on('message', (job: { state: TaskState; event: unknown }) => {
  TASK_HANDLERS[job.state](job.event, {} as Context).then(
    (result) => parentPort?.postMessage({ result }),
    (error: Error) =>
      parentPort?.postMessage({
        error: {
          message: error.message,
          code: error instanceof PipelineError ? error.code : ERROR_CODES.pipeline,
        },
      }),
  );
});
