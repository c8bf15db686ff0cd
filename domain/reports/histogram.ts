/**
 * The bins of the run page's feature histograms. Numeric features are binned exactly as their
 * PSI is (`quantileEdges` and `binCounts` of the drift module), so a histogram shows the shift
 * its PSI measures.
 */
import { binCounts, categoryCounts, numericValues, quantileEdges } from '../monitoring/drift';
import { compareCodePoints } from '../text';
import { formatNumber } from './format';

/** One bin of a feature histogram: its label and the share of values it holds on each side. */
export interface HistogramBin {
  readonly label: string;
  /** Share (0..1) of the previous run's non-null values in the bin. */
  readonly reference: number;
  /** Share (0..1) of this run's non-null values in the bin. */
  readonly current: number;
}

const shareOf = (n: number, total: number): number => (total === 0 ? 0 : n / total);

/**
 * Histogram of a numeric feature over the same bins as its PSI: `bins` quantile bins of the
 * reference (inner edges at its quantiles, outer bins open-ended, an edge value in the upper bin),
 * as shares of each side's non-null values. Without reference values the bins are the current
 * values' quantiles (reference shares 0); with no value on either side, no bins.
 */
export function histogramBins(
  reference: readonly unknown[],
  current: readonly unknown[],
  bins: number,
): HistogramBin[] {
  const ref = numericValues(reference).sort();
  const cur = numericValues(current).sort();
  const base = ref.length > 0 ? ref : cur;
  if (base.length === 0) return [];
  const edges = quantileEdges(base, bins);
  const refCounts = binCounts(edges, ref);
  const curCounts = binCounts(edges, cur);
  const out: HistogramBin[] = [];
  for (let k = 0; k < bins; k++) {
    const lo = k === 0 ? null : formatNumber(edges[k - 1] as number);
    const hi = k === bins - 1 ? null : formatNumber(edges[k] as number);
    const label = lo === null ? `< ${hi}` : hi === null ? `≥ ${lo}` : `${lo} to ${hi}`;
    out.push({
      label,
      reference: shareOf(refCounts[k] as number, ref.length),
      current: shareOf(curCounts[k] as number, cur.length),
    });
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
  const ref = categoryCounts(reference);
  const cur = categoryCounts(current);
  if (ref.total === 0 && cur.total === 0) return [];
  const refShare = (k: string) => shareOf(ref.counts.get(k) ?? 0, ref.total);
  const curShare = (k: string) => shareOf(cur.counts.get(k) ?? 0, cur.total);
  const all = [...new Set([...ref.counts.keys(), ...cur.counts.keys()])];
  const weight = (k: string) => refShare(k) + curShare(k);
  all.sort((a, b) => weight(b) - weight(a) || compareCodePoints(a, b));
  const shown = all.length <= top ? all : all.slice(0, top - 1);
  const out: HistogramBin[] = shown.map((k) => ({ label: k, reference: refShare(k), current: curShare(k) }));
  if (shown.length < all.length) {
    let r = 0;
    let c = 0;
    for (const k of all.slice(shown.length)) {
      r += ref.counts.get(k) ?? 0;
      c += cur.counts.get(k) ?? 0;
    }
    out.push({ label: '(other)', reference: shareOf(r, ref.total), current: shareOf(c, cur.total) });
  }
  return out;
}
