import type { ValidationReport } from '../validation/report';
import { share } from '../validation/report';
import { type MonitoringAlert, monitoringAlert } from './alerts';

/** A day's validation failure rate: rejected records (every reason code) over raw records, 0 when none. */
export function rejectedShare(counts: ValidationReport['counts']): number {
  let rejected = 0;
  for (const n of Object.values(counts.rejected)) rejected += n;
  return share(rejected, counts.raw);
}

/** The `validation` alert of a day whose rejected share exceeds (strictly) the limit, else null. */
export function validationAlert(
  date: string,
  observed: number,
  maxRejectedShare: number,
  context: { readonly run_id: string; readonly raised_at: string },
): MonitoringAlert | null {
  if (!(observed > maxRejectedShare)) return null;
  return monitoringAlert(
    {
      check: 'validation',
      date,
      raised_at: context.raised_at,
      severity: 'critical',
      run_id: context.run_id,
      message: `rejected share on ${date}: ${observed.toFixed(4)} > ${maxRejectedShare}`,
    },
    [{ dataset: 'interactions', field: null, observed, threshold: maxRejectedShare }],
  );
}
