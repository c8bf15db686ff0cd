/**
 * The page of a run (`run_reports/run_id=<id>/report.html`), pure: the run's facts, its monitoring summary and
 * its features in, a self-contained document out. Every verdict on it (the run status, each
 * day's status, the null and drift checks, the PSI bands) is given, never worked out here.
 */
import type { BaselineReport, ScorerReport } from '../model/baseline-report';
import type { FeatureFigures, MonitoringSummary } from '../monitoring/summary';
import type { ValidationReport, ValidationStatus } from '../validation/report';
import { formatCount, percent } from './format';
import type { HistogramBin } from './histogram';
import { badge, documentOf, escapeHtml, num, stat, table, verdictCell } from './html';
import { type VolumePoint, histogramSvg, volumeChartSvg } from './svg';

/** The run facts a run page needs. */
export interface RunReportHeader {
  readonly run_id: string;
  readonly start_date: string;
  readonly end_date: string;
  readonly as_of: string | null;
  readonly reference_time: string;
  /** The run's verdict (`runStatus`). */
  readonly status: ValidationStatus;
  readonly days: readonly {
    readonly date: string;
    readonly status: string;
    readonly counts: ValidationReport['counts'];
  }[];
  /** Raw counts of the last 30 days up to the run's end (stored reports); default: the run's own days. */
  readonly volume?: readonly VolumePoint[];
}

/** One monitored feature as the run page shows it: the Monitor's figures and verdicts, and its histogram. */
export interface FeatureReport extends FeatureFigures {
  /** The null-share check against the feature's limit (`nullShareOk`); null when not checked. */
  readonly null_ok: boolean | null;
  /** This run's distribution against the previous run's (numeric: over the PSI's bins). */
  readonly bins: readonly HistogramBin[];
}

/** The drift check of a feature as its PSI band says: failed in the alert band, null without a PSI. */
const driftOk = (f: FeatureReport): boolean | null => (f.band === null ? null : f.band !== 'alert');

/** Weights shown on the page: the largest few say what the model learnt; the file has them all. */
const SHOWN_WEIGHTS = 8;

const metric = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));

/** The "Baseline model" section: the model against both baselines, the leakage verdict, the top weights. */
export function baselineSection(baseline: BaselineReport): string[] {
  const { rows, positives } = baseline;
  const scorer = (name: string, s: ScorerReport) =>
    `<tr><td>${escapeHtml(name)}</td>${num(metric(s.test.auc))}${num(metric(s.test.log_loss))}${num(metric(s.validation.auc))}${num(metric(s.validation.log_loss))}<td>${escapeHtml(s.description)}</td></tr>`;
  const leakage = baseline.leakage.suspected
    ? `<p><span class="failed">leakage suspected</span></p><ul>${baseline.leakage.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
    : '<p><span class="passed">no leakage suspected</span> <span class="meta">(test AUC not near 1, not far above validation, no single column separating the label)</span></p>';
  const weights = baseline.model.weights
    .slice(0, SHOWN_WEIGHTS)
    .map((w) => `<tr><td>${escapeHtml(w.feature)}</td>${num(w.weight.toFixed(4))}</tr>`);
  return [
    `<h2>Baseline model</h2>`,
    `<p class="meta">Label ${escapeHtml(baseline.label)} · rows train ${formatCount(rows.train)}, validation ${formatCount(rows.validation)}, test ${formatCount(rows.test)} · purchases ${formatCount(positives.train)}, ${formatCount(positives.validation)}, ${formatCount(positives.test)} · λ ${escapeHtml(String(baseline.model.l2))} (${escapeHtml(baseline.model.selected_by)})</p>`,
    table(
      ['scorer', 'test AUC', 'test log loss', 'validation AUC', 'validation log loss', 'what'],
      [
        scorer('model', baseline.model),
        scorer('item popularity', baseline.baselines.item_popularity),
        scorer('constant', baseline.baselines.constant),
      ],
    ),
    leakage,
    `<p class="meta">Largest weights (standardised columns):</p>`,
    table(['feature', 'weight'], weights),
  ];
}

/**
 * The page of a run: status badge, totals, volume of the last 30 days, per-day counts, feature
 * null shares and PSI with their checks, alerts, one histogram per feature against the
 * previous run, and the baseline model's figures once `npm run train` has written them. Its only
 * time is the run's reference time.
 */
export function renderRunReportHtml(
  run: RunReportHeader,
  summary: MonitoringSummary,
  features: readonly FeatureReport[],
  baseline: BaselineReport | null = null,
): string {
  let raw = 0;
  let valid = 0;
  let clean = 0;
  for (const d of run.days) {
    raw += d.counts.raw;
    valid += d.counts.valid;
    clean += d.counts.clean;
  }
  const config = summary.config;
  const figures = new Map(summary.days.map((d) => [d.date, d]));
  const dayRows = run.days.map((d) => {
    const f = figures.get(d.date);
    const drop = f?.volume_drop;
    return `<tr><td>${escapeHtml(d.date)}</td><td>${badge(d.status)}</td>${num(formatCount(d.counts.raw))}${num(formatCount(d.counts.valid))}${num(formatCount(d.counts.clean))}${num(f === undefined ? '' : percent(f.rejected_share, 2))}${num(drop === null || drop === undefined ? '' : percent(drop))}</tr>`;
  });
  const featureRows = features.map(
    (f) =>
      `<tr><td>${escapeHtml(f.dataset)}</td><td>${escapeHtml(f.feature)}</td><td>${escapeHtml(f.kind)}</td>${num(f.null_share === null ? '' : percent(f.null_share, 2))}${verdictCell(f.null_ok)}${num(f.psi === null ? '' : f.psi.toFixed(4))}${verdictCell(driftOk(f))}</tr>`,
  );
  const volume = run.volume ?? summary.days.slice(-30).map((d) => ({ date: d.date, raw: d.raw }));
  const cards = features.map((f) => {
    const band =
      f.band === null ? '' : ` <span class="band ${escapeHtml(f.band)}">${escapeHtml(f.band)}</span>`;
    const psi = f.psi === null ? 'no previous run' : `PSI ${f.psi.toFixed(4)}`;
    return `<div class="card"><p><b>${escapeHtml(f.dataset)}.${escapeHtml(f.feature)}</b> · ${psi}${band}</p>${histogramSvg(f.bins)}</div>`;
  });
  const alerts = summary.alerts.map((a) => `<li>${escapeHtml(a)}</li>`).join('');
  const previous = summary.previous_as_of;
  const body = [
    `<h1>Run ${escapeHtml(run.run_id)}: ${badge(run.status)}</h1>`,
    `<p class="meta">days ${escapeHtml(run.start_date)} to ${escapeHtml(run.end_date)} · features as of ${escapeHtml(run.as_of ?? summary.as_of)} against users as of ${escapeHtml(previous.users ?? 'none')}, items as of ${escapeHtml(previous.items ?? 'none')} · reference time ${escapeHtml(run.reference_time)}</p>`,
    `<div class="stats">${stat('days', formatCount(run.days.length))}${stat('raw', formatCount(raw))}${stat('valid', formatCount(valid))}${stat('clean', formatCount(clean))}${stat('alerts', formatCount(summary.alerts.length))}</div>`,
    `<h2>Volume, last 30 days</h2>`,
    volumeChartSvg(volume, null),
    `<h2>Days</h2>`,
    table(['date', 'status', 'raw', 'valid', 'clean', 'rejected share', 'volume drop'], dayRows),
    `<h2>Feature thresholds</h2>`,
    `<p class="meta">Null share limit ${percent(config.featureNullShare, 0)} (sparse features not checked); PSI alert above ${config.psiAlert}, moderate from ${config.psiModerate}.</p>`,
    table(['dataset', 'feature', 'kind', 'null share', 'null check', 'PSI', 'drift check'], featureRows),
    `<h2>Alerts</h2>`,
    alerts === '' ? '<p class="meta">None.</p>' : `<ul>${alerts}</ul>`,
    `<h2>Feature distributions against the previous run</h2>`,
    `<p class="meta"><span class="key ref"></span>previous run<span class="key cur"></span>this run · numeric bins are the previous run's deciles (as in the PSI); hover a pair for its range and shares.</p>`,
    `<div class="grid">\n${cards.join('\n')}\n</div>`,
    ...(baseline === null ? [] : baselineSection(baseline)),
  ];
  return documentOf(`Run ${run.run_id}: ${run.status}`, body.join('\n'));
}
