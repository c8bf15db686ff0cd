import { type AlertFinding, type MonitoringAlert, monitoringAlert } from './alerts';
import type { MonitoringConfig } from './config';

/** Share of null (or missing) values in a column; 0 for an empty column. */
export function nullShare(values: readonly unknown[]): number {
  if (values.length === 0) return 0;
  let nulls = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) nulls++;
  return nulls / values.length;
}

/** The null-share limit of a feature column; null (not checked) for a sparse feature. */
export function featureNullLimit(
  config: Pick<MonitoringConfig, 'featureNullShare' | 'sparseFeatures'>,
  dataset: string,
  feature: string,
): number | null {
  return config.sparseFeatures.includes(`${dataset}.${feature}`) ? null : config.featureNullShare;
}

/**
 * The null-share check: true within the limit, false when the share exceeds it (strictly), null
 * when not checked (no limit, or a column that cannot hold null).
 */
export function nullShareOk(observed: number | null, limit: number | null): boolean | null {
  return observed === null || limit === null ? null : !(observed > limit);
}

/** The fields of `dataset` whose null share fails its limit (see `nullShareOk`). */
export function nullShareFindings(
  dataset: string,
  shares: Readonly<Record<string, number | null>>,
  limitOf: (field: string) => number | null,
): AlertFinding[] {
  const findings: AlertFinding[] = [];
  for (const [field, observed] of Object.entries(shares)) {
    const threshold = limitOf(field);
    if (observed !== null && threshold !== null && nullShareOk(observed, threshold) === false)
      findings.push({ dataset, field, observed, threshold });
  }
  return findings;
}

/** The `completeness` alert of a day, listing every field over its limit, or null when none is. */
export function completenessAlert(
  date: string,
  findings: readonly AlertFinding[],
  context: { readonly run_id: string; readonly raised_at: string },
): MonitoringAlert | null {
  const listed = findings
    .map((f) => `${f.dataset}.${f.field ?? '*'} ${f.observed.toFixed(4)} > ${f.threshold}`)
    .join(', ');
  return monitoringAlert(
    {
      check: 'completeness',
      date,
      raised_at: context.raised_at,
      severity: 'warning',
      run_id: context.run_id,
      message: `null share over the limit on ${date}: ${listed}`,
    },
    findings,
  );
}
