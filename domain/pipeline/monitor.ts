import type { RunMonitor } from '../monitoring/monitor-run';
import type { MonitoringSummary } from '../monitoring/summary';
import type { PipelineDeps } from './deps';
import type { RunRef } from './run-request';
import { readPlan } from './plan';
import { type StageRecord, writeStageRecord } from './stage-records';

/** What `Monitor` records: the monitoring summary of the run, which the manifest embeds. */
export interface MonitorRecord extends StageRecord {
  /** Null when the run was configured without checks. */
  readonly monitoring: MonitoringSummary | null;
}

/** What `Monitor` returns to the state machine. */
export interface MonitorOutcome {
  readonly alerts: number;
}

/**
 * The `Monitor` state: volume, completeness, drift and validation-rate checks over the run's days
 * and features as of T (see `domain/monitoring/monitor-run.ts`), alerts and metrics.
 */
export async function monitor(
  deps: PipelineDeps,
  input: { readonly run: RunRef; readonly as_of: string },
  checks: RunMonitor | null,
): Promise<MonitorOutcome> {
  const started = deps.clock();
  const plan = await readPlan(deps, input.run);
  const monitoring =
    checks === null
      ? null
      : await checks(deps, {
          run_id: plan.params.runId,
          dates: plan.days,
          as_of: input.as_of,
          raised_at_ms: plan.params.referenceTimeMs,
        });
  const seconds = (deps.clock() - started) / 1000;
  await writeStageRecord(deps, input.run.run_id, 'Monitor', {
    stage: 'Monitor',
    seconds,
    records: monitoring?.features.length ?? 0,
    monitoring,
  } satisfies MonitorRecord);
  return { alerts: monitoring?.alerts.length ?? 0 };
}
