import { executeStateMachine } from '../../adapters/local-state-machine';
import type { PipelineDeps, RunParams } from '../../domain/pipeline/deps';
import { describeDay } from '../../domain/pipeline/day-stage';
import { type RunOutcome, type RunManifest } from '../../domain/pipeline/manifest';
import type { RunRequest } from '../../domain/pipeline/run-request';
import type { MonitorOutput } from '../../domain/pipeline/tasks';
import { formatTimestamp } from '../../domain/time';
import definition from '../../state-machines/pipeline.asl.json';
import { type PipelineTasks, createPipelineTasks, skipPublish } from './pipeline-tasks';

/** The Task states of the definition and the task that runs each (a test checks them against the ASL). */
export const TASK_STATES = {
  Plan: 'plan',
  ValidateCleanDay: 'processDay',
  BuildFeatures: 'build',
  Publish: 'publish',
  Monitor: 'monitor',
  RecordFailure: 'recordFailure',
} as const satisfies Record<string, keyof PipelineTasks>;

/**
 * Runs the pipeline on one machine: the same ASL definition as on AWS, executed in-process, each
 * Task resolved to its handler. Returns the manifest the Monitor task wrote.
 */
export async function runPipelineLocally(
  tasks: PipelineTasks,
  request: RunRequest,
  readOutput: (run: { output_uri: string; input_uri: string }) => PipelineDeps,
  log: (line: string) => void = () => undefined,
): Promise<RunOutcome> {
  const handlers: Record<string, (payload: unknown) => Promise<unknown>> = {};
  let outputRoot: { input_uri: string; output_uri: string } | undefined;
  for (const [state, task] of Object.entries(TASK_STATES)) {
    const run = tasks[task] as (payload: unknown) => Promise<unknown>;
    handlers[state] = async (payload) => {
      const result = await run(payload);
      if (state === 'Plan') outputRoot = (result as { run: { input_uri: string; output_uri: string } }).run;
      if (state === 'ValidateCleanDay') log(describeDay(result as Parameters<typeof describeDay>[0]));
      return result;
    };
  }
  const result = (await executeStateMachine(definition, request, handlers)) as MonitorOutput;
  const deps = readOutput(outputRoot as { input_uri: string; output_uri: string });
  const manifest = JSON.parse(
    new TextDecoder().decode(await deps.output.read(result.manifest_key)),
  ) as RunManifest;
  return { manifest, manifestKey: result.manifest_key };
}

/** A run over fixed ports and parameters (tests and benchmarks): the state machine, in-process. */
export async function runPipeline(deps: PipelineDeps, params: RunParams): Promise<RunOutcome> {
  const tasks = createPipelineTasks({
    depsFor: () => deps,
    ctx: { config: params.config, codeVersion: params.codeVersion, wallClock: () => params.referenceTimeMs },
    defaults: { input_uri: deps.input.uri, output_uri: deps.output.uri },
    publish: skipPublish,
  });
  const request: RunRequest = {
    mode: params.mode,
    start_date: params.startDate,
    end_date: params.endDate,
    now: formatTimestamp(params.referenceTimeMs),
    run_id: params.runId,
  };
  return runPipelineLocally(tasks, request, () => deps, deps.log);
}
