import { type AlertFinding, type MonitoringAlert, monitoringAlert } from './alerts';
import { MONITORING_DEFAULTS } from './config';

/**
 * Distribution drift of features between two runs, as the Population Stability Index (PSI):
 * `PSI = Σ_bins (c_i − r_i) · ln(c_i / r_i)` over the reference shares `r_i` and current shares
 * `c_i` of each bin (or category). 0 means identical distributions; it grows with the shift.
 */

/** How stable a feature is: PSI < 0.1 stable, 0.1 to 0.2 moderate, above 0.2 alert (by default). */
export type PsiBand = 'stable' | 'moderate' | 'alert';

/** The band of a PSI value: `< moderate` stable, `> alert` alert, moderate in between (both ends included). */
export function psiBand(
  psi: number,
  limits: { readonly moderate: number; readonly alert: number } = {
    moderate: MONITORING_DEFAULTS.psiModerate,
    alert: MONITORING_DEFAULTS.psiAlert,
  },
): PsiBand {
  if (psi < limits.moderate) return 'stable';
  return psi > limits.alert ? 'alert' : 'moderate';
}

/** Σ (c − r) · ln(c / r) over bins, shares from counts, a 0 share replaced by `epsilon`. */
function psiFromCounts(
  reference: ArrayLike<number>,
  referenceTotal: number,
  current: ArrayLike<number>,
  currentTotal: number,
  epsilon: number,
): number {
  let psi = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = (reference[i] as number) / referenceTotal || epsilon;
    const c = (current[i] as number) / currentTotal || epsilon;
    psi += (c - r) * Math.log(c / r);
  }
  return psi;
}

/** The non-null, non-NaN values of a column as numbers (INT64 columns decode as bigint). */
export function numericValues(values: readonly unknown[]): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const x = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number.NaN;
    if (!Number.isNaN(x)) out[n++] = x;
  }
  return out.slice(0, n);
}

/**
 * The `bins − 1` inner bin edges: the reference's quantiles at k / bins (k = 1 .. bins − 1) by
 * linear interpolation between order statistics (position `(n − 1) · k / bins`, numpy's default).
 * `sorted` must be ascending and non-empty.
 */
export function quantileEdges(sorted: Float64Array, bins: number): Float64Array {
  const edges = new Float64Array(bins - 1);
  const last = sorted.length - 1;
  for (let k = 1; k < bins; k++) {
    const h = (last * k) / bins;
    const lo = Math.floor(h);
    const a = sorted[lo] as number;
    const b = sorted[Math.min(lo + 1, last)] as number;
    edges[k - 1] = a + (h - lo) * (b - a);
  }
  return edges;
}

/** Bin of `x`: the number of edges ≤ x, so a value equal to an edge falls in the upper bin. */
function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of `values` fall in each of the `edges.length + 1` bins (see `binOf`). */
export function binCounts(edges: Float64Array, values: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let i = 0; i < values.length; i++) {
    const bin = binOf(edges, values[i] as number);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

/**
 * PSI of a numeric feature, `current` against `reference`. Rules: nulls (and NaN) are ignored;
 * the bins are `bins` (10) quantile bins of the reference — inner edges at its deciles, see
 * `quantileEdges`, the outer bins open-ended; a value equal to an edge always goes to the upper
 * bin; a bin empty on one side gets the share `epsilon` (1e-4) instead of 0, with no
 * renormalisation. Repeated reference values give equal edges and bins empty on both sides,
 * which add 0. Null when either side has no value.
 */
export function psiNumeric(
  reference: readonly unknown[],
  current: readonly unknown[],
  options: { readonly bins?: number; readonly epsilon?: number } = {},
): number | null {
  const bins = options.bins ?? MONITORING_DEFAULTS.psiBins;
  const epsilon = options.epsilon ?? MONITORING_DEFAULTS.psiEpsilon;
  const ref = numericValues(reference).sort();
  const cur = numericValues(current);
  if (ref.length === 0 || cur.length === 0) return null;
  const edges = quantileEdges(ref, bins);
  return psiFromCounts(binCounts(edges, ref), ref.length, binCounts(edges, cur), cur.length, epsilon);
}

/** Non-null values counted per category (`String(value)`). */
export function categoryCounts(values: readonly unknown[]): { counts: Map<string, number>; total: number } {
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  }
  return { counts, total };
}

/**
 * PSI of a categorical feature (strings; booleans as `true`/`false`): one bin per category seen
 * on either side; a category absent from one side gets the share `epsilon` there; nulls are
 * ignored. Null when either side has no value.
 */
export function psiCategorical(
  reference: readonly unknown[],
  current: readonly unknown[],
  options: { readonly epsilon?: number } = {},
): number | null {
  const epsilon = options.epsilon ?? MONITORING_DEFAULTS.psiEpsilon;
  const ref = categoryCounts(reference);
  const cur = categoryCounts(current);
  if (ref.total === 0 || cur.total === 0) return null;
  const categories = new Set([...ref.counts.keys(), ...cur.counts.keys()]);
  const refCounts: number[] = [];
  const curCounts: number[] = [];
  for (const c of categories) {
    refCounts.push(ref.counts.get(c) ?? 0);
    curCounts.push(cur.counts.get(c) ?? 0);
  }
  return psiFromCounts(refCounts, ref.total, curCounts, cur.total, epsilon);
}

/** The `drift` alert of a day, listing every feature whose PSI is in the alert band, or null. */
export function driftAlert(
  date: string,
  features: readonly { readonly dataset: string; readonly feature: string; readonly psi: number | null }[],
  alertLimit: number,
  context: { readonly run_id: string; readonly raised_at: string },
): MonitoringAlert | null {
  const findings: AlertFinding[] = [];
  for (const f of features)
    if (f.psi !== null && f.psi > alertLimit)
      findings.push({ dataset: f.dataset, field: f.feature, observed: f.psi, threshold: alertLimit });
  const listed = findings.map((f) => `${f.dataset}.${f.field ?? '*'} ${f.observed.toFixed(4)}`).join(', ');
  return monitoringAlert(
    {
      check: 'drift',
      date,
      raised_at: context.raised_at,
      severity: 'warning',
      run_id: context.run_id,
      message: `feature drift (PSI > ${alertLimit}) against the previous run: ${listed}`,
    },
    findings,
  );
}
