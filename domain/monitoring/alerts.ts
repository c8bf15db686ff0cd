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
  return `alerts/date=${alert.date}/${alert.check}.json`;
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
