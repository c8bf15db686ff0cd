import { PipelineError } from '../errors';
import { writeJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import { type BuildResult, readDaySummaries } from './build-features';
import type { PipelineDeps } from './deps';
import { type RunManifest, type StageTiming, buildManifest } from './manifest';
import type { MonitorRecord } from './monitor';
import type { PublishOutput } from './publish';
import type { RunRef } from './run-request';
import { readPlan } from './plan';
import { readStageRecord } from './stage-records';
import type { DaySummary } from './validate-clean-day';

/** What `CommitRun` returns: the execution's result. */
export interface CommitOutput {
  readonly run_id: string;
  readonly status: 'SUCCEEDED';
  readonly manifest_key: string;
  readonly as_of: string;
}

/** Each stage's wall time and records, from what its Task recorded (the day stage summed over days). */
export function stageTimings(
  days: readonly DaySummary[],
  records: readonly ({ stage: string; seconds: number; records: number } | null)[],
): StageTiming[] {
  const stages: StageTiming[] = [];
  if (days.length > 0)
    stages.push({
      stage: 'ValidateCleanDay',
      seconds: days.reduce((s, d) => s + d.seconds, 0),
      records: days.reduce((n, d) => n + d.counts.raw, 0),
    });
  for (const r of records)
    if (r !== null) stages.push({ stage: r.stage, seconds: r.seconds, records: r.records });
  return stages;
}

/**
 * The `CommitRun` state: assembles the manifest from the stage records, removes the staging area,
 * and writes the manifest last, which is what marks the run complete.
 */
export async function commitRun(deps: PipelineDeps, input: { readonly run: RunRef }): Promise<CommitOutput> {
  const { run } = input;
  const plan = await readPlan(deps, run);
  const [days, build, publish, monitor] = await Promise.all([
    readDaySummaries(deps, run, plan.days),
    readStageRecord<BuildResult>(deps, run.run_id, 'BuildFeatures'),
    readStageRecord<PublishOutput>(deps, run.run_id, 'Publish'),
    readStageRecord<MonitorRecord>(deps, run.run_id, 'Monitor'),
  ]);
  if (build === null)
    throw new PipelineError(`run ${run.run_id} has no BuildFeatures record: nothing to commit`, {
      stage: 'CommitRun',
    });
  const manifest: RunManifest & {
    publish?: PublishOutput;
    monitoring?: NonNullable<MonitorRecord['monitoring']>;
  } = {
    ...buildManifest(
      deps,
      plan.params,
      plan,
      days,
      build,
      stageTimings(days, [build, publish, monitor]),
      null,
    ),
    ...(publish === null ? {} : { publish }),
    ...(monitor?.monitoring == null ? {} : { monitoring: monitor.monitoring }),
  };
  const key = outputKeys.manifest(run.run_id);
  await deps.output.deletePrefix(outputKeys.stagingPrefix(run.run_id));
  await writeJson(deps.output, key, manifest);
  return { run_id: run.run_id, status: 'SUCCEEDED', manifest_key: key, as_of: build.asOf };
}

/**
 * The `RecordFailure` state: writes a FAILED manifest naming the error, from whatever stages
 * completed (when the run got far enough to have a plan), so the run's status is never left open.
 */
export async function recordFailure(
  deps: PipelineDeps | null,
  run: RunRef | undefined,
  message: string,
): Promise<{ error: string }> {
  if (deps === null || run === undefined) return { error: message };
  const plan = await readPlan(deps, run);
  const days = await readDaySummaries(deps, run, plan.days);
  const manifest = buildManifest(deps, plan.params, plan, days, null, stageTimings(days, []), message);
  await writeJson(deps.output, outputKeys.manifest(run.run_id), manifest);
  return { error: message };
}
