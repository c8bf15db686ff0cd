import { PipelineError } from '../errors';
import { writeJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import { shardNumbers } from '../features/shards';
import { stateMeta, writeStateMeta } from '../features/state-codec';
import { type Split, SPLITS, splitCounts } from '../split';
import { compareCodePoints } from '../text';
import { type AssembleDayRecord, type SplitBoundary, assembleRecordName } from './assemble-days';
import type { PipelineDeps } from './deps';
import type { FoldItemsRecord } from './fold-items';
import { type FoldUsersRecord, shardRecordName } from './fold-users';
import {
  type FoldResult,
  type RunManifest,
  type SplitSummary,
  type StageTiming,
  buildManifest,
} from './manifest';
import { configHash } from './run-id';
import type { RunPlan } from './plan';
import type { MonitorRecord } from './monitor';
import type { PublishOutput } from './publish';
import type { RunRef } from './run-request';
import { readPlan } from './plan';
import { releaseRunLock } from './run-lock';
import { type StageRecord, describeStageFailures, readStageFailures, readStageRecord } from './stage-records';
import { readDaySummaries } from './validate-clean-day';

/** What `CommitRun` returns: the execution's result. */
export interface CommitOutput {
  readonly run_id: string;
  readonly status: 'SUCCEEDED';
  readonly manifest_key: string;
  readonly as_of: string;
}

/**
 * Each stage's time and records from what its Tasks recorded, in execution order: a Map stage's
 * iterations are summed (task seconds, not wall time) and counted.
 */
export function stageTimings(records: readonly (StageRecord | null)[]): StageTiming[] {
  const byStage = new Map<string, { -readonly [K in keyof StageTiming]: StageTiming[K] }>();
  for (const r of records) {
    if (r === null) continue;
    const t = byStage.get(r.stage) ?? { stage: r.stage, seconds: 0, records: 0, tasks: 0, encode_seconds: 0 };
    t.seconds += r.seconds;
    t.records += r.records;
    t.encode_seconds += r.encode_seconds ?? 0;
    t.tasks++;
    byStage.set(r.stage, t);
  }
  return [...byStage.values()];
}

/** A stage record that must exist for the run to commit. */
function required<T>(record: T | null, name: string, runId: string): T {
  if (record === null)
    throw new PipelineError(`run ${runId} has no ${name} record: nothing to commit`, { stage: 'CommitRun' });
  return record;
}

/** The time boundaries of each split over the run, from the days' own (in date order). */
function splitBoundaries(days: readonly AssembleDayRecord[]): SplitSummary['boundaries'] {
  const out = {} as Record<Split, SplitBoundary>;
  for (const s of SPLITS) {
    const parts = days.map((d) => d.splits[s]).filter((b) => b !== undefined && b.rows > 0);
    out[s] = {
      first_timestamp: parts[0]?.first_timestamp ?? null,
      last_timestamp: parts[parts.length - 1]?.last_timestamp ?? null,
    };
  }
  return out;
}

/** The fold stages' records of a run, gathered: what the manifest says the run produced. */
async function foldRecords(deps: PipelineDeps, plan: RunPlan) {
  const { runId, shardCount, mode } = plan.params;
  const [items, shards, days] = await Promise.all([
    readStageRecord<FoldItemsRecord>(deps, runId, 'FoldItems'),
    Promise.all(
      shardNumbers(shardCount).map((k) => readStageRecord<FoldUsersRecord>(deps, runId, shardRecordName(k))),
    ),
    mode === 'full'
      ? Promise.all(
          plan.days.map((d) => readStageRecord<AssembleDayRecord>(deps, runId, assembleRecordName(d))),
        )
      : Promise.resolve([]),
  ]);
  return { items, shards, days };
}

/** What the run produced, from the fold stages' records. */
function foldResult(plan: RunPlan, records: Awaited<ReturnType<typeof foldRecords>>): FoldResult {
  const { runId, shardCount, mode, config } = plan.params;
  const items = required(records.items, 'FoldItems', runId);
  const shards = records.shards.map((r, k) => required(r, shardRecordName(k), runId));
  const days = records.days.map((r, i) => required(r, assembleRecordName(plan.days[i] as string), runId));
  const outputs = [items, ...shards, ...days]
    .flatMap((r) => r.outputs)
    .sort((a, b) => compareCodePoints(a.key, b.key));
  const n = days.reduce((sum, d) => sum + d.records, 0);
  return {
    asOf: items.asOf,
    outputs,
    split:
      mode === 'full' ? { n, counts: splitCounts(n, config.split), boundaries: splitBoundaries(days) } : null,
    users: shards.reduce((sum, s) => sum + s.users, 0),
    items: items.items,
    shardCount,
  };
}

/**
 * The `CommitRun` state: assembles the manifest from the stage records, commits the state as of
 * E + 1 (its header, written once every part of it is there), removes the staging area, and
 * writes the manifest last, which is what marks the run complete.
 */
export async function commitRun(deps: PipelineDeps, input: { readonly run: RunRef }): Promise<CommitOutput> {
  const { run } = input;
  const plan = await readPlan(deps, run);
  const [days, records, publish, monitor] = await Promise.all([
    readDaySummaries(deps, run, plan.days),
    foldRecords(deps, plan),
    readStageRecord<PublishOutput>(deps, run.run_id, 'Publish'),
    readStageRecord<MonitorRecord>(deps, run.run_id, 'Monitor'),
  ]);
  const build = foldResult(plan, records);
  const timings = stageTimings([
    ...days,
    records.items,
    ...records.shards,
    ...records.days,
    publish,
    monitor,
  ]);
  const manifest: RunManifest & {
    publish?: PublishOutput;
    monitoring?: NonNullable<MonitorRecord['monitoring']>;
  } = {
    ...buildManifest(deps, plan.params, plan, days, build, timings, null),
    ...(publish === null ? {} : { publish }),
    ...(monitor?.monitoring == null ? {} : { monitoring: monitor.monitoring }),
  };
  const { params } = plan;
  await writeStateMeta(
    deps.output,
    stateMeta(
      { startDate: params.startDate, asOf: build.asOf },
      configHash(params.config, deps.hash),
      params.shardCount,
    ),
  );
  const key = outputKeys.manifest(run.run_id);
  await deps.output.deletePrefix(outputKeys.stagingPrefix(run.run_id));
  await writeJson(deps.output, key, manifest);
  await releaseRunLock(deps.output, run.run_id, 'run');
  return { run_id: run.run_id, status: 'SUCCEEDED', manifest_key: key, as_of: build.asOf };
}

/**
 * The `RecordFailure` state: writes a FAILED manifest naming the error, from whatever stages
 * completed (when the run got far enough to have a plan), so the run's status is never left open;
 * removes the run's staging area (nothing will read it: a re-run stages afresh), then frees the
 * output root. A run that failed in Plan has no pointer here: Plan released its lock itself.
 */
export async function recordFailure(
  deps: PipelineDeps | null,
  run: RunRef | undefined,
  caught: string,
  options: { readonly mapIterationFailed?: boolean } = {},
): Promise<{ error: string }> {
  if (deps === null || run === undefined) return { error: caught };
  // A failed Map says only that its failure threshold was exceeded: the iteration said why.
  const message =
    options.mapIterationFailed === true
      ? (describeStageFailures(await readStageFailures(deps, run.run_id)) ?? caught)
      : caught;
  const plan = await readPlan(deps, run);
  const days = await readDaySummaries(deps, run, plan.days);
  const manifest = buildManifest(deps, plan.params, plan, days, null, stageTimings(days), message);
  await deps.output.deletePrefix(outputKeys.stagingPrefix(run.run_id));
  await writeJson(deps.output, outputKeys.manifest(run.run_id), manifest);
  await releaseRunLock(deps.output, run.run_id, 'run');
  return { error: message };
}
