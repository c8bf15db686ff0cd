import { MissingInputError } from '../errors';
import { checkStateMeta, readStateMeta } from '../features/state-codec';
import type { PipelineConfig } from '../config';
import type { RunMonitor } from '../monitoring/monitor-run';
import { addDays, formatDate, timestampMs } from '../time';
import { type BuildResult, runBuildStage } from './build-stage';
import { type DaySummary, runDayStage } from './day-stage';
import type { PipelineDeps, RunParams } from './deps';
import { outputKeys } from './layout';
import { type StageTiming, buildManifest, configHash } from './manifest';
import { type RunPlan, planRun, rawInteractionRange } from './plan';
import { deriveRunId } from './run-id';
import type { RunRef, RunRequest } from './run-request';

/**
 * The Step Functions tasks (state-machines/pipeline.asl.json), as functions of the storage ports.
 * Each takes and returns small JSON: pointers, counts and keys, never datasets. The same
 * functions run in Lambda on AWS and in-process under aws-local-stepfunctions.
 */

/** What the tasks need besides storage: the run-wide settings. */
export interface TaskContext {
  readonly config: PipelineConfig;
  readonly codeVersion: string;
  /** Wall clock in epoch ms (reference time when the request gives no `now`). */
  readonly wallClock: () => number;
}

/** Storage ports for a run's input and output roots. */
export type DepsFor = (uris: { readonly input_uri: string; readonly output_uri: string }) => PipelineDeps;

/** Plan's output: the run pointer and the days the Map state fans out over. */
export interface PlanOutput {
  readonly run: RunRef;
  readonly days: readonly string[];
}

/** What Publish reports. */
export interface PublishOutput {
  readonly published: boolean;
  readonly as_of: string;
  readonly users: number;
  readonly items: number;
  readonly skipped: number;
  readonly seconds: number;
  readonly reason?: string;
}

/** Monitor's output, the execution's result. */
export interface MonitorOutput {
  readonly run_id: string;
  readonly status: 'SUCCEEDED';
  readonly manifest_key: string;
  readonly as_of: string;
}

/** The run parameters fixed by Plan, read back by every later task. */
async function readPlan(deps: PipelineDeps, run: RunRef): Promise<RunPlan> {
  return JSON.parse(new TextDecoder().decode(await deps.output.read(run.plan_key))) as RunPlan;
}

async function writeStage(deps: PipelineDeps, runId: string, name: string, body: unknown): Promise<void> {
  await deps.output.write(`runs/${runId}/stages/${name}.json`, JSON.stringify(body, null, 2) + '\n');
}

/** Resolves the days of a request: explicit dates, the schedule's, or the lake's whole range. */
async function resolveDates(
  deps: PipelineDeps,
  request: RunRequest,
  referenceTimeMs: number,
): Promise<{ startDate: string; endDate: string }> {
  const yesterday = addDays(formatDate(referenceTimeMs), -1);
  if (request.mode === 'incremental') {
    const date = request.date ?? request.end_date ?? yesterday;
    return { startDate: date, endDate: date };
  }
  let { start_date: startDate, end_date: endDate } = request;
  if (startDate === undefined || endDate === undefined) {
    const range = await rawInteractionRange(deps);
    if (range === null)
      throw new MissingInputError(
        'raw interactions',
        endDate ?? 'any date',
        `nothing under ${deps.input.uriOf('raw/interactions/')}`,
      );
    startDate ??= range.start;
    endDate ??= request.schedule === 'weekly' && range.end > yesterday ? yesterday : range.end;
  }
  return { startDate, endDate };
}

/** Plan: fixes the run's parameters and days, and stores the plan beside the run's manifest. */
export async function planTask(
  deps: PipelineDeps,
  uris: { input_uri: string; output_uri: string },
  request: RunRequest,
  ctx: TaskContext,
): Promise<PlanOutput> {
  const started = deps.clock();
  const referenceTimeMs = request.now === undefined ? ctx.wallClock() : timestampMs(request.now);
  const dates = await resolveDates(deps, request, referenceTimeMs);
  const { endDate } = dates;
  let { startDate } = dates;
  if (request.mode === 'incremental') {
    // The stored state decides S; a missing or mismatched state stops the run here, before any work.
    const meta = checkStateMeta(await readStateMeta(deps, endDate), endDate, {
      configHash: configHash(ctx.config, deps.hash),
      startDate: request.start_date,
    });
    startDate = meta.start_date;
  }
  const base = { mode: request.mode, startDate, endDate, referenceTimeMs, config: ctx.config };
  const params: RunParams = {
    ...base,
    runId: request.run_id ?? deriveRunId(base, deps.hash),
    codeVersion: ctx.codeVersion,
  };
  deps.log(`plan: ${params.mode} run ${params.runId}, ${startDate}..${endDate}`);
  const plan = await planRun(deps, params);
  const planKey = `runs/${params.runId}/plan.json`;
  await deps.output.write(planKey, JSON.stringify(plan) + '\n');
  const seconds = (deps.clock() - started) / 1000;
  await writeStage(deps, params.runId, 'plan', { stage: 'plan', seconds, records: plan.days.length });
  deps.log(`validate + clean: ${plan.days.length} days`);
  return { run: { run_id: params.runId, ...uris, plan_key: planKey }, days: plan.days };
}

/** ValidateCleanDay: one day of the Map state. */
export async function dayTask(deps: PipelineDeps, input: { run: RunRef; date: string }): Promise<DaySummary> {
  const plan = await readPlan(deps, input.run);
  const { report: _report, ...summary } = await runDayStage(deps, plan, input.date);
  await writeStage(deps, input.run.run_id, `day=${input.date}`, summary);
  return summary;
}

/** BuildFeatures: the fold over the staged days, training rows and split, features as of E + 1. */
export async function buildTask(
  deps: PipelineDeps,
  input: { run: RunRef; days: readonly DaySummary[] },
): Promise<BuildResult> {
  const plan = await readPlan(deps, input.run);
  deps.log('build features, training rows and split');
  const result = await runBuildStage(deps, plan, input.days);
  await writeStage(deps, input.run.run_id, 'build', {
    stage: 'build_features',
    seconds: result.seconds,
    records: result.split?.n ?? input.days.reduce((n, d) => n + d.counts.clean, 0),
  });
  return result;
}

/** Stage timings for the manifest, from what each task reported. */
function stageTimings(
  days: readonly DaySummary[],
  build: BuildResult | null,
  publish: PublishOutput | null,
): StageTiming[] {
  const stages: StageTiming[] = [];
  if (days.length > 0)
    stages.push({
      stage: 'validate_clean',
      seconds: days.reduce((s, d) => s + d.seconds, 0),
      records: days.reduce((n, d) => n + d.counts.raw, 0),
    });
  if (build !== null)
    stages.push({
      stage: 'build_features',
      seconds: build.seconds,
      records: build.split?.n ?? days.reduce((n, d) => n + d.counts.clean, 0),
    });
  if (publish !== null)
    stages.push({ stage: 'publish', seconds: publish.seconds, records: publish.users + publish.items });
  return stages;
}

/**
 * Monitor: runs the data-quality monitoring when given a `monitor` (see
 * `domain/monitoring/monitor-run.ts`; its summary goes into the manifest as `monitoring`), then
 * writes the manifest (the run's commit marker) and removes the staging area.
 */
export async function monitorTask(
  deps: PipelineDeps,
  input: { run: RunRef; days: readonly DaySummary[]; build: BuildResult; publish: PublishOutput },
  monitor?: RunMonitor,
): Promise<MonitorOutput> {
  const plan = await readPlan(deps, input.run);
  const monitoring =
    monitor === undefined
      ? undefined
      : await monitor(deps, {
          run_id: plan.params.runId,
          dates: input.days.map((d) => d.date),
          as_of: input.build.asOf,
          raised_at_ms: plan.params.referenceTimeMs,
        });
  const manifest = buildManifest(
    deps,
    plan.params,
    plan,
    input.days,
    input.build,
    stageTimings(input.days, input.build, input.publish),
    null,
  );
  const key = outputKeys.manifest(plan.params.runId);
  await deps.output.deletePrefix(outputKeys.stagingPrefix(plan.params.runId));
  const body = { ...manifest, publish: input.publish, ...(monitoring === undefined ? {} : { monitoring }) };
  await deps.output.write(key, JSON.stringify(body, null, 2) + '\n');
  return { run_id: plan.params.runId, status: 'SUCCEEDED', manifest_key: key, as_of: input.build.asOf };
}

/** The one-line message of a caught Step Functions error (Lambda puts a JSON object in `Cause`). */
export function failureMessage(error: { Error?: string; Cause?: string } | undefined): string {
  const cause = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the local engine passes the message itself.
  }
  return cause === '' ? (error?.Error ?? 'unknown error') : cause;
}

/** RecordFailure: writes a FAILED manifest (when the run got far enough to have an id). */
export async function recordFailureTask(
  depsFor: DepsFor,
  input: {
    state: { run?: RunRef; day_summaries?: DaySummary[]; error?: { Error?: string; Cause?: string } };
  },
): Promise<{ error: string }> {
  const message = failureMessage(input.state.error);
  const run = input.state.run;
  if (run === undefined) return { error: message };
  const deps = depsFor(run);
  const plan = await readPlan(deps, run);
  const days = input.state.day_summaries ?? [];
  const manifest = buildManifest(
    deps,
    plan.params,
    plan,
    days,
    null,
    stageTimings(days, null, null),
    message,
  );
  await deps.output.write(outputKeys.manifest(run.run_id), JSON.stringify(manifest, null, 2) + '\n');
  return { error: message };
}
