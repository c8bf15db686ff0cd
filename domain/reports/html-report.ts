/**
 * Self-contained HTML pages of a day's validation report and of a run (pure: strings in, a
 * document out). Inline CSS and inline SVG only: no script, font, image or any other URL, so a
 * page opens the same from a disk, an S3 console or an API reply. Every interpolated string goes
 * through `escapeHtml`.
 */
import type { MonitoringSummary } from '../monitoring/summary';
import type { PsiBand } from '../monitoring/drift';
import { binOf, numericValues, quantileEdges } from '../monitoring/drift';
import { compareCodePoints } from '../text';
import { dateMs } from '../time';
import { REJECTION_CODES, REMOVAL_CODES, WARNING_CODES } from '../validation/codes';
import type { ValidationReport, ValidationStatus } from '../validation/report';
import type { QuarantineEntry } from '../validation/source';

/** One day's raw interaction count, a bar of the volume chart. */
export interface VolumePoint {
  readonly date: string;
  readonly raw: number;
}

/** What a day page shows besides the report itself. */
export interface DayReportExtras {
  /** At most `QUARANTINE_EXAMPLES_PER_REASON` entries per reason (see `quarantineExamples`). */
  readonly quarantineExamples: readonly QuarantineEntry[];
  /** Raw counts of up to the last 30 days, the report's own day included; missing days are gaps. */
  readonly volume: readonly VolumePoint[];
}

/** One bin of a feature histogram: its label and the share of values it holds on each side. */
export interface HistogramBin {
  readonly label: string;
  /** Share (0..1) of the previous run's non-null values in the bin. */
  readonly reference: number;
  /** Share (0..1) of this run's non-null values in the bin. */
  readonly current: number;
}

/** A feature's distribution in this run against the previous run's, with its PSI. */
export interface FeatureHistogram {
  readonly feature: string;
  readonly dataset: string;
  readonly bins: readonly HistogramBin[];
  readonly psi: number | null;
  readonly band: PsiBand | null;
}

/** The run facts a run page needs; a `RunManifest` fits. */
export interface RunReportHeader {
  readonly run_id: string;
  readonly start_date: string;
  readonly end_date: string;
  readonly as_of: string | null;
  readonly reference_time: string;
  readonly days: readonly {
    readonly date: string;
    readonly status: string;
    readonly counts: ValidationReport['counts'];
  }[];
  /** Raw counts of the last 30 days up to the run's end (stored reports); default: the run's own days. */
  readonly volume?: readonly VolumePoint[];
}

/** How many quarantined lines per reason a day page shows. */
export const QUARANTINE_EXAMPLES_PER_REASON = 5;

/** Raw lines longer than this are cut in the page (the quarantine file keeps them whole). */
const MAX_RAW_LINE = 1000;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in HTML content and in quoted attribute values: `& < > " '` as entities. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** The first `perReason` entries of each reason, in the given (quarantine file) order. */
export function quarantineExamples(
  entries: readonly QuarantineEntry[],
  perReason: number = QUARANTINE_EXAMPLES_PER_REASON,
): QuarantineEntry[] {
  const taken = new Map<string, number>();
  const out: QuarantineEntry[] = [];
  for (const e of entries) {
    const n = taken.get(e.reason) ?? 0;
    if (n >= perReason) continue;
    taken.set(e.reason, n + 1);
    out.push(e);
  }
  return out;
}

/** A number in at most 4 significant digits, without trailing zeros (axis and bin labels). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-3) return x.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(4)));
}

/** An integer count with thousands separators (`12,345`), the same on every locale. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const percent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;

function shares(counts: Float64Array, total: number): number[] {
  return Array.from(counts, (c) => (total === 0 ? 0 : c / total));
}

/**
 * Histogram of a numeric feature over the same bins as its PSI: `bins` quantile bins of the
 * reference (inner edges at its deciles, outer bins open-ended, an edge value in the upper bin),
 * as shares of each side's non-null values. Without reference values the bins are the current
 * values' quantiles (reference shares 0); with no value on either side, no bins.
 */
export function histogramBins(
  reference: readonly unknown[],
  current: readonly unknown[],
  bins = 10,
): HistogramBin[] {
  const ref = numericValues(reference).sort();
  const cur = numericValues(current).sort();
  const base = ref.length > 0 ? ref : cur;
  if (base.length === 0) return [];
  const edges = quantileEdges(base, bins);
  const refCounts = new Float64Array(bins);
  const curCounts = new Float64Array(bins);
  for (let i = 0; i < ref.length; i++) {
    const b = binOf(edges, ref[i] as number);
    refCounts[b] = (refCounts[b] as number) + 1;
  }
  for (let i = 0; i < cur.length; i++) {
    const b = binOf(edges, cur[i] as number);
    curCounts[b] = (curCounts[b] as number) + 1;
  }
  const r = shares(refCounts, ref.length);
  const c = shares(curCounts, cur.length);
  const out: HistogramBin[] = [];
  for (let k = 0; k < bins; k++) {
    const lo = k === 0 ? null : formatNumber(edges[k - 1] as number);
    const hi = k === bins - 1 ? null : formatNumber(edges[k] as number);
    const label = lo === null ? `< ${hi}` : hi === null ? `≥ ${lo}` : `${lo} to ${hi}`;
    out.push({ label, reference: r[k] as number, current: c[k] as number });
  }
  return out;
}

/**
 * Histogram of a categorical feature: the `top − 1` most frequent categories over both sides
 * (ties in code-point order), the rest as `(other)`, as shares of each side's non-null values.
 */
export function categoryBins(
  reference: readonly unknown[],
  current: readonly unknown[],
  top = 10,
): HistogramBin[] {
  const count = (values: readonly unknown[]) => {
    const m = new Map<string, number>();
    let total = 0;
    for (const v of values) {
      if (v === null || v === undefined) continue;
      const k = String(v);
      m.set(k, (m.get(k) ?? 0) + 1);
      total++;
    }
    return { m, total };
  };
  const ref = count(reference);
  const cur = count(current);
  if (ref.total === 0 && cur.total === 0) return [];
  const share = (n: number, total: number) => (total === 0 ? 0 : n / total);
  const all = [...new Set([...ref.m.keys(), ...cur.m.keys()])];
  const weight = (k: string) => share(ref.m.get(k) ?? 0, ref.total) + share(cur.m.get(k) ?? 0, cur.total);
  all.sort((a, b) => weight(b) - weight(a) || compareCodePoints(a, b));
  const shown = all.length <= top ? all : all.slice(0, top - 1);
  const out: HistogramBin[] = shown.map((k) => ({
    label: k,
    reference: share(ref.m.get(k) ?? 0, ref.total),
    current: share(cur.m.get(k) ?? 0, cur.total),
  }));
  if (shown.length < all.length) {
    let r = 0;
    let c = 0;
    for (const k of all.slice(shown.length)) {
      r += ref.m.get(k) ?? 0;
      c += cur.m.get(k) ?? 0;
    }
    out.push({ label: '(other)', reference: share(r, ref.total), current: share(c, cur.total) });
  }
  return out;
}

const CSS = [
  'body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}',
  'main{max-width:1100px;margin:0 auto;padding:16px 24px 48px;background:#fff}',
  'h1{font-size:1.6em;margin:.4em 0}h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid #d0d7de}h3{font-size:1em;margin:1em 0 .3em}',
  'h1 span{display:inline-block;padding:.05em .55em;border-radius:.4em;color:#fff;font-size:.85em;vertical-align:.08em}',
  'td span{display:inline-block;padding:0 .45em;border-radius:.3em;color:#fff;font-size:.9em}',
  '.passed{background:#1a7f37}.warned{background:#9a6700}.failed{background:#cf222e}',
  '.meta{color:#57606a;margin:.2em 0}.errors{color:#cf222e;font-weight:600}',
  '.stats{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.stat{border:1px solid #d0d7de;border-radius:8px;padding:6px 14px;min-width:110px}',
  '.stat b{display:block;font-size:1.5em}.stat small{color:#57606a}',
  'table{border-collapse:collapse;margin:.3em 0 1em;font-size:.93em}td,th{border:1px solid #d0d7de;padding:2px 8px;text-align:left;vertical-align:top}',
  'th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.zero td{color:#8c959f}',
  '.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.cols{display:flex;flex-wrap:wrap;gap:24px}',
  'code{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;display:block;max-height:6em;overflow:auto}',
  'svg{max-width:100%;height:auto;display:block}svg text{font:11px system-ui,sans-serif;fill:#57606a}',
  '.vol{fill:#0969da}.today{fill:#bc4c00}.ref{fill:#afb8c1}.cur{fill:#0969da}',
  '.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:14px}',
  '.card{border:1px solid #d0d7de;border-radius:8px;padding:6px 10px}.card p{margin:0 0 4px}',
  '.band{padding:0 .4em;border-radius:.3em;color:#fff;font-size:.85em}.stable{background:#1a7f37}.moderate{background:#9a6700}.alert{background:#cf222e}',
  '.key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}.key.ref{background:#afb8c1}.key.cur{background:#0969da}',
].join('\n');

function documentOf(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${CSS}
</style></head>
<body><main>
${body}
</main></body></html>
`;
}

const badge = (status: string): string => `<span class="${escapeHtml(status)}">${escapeHtml(status)}</span>`;

const stat = (label: string, value: string): string =>
  `<div class="stat"><b>${escapeHtml(value)}</b><small>${escapeHtml(label)}</small></div>`;

function table(head: readonly string[], rows: readonly string[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

const num = (value: string): string => `<td class="n">${escapeHtml(value)}</td>`;

const verdict = (ok: boolean | null): string =>
  ok === null ? '<td>not checked</td>' : ok ? '<td class="ok">ok</td>' : '<td class="bad">failed</td>';

/** Rows of one code table: every code of `codes` (0 when absent), then any other key of `counts`. */
function codeRows(codes: readonly string[], counts: Readonly<Record<string, number>>, raw: number): string[] {
  const keys = [...codes, ...Object.keys(counts).filter((k) => !codes.includes(k))];
  return keys.map((code) => {
    const n = counts[code] ?? 0;
    return `<tr${n === 0 ? ' class="zero"' : ''}><td>${escapeHtml(code)}</td>${num(formatCount(n))}${num(percent(raw === 0 ? 0 : n / raw, 2))}</tr>`;
  });
}

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';

/** One bar per day (a gap for a missing day), the day's raw count in the bar's `<title>`; `highlight` drawn apart. */
export function volumeChartSvg(points: readonly VolumePoint[], highlight: string | null = null): string {
  const sorted = [...points].sort((a, b) => compareCodePoints(a.date, b.date));
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) return '<p class="meta">No volume figures.</p>';
  const slots = Math.round((dateMs(last.date) - dateMs(first.date)) / 86_400_000) + 1;
  const width = 720;
  const height = 180;
  const left = 56;
  const top = 12;
  const plotH = height - top - 24;
  const slot = (width - left - 8) / slots;
  const max = Math.max(1, ...sorted.map((p) => p.raw));
  const bars = sorted.map((p) => {
    const i = Math.round((dateMs(p.date) - dateMs(first.date)) / 86_400_000);
    const h = p.raw === 0 ? 0 : Math.max(1, (p.raw / max) * plotH);
    const cls = p.date === highlight ? 'today' : 'vol';
    return `<rect class="${cls}" x="${(left + i * slot + slot * 0.1).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(slot * 0.8).toFixed(1)}" height="${h.toFixed(1)}"><title>${escapeHtml(p.date)}: ${formatCount(p.raw)} raw</title></rect>`;
  });
  const axis = top + plotH;
  return `<svg ${SVG_NS} class="chart volume" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="raw interactions per day">
<line x1="${left}" y1="${axis}" x2="${width - 8}" y2="${axis}" stroke="#d0d7de"/>
<text x="${left - 6}" y="${top + 8}" text-anchor="end">${formatCount(max)}</text><text x="${left - 6}" y="${axis}" text-anchor="end">0</text>
<text x="${left}" y="${height - 6}">${escapeHtml(first.date)}</text><text x="${width - 8}" y="${height - 6}" text-anchor="end">${escapeHtml(last.date)}</text>
${bars.join('\n')}
</svg>`;
}

/** Paired bars per bin, previous run (grey) and this run (blue), both shares; the bin and shares in each pair's `<title>`. */
export function histogramSvg(bins: readonly HistogramBin[]): string {
  if (bins.length === 0) return '<p class="meta">No values.</p>';
  const width = 300;
  const height = 110;
  const top = 6;
  const plotH = height - top - 18;
  const slot = width / bins.length;
  const max = Math.max(1e-9, ...bins.map((b) => Math.max(b.reference, b.current)));
  const bar = (cls: string, x: number, share: number): string => {
    const h = share === 0 ? 0 : Math.max(1, (share / max) * plotH);
    return `<rect class="${cls}" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${(slot * 0.4).toFixed(1)}" height="${h.toFixed(1)}"/>`;
  };
  const pairs = bins.map((b, i) => {
    const x = i * slot + slot * 0.1;
    return `<g><title>${escapeHtml(b.label)}: previous ${percent(b.reference)}, current ${percent(b.current)}</title>${bar('ref', x, b.reference)}${bar('cur', x + slot * 0.4, b.current)}</g>`;
  });
  const firstLabel = bins[0]?.label ?? '';
  const lastLabel = bins[bins.length - 1]?.label ?? '';
  const cut = (s: string) => (s.length > 22 ? `${s.slice(0, 21)}…` : s);
  return `<svg ${SVG_NS} class="chart histogram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img">
<line x1="0" y1="${top + plotH}" x2="${width}" y2="${top + plotH}" stroke="#d0d7de"/>
<text x="0" y="${height - 4}">${escapeHtml(cut(firstLabel))}</text><text x="${width}" y="${height - 4}" text-anchor="end">${escapeHtml(cut(lastLabel))}</text>
${pairs.join('')}
</svg>`;
}

function quarantineSection(entries: readonly QuarantineEntry[], report: ValidationReport): string {
  if (entries.length === 0) return '<p class="meta">Nothing quarantined.</p>';
  const byReason = new Map<string, QuarantineEntry[]>();
  for (const e of entries) {
    const list = byReason.get(e.reason);
    if (list === undefined) byReason.set(e.reason, [e]);
    else list.push(e);
  }
  const totals: Readonly<Record<string, number>> = { ...report.counts.rejected, ...report.counts.removed };
  const order = [...REJECTION_CODES, ...REMOVAL_CODES] as readonly string[];
  const reasons = [...byReason.keys()].sort(
    (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || compareCodePoints(a, b),
  );
  return reasons
    .map((reason) => {
      const list = byReason.get(reason) as QuarantineEntry[];
      const total = totals[reason];
      const rows = list.map((e) => {
        const line =
          e.raw_line.length > MAX_RAW_LINE
            ? `${e.raw_line.slice(0, MAX_RAW_LINE)}… (${formatCount(e.raw_line.length - MAX_RAW_LINE)} more characters)`
            : e.raw_line;
        return `<tr><td>${escapeHtml(e.dataset)}</td><td>${escapeHtml(e.source_key)}:${escapeHtml(e.line_number)}</td><td>${escapeHtml(e.field ?? '')}</td><td><code>${escapeHtml(line)}</code></td></tr>`;
      });
      const of = total === undefined ? '' : ` of ${formatCount(total)}`;
      return `<h3>${escapeHtml(reason)} (${list.length}${of} shown)</h3>\n${table(['dataset', 'source:line', 'field', 'raw line'], rows)}`;
    })
    .join('\n');
}

function snapshotRows(report: ValidationReport): string[] {
  return (['products', 'users'] as const).map((name) => {
    const s = report.snapshots[name];
    const rejected = s.rejected.malformed_json + s.rejected.schema_violation + s.rejected.duplicate;
    return `<tr><td>${name}</td><td>${escapeHtml(s.date ?? 'none')}</td><td>${s.stale ? 'yes' : 'no'}</td>${num(formatCount(s.raw))}${num(formatCount(s.valid))}${num(formatCount(rejected))}</tr>`;
  });
}

const sum = (record: Readonly<Record<string, number>>): number =>
  Object.values(record).reduce((a, b) => a + b, 0);

/**
 * The page of a day's validation report: status badge, key counts, volume of the recent days,
 * thresholds, counts per reason code, null shares, snapshots and quarantine examples. Its only
 * time is the report's own reference time, so the same inputs give the same bytes.
 */
export function renderDayReportHtml(report: ValidationReport, extras: DayReportExtras): string {
  const c = report.counts;
  const rejected = sum(c.rejected);
  const removed = sum(c.removed);
  const thresholds = report.thresholds.map(
    (t) =>
      `<tr><td>${escapeHtml(t.name)}</td>${num(String(t.limit))}${num(t.observed.toFixed(4))}${verdict(t.ok)}</tr>`,
  );
  const nullRows = Object.entries(report.null_share).map(
    ([field, s]) => `<tr><td>${escapeHtml(field)}</td>${num(percent(s, 2))}</tr>`,
  );
  const fieldRows = (record: Readonly<Record<string, number>>) =>
    Object.entries(record).map(([k, n]) => `<tr><td>${escapeHtml(k)}</td>${num(formatCount(n))}</tr>`);
  const errors = report.errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('');
  const body = [
    `<h1>Validation report ${escapeHtml(report.date)}: ${badge(report.status)}</h1>`,
    `<p class="meta">run ${escapeHtml(report.run_id)} · reference time ${escapeHtml(report.reference_time)} · schema version ${escapeHtml(report.schema_version)}</p>`,
    errors === '' ? '' : `<ul class="errors">${errors}</ul>`,
    `<div class="stats">${stat('raw', formatCount(c.raw))}${stat('valid', formatCount(c.valid))}${stat('rejected', formatCount(rejected))}${stat('removed', formatCount(removed))}${stat('clean', formatCount(c.clean))}</div>`,
    `<h2>Thresholds</h2>`,
    table(['threshold', 'limit', 'observed', 'result'], thresholds),
    `<h2>Volume, last 30 days</h2>`,
    volumeChartSvg(extras.volume, report.date),
    `<p class="meta">Raw interactions per day (this day highlighted; days without a report, and days validated in the same run, are left out).</p>`,
    `<h2>Counts per reason code</h2>`,
    `<div class="cols"><div><h3>Rejected</h3>${table(['code', 'records', 'of raw'], codeRows(REJECTION_CODES, c.rejected, c.raw))}</div>`,
    `<div><h3>Removed by cleaning</h3>${table(['code', 'records', 'of raw'], codeRows(REMOVAL_CODES, c.removed, c.raw))}</div>`,
    `<div><h3>Warnings</h3>${table(['code', 'records', 'of raw'], codeRows(WARNING_CODES, report.warnings, c.raw))}</div></div>`,
    `<h2>Null shares</h2>`,
    table(['field', 'null share'], nullRows),
    Object.keys(report.schema_violation_fields).length === 0
      ? ''
      : `<h3>Fields behind schema_violation</h3>${table(['field', 'records'], fieldRows(report.schema_violation_fields))}`,
    Object.keys(report.extra_fields).length === 0
      ? ''
      : `<h3>Unknown fields (extra_field)</h3>${table(['field', 'records'], fieldRows(report.extra_fields))}`,
    `<h2>Snapshots</h2>`,
    table(['dataset', 'snapshot date', 'stale', 'raw', 'valid', 'rejected'], snapshotRows(report)),
    `<h2>Quarantine examples</h2>`,
    quarantineSection(extras.quarantineExamples, report),
  ];
  return documentOf(
    `Validation report ${report.date}: ${report.status}`,
    body.filter((s) => s !== '').join('\n'),
  );
}

const STATUS_RANK: Readonly<Record<ValidationStatus, number>> = { passed: 0, warned: 1, failed: 2 };

/** A run's status: the worst day status, and at least `warned` when the Monitor raised an alert. */
export function runStatus(run: RunReportHeader, summary: MonitoringSummary): ValidationStatus {
  let worst: ValidationStatus = summary.alerts.length > 0 ? 'warned' : 'passed';
  for (const d of run.days) {
    const s = d.status as ValidationStatus;
    if (STATUS_RANK[s] !== undefined && STATUS_RANK[s] > STATUS_RANK[worst]) worst = s;
  }
  return worst;
}

/**
 * The page of a run: status badge, totals, volume of the last 30 days, per-day counts, feature
 * null shares and PSI against their limits, alerts, and one histogram per feature against the
 * previous run. Its only time is the run's reference time.
 */
export function renderRunReportHtml(
  run: RunReportHeader,
  summary: MonitoringSummary,
  histograms: readonly FeatureHistogram[],
): string {
  const status = runStatus(run, summary);
  let raw = 0;
  let valid = 0;
  let clean = 0;
  for (const d of run.days) {
    raw += d.counts.raw;
    valid += d.counts.valid;
    clean += d.counts.clean;
  }
  const config = summary.config;
  const sparse = new Set(config.sparseFeatures);
  const figures = new Map(summary.days.map((d) => [d.date, d]));
  const dayRows = run.days.map((d) => {
    const f = figures.get(d.date);
    const drop = f?.volume_drop;
    return `<tr><td>${escapeHtml(d.date)}</td><td>${badge(d.status)}</td>${num(formatCount(d.counts.raw))}${num(formatCount(d.counts.valid))}${num(formatCount(d.counts.clean))}${num(f === undefined ? '' : percent(f.rejected_share, 2))}${num(drop === null || drop === undefined ? '' : percent(drop))}</tr>`;
  });
  const featureRows = summary.features.map((f) => {
    const limit = sparse.has(`${f.dataset}.${f.feature}`) ? null : config.featureNullShare;
    const nullOk = f.null_share === null || limit === null ? null : !(f.null_share > limit);
    const psiOk = f.psi === null ? null : !(f.psi > config.psiAlert);
    return `<tr><td>${escapeHtml(f.dataset)}</td><td>${escapeHtml(f.feature)}</td><td>${escapeHtml(f.kind)}</td>${num(f.null_share === null ? '' : percent(f.null_share, 2))}${verdict(nullOk)}${num(f.psi === null ? '' : f.psi.toFixed(4))}${verdict(psiOk)}</tr>`;
  });
  const volume = run.volume ?? summary.days.slice(-30).map((d) => ({ date: d.date, raw: d.raw }));
  const cards = histograms.map((h) => {
    const band =
      h.band === null ? '' : ` <span class="band ${escapeHtml(h.band)}">${escapeHtml(h.band)}</span>`;
    const psi = h.psi === null ? 'no previous run' : `PSI ${h.psi.toFixed(4)}`;
    return `<div class="card"><p><b>${escapeHtml(h.dataset)}.${escapeHtml(h.feature)}</b> · ${psi}${band}</p>${histogramSvg(h.bins)}</div>`;
  });
  const alerts = summary.alerts.map((a) => `<li>${escapeHtml(a)}</li>`).join('');
  const previous = summary.previous_as_of;
  const body = [
    `<h1>Run ${escapeHtml(run.run_id)}: ${badge(status)}</h1>`,
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
  ];
  return documentOf(`Run ${run.run_id}: ${status}`, body.join('\n'));
}
