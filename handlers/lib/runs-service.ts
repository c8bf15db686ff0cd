import { LocalEngine } from '../../adapters/local-state-machine';
import { StepFunctionsEngine } from '../../adapters/step-functions';
import { type ExecutionEngine, RunControl } from '../../domain/pipeline/run-control';
import type { RunRoots } from '../../domain/pipeline/run-request';
import { wiring } from '../../wiring';
import { runPipelineLocally } from './pipeline-engine';

/** What the runs routes are built from; tests build their own. */
export interface RunsService {
  readonly control: RunControl;
  readonly roots: RunRoots;
  readonly clock: () => number;
  /** The most days one run may cover (`MAX_RUN_DAYS`). */
  readonly maxRunDays: number;
}

let service: RunsService | undefined;

/**
 * The runs service as configured: the deployed state machine when `STATE_MACHINE_ARN` is set,
 * else the in-process engine running the same definition and handlers.
 */
export function configuredRunsService(): RunsService {
  if (service === undefined) {
    const w = wiring();
    const arn = w.settings.stateMachineArn;
    const engine: ExecutionEngine =
      arn !== undefined
        ? new StepFunctionsEngine(w.stepFunctions(), arn)
        : new LocalEngine((request) => runPipelineLocally(request));
    service = {
      control: new RunControl(w.lake(w.roots.outputUri), w.lake, engine, {
        clock: w.now,
        inputUri: w.roots.inputUri,
        runMaxSeconds: w.taskContext.runMaxSeconds,
      }),
      roots: w.roots,
      clock: w.now,
      maxRunDays: w.settings.maxRunDays,
    };
  }
  return service;
}
