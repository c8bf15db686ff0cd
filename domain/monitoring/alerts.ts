import { outputKeys } from '../lake-layout';
import { formatDate, formatTimestamp } from '../time';

/** The data-quality checks that raise alerts (api.md `GET /alerts`). */
export const ALERT_CHECKS = ['volume', 'freshness', 'drift', 'completeness', 'validation'] as const;
export type AlertCheck = (typeof ALERT_CHECKS)[number];

/** One data-quality alert, stored as `alerts/date=<day>/<check>.json` (one per day and check). */
export interface Alert {
  readonly check: AlertCheck;
  /** The day the alert is about (dedup key with `check`). */
  readonly date: string;
  readonly raised_at: string;
  readonly severity: 'warning' | 'critical';
  readonly message: string;
  readonly observed: number | null;
  readonly threshold: number | null;
}

/** Where an alert is stored: writing it again the same day replaces it (deduplication). */
export function alertKey(alert: Pick<Alert, 'check' | 'date'>): string {
  return outputKeys.alert(alert.date, alert.check);
}

/**
 * The freshness check: an alert when the newest raw interactions object is older than
 * `maxAgeHours` (or there is none at all), else null.
 */
export function freshnessAlert(newestMs: number | null, nowMs: number, maxAgeHours: number): Alert | null {
  const ageHours = newestMs === null ? null : (nowMs - newestMs) / 3_600_000;
  if (ageHours !== null && ageHours <= maxAgeHours) return null;
  return {
    check: 'freshness',
    date: formatDate(nowMs),
    raised_at: formatTimestamp(nowMs),
    severity: 'critical',
    message:
      ageHours === null
        ? 'no raw interactions object found'
        : `newest raw interactions object is ${ageHours.toFixed(1)} h old (limit ${maxAgeHours} h)`,
    observed: ageHours,
    threshold: maxAgeHours,
  };
}

/** One exceeded limit behind a monitoring alert. */
export interface AlertFinding {
  /** `interactions` for raw figures, `users` or `items` for feature files. */
  readonly dataset: string;
  /** The raw field or feature; null for a figure of the whole dataset (volume, rejected share). */
  readonly field: string | null;
  readonly observed: number;
  readonly threshold: number;
}

/**
 * An alert raised by the Monitor stage: the stored `Alert` plus the run that raised it and every
 * finding; `observed` and `threshold` are those of the worst finding (highest observed value).
 */
export interface MonitoringAlert extends Alert {
  readonly run_id: string;
  readonly findings: readonly AlertFinding[];
}

/** A monitoring alert from its findings, or null when there are none. */
export function monitoringAlert(
  base: Pick<Alert, 'check' | 'date' | 'raised_at' | 'severity' | 'message'> & { readonly run_id: string },
  findings: readonly AlertFinding[],
): MonitoringAlert | null {
  let worst: AlertFinding | undefined;
  for (const f of findings) if (worst === undefined || f.observed > worst.observed) worst = f;
  if (worst === undefined) return null;
  return {
    check: base.check,
    date: base.date,
    raised_at: base.raised_at,
    severity: base.severity,
    message: base.message,
    observed: worst.observed,
    threshold: worst.threshold,
    run_id: base.run_id,
    findings,
  };
}
