/**
 * Runs the pipeline over fixed ports and parameters: the state machine, in-process, each Task the
 * deployed Lambda handler, over a wiring whose ports are `deps` (tests and benchmarks).
 */
import { loadSettings } from '../../config';
import type { PipelineDeps, RunParams } from '../../domain/pipeline/deps';
import type { RunOutcome } from '../../domain/pipeline/manifest';
import type { RunRequest } from '../../domain/pipeline/run-request';
import { formatTimestamp } from '../../domain/time';
import { type LocalRunOptions, runPipelineLocally } from '../../handlers/lib/pipeline-engine';
import { type WiringOverrides, createWiring, withWiring } from '../../wiring';

/** Settings for a test run: no environment, the given pipeline config. */
export function testSettings(config: RunParams['config'], uris: { inputUri: string; outputUri?: string }) {
  const base = loadSettings({
    LAKE_URI: uris.inputUri,
    ...(uris.outputUri === undefined ? {} : { OUTPUT_URI: uris.outputUri }),
  });
  return { ...base, pipeline: config };
}

/** A run's parameters as tests give them: the shard count is the configured default unless named. */
export type TestRunParams = Omit<RunParams, 'shardCount'> & { readonly shardCount?: number };

/** Runs `params` over `deps` (both lakes fixed); `overrides` replace further parts of the wiring. */
export async function runPipeline(
  deps: PipelineDeps,
  params: TestRunParams,
  overrides: WiringOverrides = {},
  options: LocalRunOptions = {},
): Promise<RunOutcome> {
  const w = createWiring({
    settings: testSettings(params.config, { inputUri: deps.input.uri, outputUri: deps.output.uri }),
    portsFor: () => deps,
    log: deps.log,
    now: () => params.referenceTimeMs,
    codeVersion: params.codeVersion,
    featureStore: null,
    emitMetrics: () => undefined,
    runChecks: null,
    ...overrides,
  });
  const request: RunRequest = {
    mode: params.mode,
    start_date: params.startDate,
    end_date: params.endDate,
    now: formatTimestamp(params.referenceTimeMs),
    run_id: params.runId,
    ...(params.shardCount === undefined ? {} : { shards: params.shardCount }),
  };
  return withWiring(w, () => runPipelineLocally(request, options));
}
