import type { RunThresholds } from './config';
import type { PsiBand } from './drift';

/** The monitored figures of one run day (from its validation report and the reports before it). */
export interface DayFigures {
  readonly date: string;
  readonly raw: number;
  /** Rejected records (all reason codes) over raw records. */
  readonly rejected_share: number;
  /** The report's `null_share` per raw field. */
  readonly null_share: Readonly<Record<string, number>>;
  /** Previous days (of the volume window) that had a report. */
  readonly previous_days: number;
  readonly previous_mean: number | null;
  /** `1 − raw / previous_mean`; null without previous days (or a zero mean). */
  readonly volume_drop: number | null;
}

/** The monitored figures of one feature column as of T. */
export interface FeatureFigures {
  readonly dataset: 'users' | 'items';
  readonly feature: string;
  readonly kind: 'numeric' | 'categorical';
  /** Null share of the column; null for columns that cannot hold null. */
  readonly null_share: number | null;
  /** PSI against the previous run's file; null without one (or with no values on a side). */
  readonly psi: number | null;
  readonly band: PsiBand | null;
}

/**
 * What the Monitor stage found for a run: stored in the run manifest (`monitoring`) and at
 * `monitoring/run_id=<id>/monitoring.json`.
 */
export interface MonitoringSummary {
  readonly run_id: string;
  readonly as_of: string;
  /** The `as_of` of the previous feature files the drift is measured against, per dataset. */
  readonly previous_as_of: { readonly users: string | null; readonly items: string | null };
  readonly raised_at: string;
  /** The thresholds the run applied. */
  readonly config: RunThresholds;
  readonly days: readonly DayFigures[];
  readonly features: readonly FeatureFigures[];
  /** Keys of the alerts written (`alerts/date=<day>/<check>.json`). */
  readonly alerts: readonly string[];
}
