import { lakeFromUri } from '../../adapters/lake-from-uri';
import { createS3Client } from '../../adapters/s3-lake';
import { getSettings } from '../../config';
import type { Lake } from '../../domain/ports';
import { cachedDepsFor, deployedPipelineTasks } from './pipeline-tasks';
import { configuredLakeUris } from './http';
import { runPipelineLocally } from './local-pipeline';
import { LocalEngine, RunControl, StepFunctionsEngine, createSfnClient } from './run-control';

/** The lake roots runs may use, and the service's defaults. */
export interface RunRoots {
  readonly inputUri: string;
  readonly outputUri: string;
}

/** What the runs routes are built from; tests build their own. */
export interface RunsService {
  readonly control: RunControl;
  readonly roots: RunRoots;
  readonly clock: () => number;
}

let service: RunsService | undefined;

/**
 * The runs service as configured: the deployed state machine when `STATE_MACHINE_ARN` is set,
 * else the in-process engine running the same definition.
 */
export function configuredRunsService(): RunsService {
  if (service === undefined) {
    const settings = getSettings();
    const roots = configuredLakeUris(settings);
    const s3 =
      roots.inputUri.startsWith('s3://') || roots.outputUri.startsWith('s3://')
        ? createS3Client(settings.s3)
        : undefined;
    const lake = (uri: string): Lake => lakeFromUri(uri, s3 === undefined ? {} : { s3Client: s3 });
    const engine =
      settings.stateMachineArn !== undefined
        ? new StepFunctionsEngine(createSfnClient(settings.s3.region), settings.stateMachineArn)
        : new LocalEngine((request) =>
            runPipelineLocally(
              deployedPipelineTasks(),
              request,
              cachedDepsFor(() => undefined),
            ),
          );
    service = {
      control: new RunControl(lake(roots.outputUri), lake, engine),
      roots,
      clock: () => Date.now(),
    };
  }
  return service;
}
