/**
 * The page of a day's validation report (`validation_report_pages/<day>/report.html`), pure: the report
 * in, a self-contained document out. Its status and threshold outcomes are the report's own.
 */
import { compareCodePoints } from '../text';
import { REJECTION_CODES, REMOVAL_CODES, WARNING_CODES } from '../validation/codes';
import type { ValidationReport } from '../validation/report';
import type { QuarantineEntry } from '../validation/source';
import { formatCount, percent } from './format';
import { badge, documentOf, escapeHtml, num, stat, table, verdictCell } from './html';
import { type VolumePoint, volumeChartSvg } from './svg';

/** What a day page shows besides the report itself. */
export interface DayReportExtras {
  /** At most `QUARANTINE_EXAMPLES_PER_REASON` entries per reason (see `quarantineExamples`). */
  readonly quarantineExamples: readonly QuarantineEntry[];
  /** Raw counts of up to the last 30 days, the report's own day included; missing days are gaps. */
  readonly volume: readonly VolumePoint[];
}

/** How many quarantined lines per reason a day page shows. */
export const QUARANTINE_EXAMPLES_PER_REASON = 5;

/** Raw lines longer than this are cut in the page (the quarantine file keeps them whole). */
const MAX_RAW_LINE = 1000;

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

/** Rows of one code table: every code of `codes` (0 when absent), then any other key of `counts`. */
function codeRows(codes: readonly string[], counts: Readonly<Record<string, number>>, raw: number): string[] {
  const keys = [...codes, ...Object.keys(counts).filter((k) => !codes.includes(k))];
  return keys.map((code) => {
    const n = counts[code] ?? 0;
    return `<tr${n === 0 ? ' class="zero"' : ''}><td>${escapeHtml(code)}</td>${num(formatCount(n))}${num(percent(raw === 0 ? 0 : n / raw, 2))}</tr>`;
  });
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
      `<tr><td>${escapeHtml(t.name)}</td>${num(String(t.limit))}${num(t.observed.toFixed(4))}${verdictCell(t.ok)}</tr>`,
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
