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
import { type StageRecord, dayRecordName, writeStageRecord } from './stage-records';
import { stageDay } from './staging';

/** What `ValidateCleanDay` records for its day (`runs/<id>/stages/ValidateCleanDay/<date>.json`). */
export interface DaySummary extends StageRecord {
  readonly date: string;
  readonly status: ValidationStatus;
  readonly counts: ValidationReport['counts'];
  /** One line per failed threshold or error, empty unless `status` is failed. */
  readonly failures: readonly string[];
  readonly reportKey: string;
  readonly stagingKey: string;
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
  const stagingKey = outputKeys.staging(plan.params.runId, `day=${date}`);
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
    options.stageCleanDay
      ? deps.output.write(
          stagingKey,
          JSON.stringify(stageDay(date, result.interactions, result.products, result.users)),
        )
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
    stagingKey,
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
    codeVersion: request.codeVersion,
  });
  return validateAndStageDay(deps, plan, request.date, { stageCleanDay: false });
}
