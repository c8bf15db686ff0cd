import { readJsonOrNull } from '../lake-json';
import { ObjectNotFoundError } from '../errors';
import { featureNullLimit, nullShareOk } from '../monitoring/completeness';
import { readFeatureRows } from '../feature-files';
import type { BaselineReport } from '../model/baseline-report';
import type { TableDecoder } from '../monitoring/monitor-run';
import type { MonitoringSummary } from '../monitoring/summary';
import { outputKeys } from '../lake-layout';
import type { Lake } from '../ports';
import { addDays } from '../time';
import type { ValidationReport, ValidationStatus } from '../validation/report';
import { categoryBins, histogramBins } from './histogram';
import { type FeatureReport, type RunReportHeader, renderRunReportHtml } from './run-page';
import type { VolumePoint } from './svg';

/** Where a run's HTML page is stored (`run_reports/run_id=<id>/report.html`). */
export const runReportKey = outputKeys.runReport;

function columnOf(rows: readonly Record<string, unknown>[] | null, name: string): unknown[] {
  if (rows === null) return [];
  const values = new Array<unknown>(rows.length);
  for (let i = 0; i < rows.length; i++) values[i] = (rows[i] as Record<string, unknown>)[name];
  return values;
}

const STATUS_RANK: Readonly<Record<ValidationStatus, number>> = { passed: 0, warned: 1, failed: 2 };

/** A run's status: the worst day status, and at least `warned` when the Monitor raised an alert. */
export function runStatus(
  days: readonly { readonly status: string }[],
  summary: Pick<MonitoringSummary, 'alerts'>,
): ValidationStatus {
  let worst: ValidationStatus = summary.alerts.length > 0 ? 'warned' : 'passed';
  for (const d of days) {
    const s = d.status as ValidationStatus;
    if (STATUS_RANK[s] !== undefined && STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  }
  return worst;
}

/**
 * Every monitored feature with its verdicts (the Monitor's PSI band, its null-share check) and its
 * histogram: this run's file against the previous run's, numeric ones over the PSI's bins.
 */
async function featureReports(
  output: Lake,
  decodeTable: TableDecoder,
  summary: MonitoringSummary,
  asOf: string,
): Promise<FeatureReport[]> {
  const out: FeatureReport[] = [];
  for (const dataset of ['users', 'items'] as const) {
    const features = summary.features.filter((f) => f.dataset === dataset);
    if (features.length === 0) continue;
    const current = await readFeatureRows(output, dataset, asOf, decodeTable);
    const before = summary.previous_as_of[dataset];
    const reference = before === null ? null : await readFeatureRows(output, dataset, before, decodeTable);
    for (const f of features) {
      const ref = columnOf(reference, f.feature);
      const cur = columnOf(current, f.feature);
      const bins =
        f.kind === 'numeric' ? histogramBins(ref, cur, summary.config.psiBins) : categoryBins(ref, cur);
      const limit = featureNullLimit(summary.config, f.dataset, f.feature);
      out.push({ ...f, null_ok: nullShareOk(f.null_share, limit), bins });
    }
  }
  return out;
}

/**
 * Writes `run_reports/run_id=<run_id>/report.html`: reads the run's monitoring summary (written by
 * `monitorRun`, so call this after it), the validation reports of the run's days and of the 30
 * days up to T − 1 (the volume chart; at most 30 more small reads), and the user
 * and item feature files as of `asOf` and as of the summary's previous `as_of`, and the baseline
 * model's `runs/<id>/baseline.json` when `npm run train` has written it. Deterministic:
 * the same outputs give the same bytes. Returns the key written.
 */
export async function writeRunReport(
  output: Lake,
  decodeTable: TableDecoder,
  runId: string,
  asOf: string,
): Promise<string> {
  const summary = await readJsonOrNull<MonitoringSummary>(output, outputKeys.monitoring(runId));
  if (summary === null) throw new ObjectNotFoundError(output.uriOf(outputKeys.monitoring(runId)));
  const end = addDays(asOf, -1);
  const recent = Array.from({ length: 30 }, (_, i) => addDays(end, i - 29));
  const dates = [...new Set([...recent, ...summary.days.map((d) => d.date)])].sort();
  const reports = new Map<string, ValidationReport | null>();
  await Promise.all(
    dates.map(async (d) =>
      reports.set(d, await readJsonOrNull<ValidationReport>(output, outputKeys.report(d))),
    ),
  );
  const days: RunReportHeader['days'][number][] = [];
  for (const d of summary.days) {
    const r = reports.get(d.date);
    if (r !== null && r !== undefined) days.push({ date: r.date, status: r.status, counts: r.counts });
  }
  const volume: VolumePoint[] = [];
  for (const d of recent) {
    const r = reports.get(d);
    if (r !== null && r !== undefined) volume.push({ date: d, raw: r.counts.raw });
  }
  const run: RunReportHeader = {
    run_id: runId,
    start_date: days[0]?.date ?? end,
    end_date: days[days.length - 1]?.date ?? end,
    as_of: asOf,
    reference_time: summary.raised_at,
    status: runStatus(days, summary),
    days,
    volume,
  };
  const features = await featureReports(output, decodeTable, summary, asOf);
  const baseline = await readJsonOrNull<BaselineReport>(output, outputKeys.baseline(runId));
  const key = runReportKey(runId);
  await output.write(key, renderRunReportHtml(run, summary, features, baseline));
  return key;
}
