/** Step Functions Task `Monitor` (state-machines/pipeline-definition.ts): data-quality checks, alerts, metrics. */
import middy from '@middy/core';
import { type MonitorOutcome, monitor } from '../domain/pipeline/monitor';
import { AsOfEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';

/** The Task: `{run, as_of}` → how many alerts were raised. */
export async function lambdaHandler(event: unknown): Promise<MonitorOutcome> {
  const input = parseTaskEvent('Monitor', AsOfEvent, event);
  const w = wiring();
  return monitor(w.portsFor(input.run), input, w.runChecks());
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
