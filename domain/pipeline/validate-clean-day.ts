import { readJsonOrNull, writeJson } from '../lake-json';
import { isRawObjectKey, outputKeys, rawKeys } from '../lake-layout';
import type { Lake, LakeObject } from '../ports';
import { quarantineExamples, renderDayReportHtml } from '../reports/day-page';
import type { VolumePoint } from '../reports/svg';
import { addDays } from '../time';
import { validateAndCleanDay } from '../validate-and-clean-day';
import type { ValidationReport, ValidationStatus } from '../validation/report';
import type { SourceObject } from '../validation/source';
import type { PipelineDeps, RunParams } from './deps';
import { type RunPlan, type SnapshotRef, planRun, readPlan } from './plan';
import { deriveRunId } from './run-id';
import type { RunRef } from './run-request';
import { type StageRecord, dayRecordName, readStageRecord, writeStageRecord } from './stage-records';
import { PipelineError, ValidationFailedError } from '../errors';
import { cleanProducts, cleanUsers } from '../cleaning/snapshots';
import { eventDayProducts, itemDayDelta } from '../features/fold';
import { interactionColumns } from '../features/day-columns';
import type { CleanInteraction, CleanProduct, CleanUser } from '../schemas/clean';
import { validateProductSnapshot, validateUserSnapshot } from '../validation/snapshots';
import { type StagedItemDay, shardDay, shardUsers } from './staging';

/** What `ValidateCleanDay` records for its day (`runs/<id>/stages/ValidateCleanDay/<date>.json`). */
export interface DaySummary extends StageRecord {
  readonly date: string;
  readonly status: ValidationStatus;
  readonly counts: ValidationReport['counts'];
  /** One line per failed threshold or error, empty unless `status` is failed. */
  readonly failures: readonly string[];
  readonly reportKey: string;
  readonly inputs: readonly LakeObject[];
  readonly seconds: number;
}

async function readObjects(deps: PipelineDeps, objects: readonly LakeObject[]): Promise<SourceObject[]> {
  return Promise.all(
    objects.map(async (o) => ({
      key: o.key,
      size: o.size,
      etag: o.etag,
      lines: deps.decodeLines(o.key, await deps.input.read(o.key)),
    })),
  );
}

async function readSnapshot(deps: PipelineDeps, ref: SnapshotRef | null | undefined) {
  if (ref === null || ref === undefined) return null;
  return { date: ref.date, objects: await readObjects(deps, ref.objects) };
}

/**
 * Raw counts of the 29 days before `date` from their stored reports (missing days skipped), then
 * `date`'s own. Days of `concurrent` (validated by the same run, maybe at this very moment) are
 * never read, so the page does not depend on the order the run's days finish in.
 */
async function recentVolume(
  output: Lake,
  report: ValidationReport,
  concurrent: readonly string[],
): Promise<VolumePoint[]> {
  const skip = new Set(concurrent);
  const dates: string[] = [];
  for (let back = 29; back >= 1; back--) {
    const d = addDays(report.date, -back);
    if (!skip.has(d)) dates.push(d);
  }
  const previous = await Promise.all(
    dates.map(async (date): Promise<VolumePoint | null> => {
      const stored = await readJsonOrNull<ValidationReport>(output, outputKeys.report(date));
      return stored === null ? null : { date, raw: stored.counts.raw };
    }),
  );
  return [
    ...previous.filter((p): p is VolumePoint => p !== null),
    { date: report.date, raw: report.counts.raw },
  ];
}

/** The progress line of a finished day. */
export function describeDay(summary: Pick<DaySummary, 'date' | 'status' | 'counts' | 'seconds'>): string {
  const c = summary.counts;
  const rate = Math.round(c.raw / Math.max(summary.seconds, 1e-3)).toLocaleString('en-US');
  return `  ${summary.date}  ${summary.status.padEnd(6)}  raw ${c.raw}  valid ${c.valid}  clean ${c.clean}  (${rate} records/s)`;
}

/** Why a day failed, one line per cause. */
export function failuresOf(report: ValidationReport): string[] {
  return [
    ...report.errors,
    ...report.thresholds.filter((t) => !t.ok).map((t) => `${t.name} ${t.observed.toFixed(4)} > ${t.limit}`),
  ];
}

/**
 * Writes what the fold stages read of a clean day: its interactions split into user shards (each
 * with its products' event-day attributes and its users' snapshot rows), and its item deltas with
 * the product snapshot. On day S of a full run, also the cleaned snapshots for S - 1.
 */
async function stageCleanDay(
  deps: PipelineDeps,
  plan: RunPlan,
  date: string,
  interactions: readonly CleanInteraction[],
  products: readonly CleanProduct[],
  users: readonly CleanUser[],
): Promise<void> {
  const { runId, shardCount } = plan.params;
  const attributes = eventDayProducts(products);
  const item: StagedItemDay = {
    delta: itemDayDelta({ date, interactions: interactionColumns(interactions), products: attributes }),
    snapshot: products,
  };
  const writes = [
    writeJson(deps.output, outputKeys.stagedItemDay(runId, date), item, false),
    ...shardDay(date, interactions, attributes, users, shardCount).map((shard) =>
      writeJson(deps.output, outputKeys.stagedShardDay(runId, date, shard.shard), shard, false),
    ),
  ];
  if (plan.params.mode === 'full' && date === plan.params.startDate)
    writes.push(stageSnapshotsBeforeStart(deps, plan));
  await Promise.all(writes);
}

/**
 * The cleaned snapshots for S - 1 (features as of S use them): products whole, users per shard.
 * They are validated and cleaned like any day's, without a report (they serve no day of the run).
 */
async function stageSnapshotsBeforeStart(deps: PipelineDeps, plan: RunPlan): Promise<void> {
  const { runId, shardCount, startDate } = plan.params;
  const before = addDays(startDate, -1);
  const [productSnapshot, userSnapshot] = await Promise.all([
    readSnapshot(deps, plan.products[before]),
    readSnapshot(deps, plan.users[before]),
  ]);
  const products =
    productSnapshot === null
      ? null
      : cleanProducts(validateProductSnapshot(productSnapshot.objects).records.values());
  const users =
    userSnapshot === null ? null : cleanUsers(validateUserSnapshot(userSnapshot.objects).records.values());
  await Promise.all([
    writeJson(deps.output, outputKeys.stagedProductsBeforeStart(runId), products, false),
    ...Array.from({ length: shardCount }, (_, shard) =>
      writeJson(
        deps.output,
        outputKeys.stagedUsersBeforeStart(runId, shard),
        users === null ? null : shardUsers(users, shard, shardCount),
        false,
      ),
    ),
  ]);
}

/**
 * Reads the day's partitions and snapshots, validates and cleans them, and writes the report,
 * the quarantine and (unless validating only) the staged clean day. Days are independent, so they
 * can run in parallel.
 */
export async function validateAndStageDay(
  deps: PipelineDeps,
  plan: RunPlan,
  date: string,
  options: { stageCleanDay: boolean } = { stageCleanDay: true },
): Promise<DaySummary & { report: ValidationReport }> {
  const started = deps.clock();
  const listed = (await deps.input.list(rawKeys.partition('interactions', date))).filter((o) =>
    isRawObjectKey(o.key),
  );
  const [interactions, products, users] = await Promise.all([
    readObjects(deps, listed),
    readSnapshot(deps, plan.products[date]),
    readSnapshot(deps, plan.users[date]),
  ]);
  const result = validateAndCleanDay({
    runId: plan.params.runId,
    date,
    referenceTimeMs: plan.params.referenceTimeMs,
    interactions,
    products,
    users,
    config: plan.params.config,
  });
  const { report } = result;
  const reportKey = outputKeys.report(date);
  const volume = await recentVolume(deps.output, report, plan.days);
  const quarantine = (dataset: string): string =>
    result.quarantine
      .filter((q) => q.dataset === dataset)
      .map((q) => JSON.stringify({ run_id: plan.params.runId, ...q }) + '\n')
      .join('');
  await Promise.all([
    writeJson(deps.output, reportKey, report),
    deps.output.write(
      outputKeys.reportPage(date),
      renderDayReportHtml(report, { quarantineExamples: quarantineExamples(result.quarantine), volume }),
    ),
    deps.output.write(outputKeys.quarantine('interactions', date), quarantine('interactions')),
    deps.output.write(outputKeys.quarantine('products', date), quarantine('products')),
    deps.output.write(outputKeys.quarantine('users', date), quarantine('users')),
    options.stageCleanDay && report.status !== 'failed'
      ? stageCleanDay(deps, plan, date, result.interactions, result.products ?? [], result.users ?? [])
      : Promise.resolve(),
  ]);
  const seconds = (deps.clock() - started) / 1000;
  return {
    stage: 'ValidateCleanDay',
    records: report.counts.raw,
    date,
    status: report.status,
    counts: report.counts,
    failures: report.status === 'failed' ? failuresOf(report) : [],
    reportKey,
    inputs: listed,
    seconds,
    report,
  };
}

/** What the `ValidateCleanDay` Task returns to the Map: the day's outcome in counts (its record holds the rest). */
export interface DayOutcome {
  readonly date: string;
  readonly status: ValidationStatus;
  readonly counts: ValidationReport['counts'];
  readonly seconds: number;
}

/** The `ValidateCleanDay` state: one day of the run, validated, cleaned and staged for the fold. */
export async function validateCleanDay(
  deps: PipelineDeps,
  input: { readonly run: RunRef; readonly date: string },
): Promise<DayOutcome> {
  const plan = await readPlan(deps, input.run);
  const { report: _report, ...summary } = await validateAndStageDay(deps, plan, input.date);
  await writeStageRecord(deps, input.run.run_id, dayRecordName(input.date), summary);
  return { date: summary.date, status: summary.status, counts: summary.counts, seconds: summary.seconds };
}

/** What validating one day on its own needs (`POST /validations`, `npm run validate`). */
export interface ValidateOneDayRequest {
  readonly date: string;
  readonly referenceTimeMs: number;
  readonly config: RunParams['config'];
  readonly codeVersion: string;
}

/**
 * Validation only, for one day: the plan for that day, then the day's validation and cleaning
 * without staging the clean day. Writes the day's report and quarantine and returns the summary
 * with the report.
 */
export async function validateOneDay(
  deps: PipelineDeps,
  request: ValidateOneDayRequest,
): Promise<DaySummary & { report: ValidationReport }> {
  const base = {
    mode: 'validate',
    startDate: request.date,
    endDate: request.date,
    referenceTimeMs: request.referenceTimeMs,
    config: request.config,
  };
  const plan = await planRun(deps, {
    ...base,
    mode: 'full',
    runId: deriveRunId(base, deps.hash),
    shardCount: 1,
    codeVersion: request.codeVersion,
  });
  return validateAndStageDay(deps, plan, request.date, { stageCleanDay: false });
}

/** The days' records of a run, in date order; a day without one did not complete. */
export async function readDaySummaries(
  deps: PipelineDeps,
  run: RunRef,
  days: readonly string[],
): Promise<DaySummary[]> {
  const summaries = await Promise.all(
    days.map((date) => readStageRecord<DaySummary>(deps, run.run_id, dayRecordName(date))),
  );
  return summaries.filter((s): s is DaySummary => s !== null);
}

/**
 * The run's day records, each day validated and not failed: what the fold stages start from.
 * A failed day stops the run, naming the day and the threshold.
 */
export async function validatedDays(
  deps: PipelineDeps,
  run: RunRef,
  days: readonly string[],
): Promise<DaySummary[]> {
  const summaries = await readDaySummaries(deps, run, days);
  const failed = summaries.find((d) => d.status === 'failed');
  if (failed !== undefined) throw new ValidationFailedError(failed.date, failed.failures);
  const missing = days.find((date) => !summaries.some((d) => d.date === date));
  if (missing !== undefined)
    throw new PipelineError(
      `day ${missing} of run ${run.run_id} has no ValidateCleanDay record: it did not complete`,
      {
        stage: 'ValidateCleanDay',
        date: missing,
      },
    );
  return summaries;
}
