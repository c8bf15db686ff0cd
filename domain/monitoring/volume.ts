import { type MonitoringAlert, monitoringAlert } from './alerts';

/** A day's raw count against the days before it. */
export interface VolumeFigures {
  readonly raw: number;
  /** How many of the previous days had a report (days without one are skipped). */
  readonly previous_days: number;
  /** Mean raw count of those days; null when there are none. */
  readonly previous_mean: number | null;
  /** `1 − raw / mean`: the share by which the day fell short (negative: it grew); null without a mean > 0. */
  readonly drop: number | null;
  /** True when raw < (1 − maxDrop) × mean, with at least `minPreviousDays` previous days. */
  readonly alert: boolean;
}

/** Compares a day's raw count with the mean of the previous days' raw counts. */
export function volumeFigures(
  raw: number,
  previous: readonly number[],
  limits: { readonly maxVolumeDrop: number; readonly minPreviousDays: number },
): VolumeFigures {
  let sum = 0;
  for (const n of previous) sum += n;
  const mean = previous.length === 0 ? null : sum / previous.length;
  const drop = mean === null || mean === 0 ? null : 1 - raw / mean;
  const alert =
    mean !== null && previous.length >= limits.minPreviousDays && raw < (1 - limits.maxVolumeDrop) * mean;
  return { raw, previous_days: previous.length, previous_mean: mean, drop, alert };
}

/** The `volume` alert of a day, or null when its volume did not drop past the limit. */
export function volumeAlert(
  date: string,
  figures: VolumeFigures,
  maxVolumeDrop: number,
  context: { readonly run_id: string; readonly raised_at: string },
): MonitoringAlert | null {
  if (!figures.alert || figures.drop === null || figures.previous_mean === null) return null;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return monitoringAlert(
    {
      check: 'volume',
      date,
      raised_at: context.raised_at,
      severity: 'warning',
      run_id: context.run_id,
      message:
        `raw interactions on ${date}: ${figures.raw}, ${pct(figures.drop)} below the mean ` +
        `${figures.previous_mean.toFixed(1)} of ${figures.previous_days} previous day(s) (limit ${pct(maxVolumeDrop)})`,
    },
    [{ dataset: 'interactions', field: null, observed: figures.drop, threshold: maxVolumeDrop }],
  );
}
