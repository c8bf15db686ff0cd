/** The report pages' charts as inline SVG (no script): the volume bars and the feature histograms. */
import { compareCodePoints } from '../text';
import { dateMs } from '../time';
import { formatCount, percent } from './format';
import type { HistogramBin } from './histogram';
import { escapeHtml } from './html';

/** One day's raw interaction count, a bar of the volume chart. */
export interface VolumePoint {
  readonly date: string;
  readonly raw: number;
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
