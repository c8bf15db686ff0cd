/** Hourly schedule (and on demand): alert when the newest raw interactions object is too old. */
import middy from '@middy/core';
import type { Lake } from '../domain/ports';
import { type Alert, alertKey, freshnessAlert } from '../domain/monitoring/alerts';
import { writeJson } from '../domain/lake-json';
import { rawKeys } from '../domain/lake-layout';
import { addDays, formatDate } from '../domain/time';
import { wiring } from '../wiring';

/** What the check reads and writes; tests pass their own. */
export interface FreshnessDeps {
  readonly input: Lake;
  readonly output: Lake;
  readonly now: () => number;
  /** Sends an alert on (SNS on AWS); a no-op locally. */
  readonly notify: (alert: Alert) => Promise<void>;
  /** Raw data older than this is stale (the monitoring config's `freshnessMaxAgeHours`). */
  readonly maxAgeHours: number;
}

/** The newest object among today's and yesterday's partitions (older data is stale by definition). */
async function newestRawObject(input: Lake, nowMs: number): Promise<number | null> {
  let newest: number | null = null;
  for (const date of [formatDate(nowMs), addDays(formatDate(nowMs), -1)])
    for (const o of await input.list(rawKeys.partition('interactions', date)))
      if (o.lastModified !== undefined && (newest === null || o.lastModified > newest))
        newest = o.lastModified;
  return newest;
}

/** Builds the handler over its ports. */
export function createHandler(deps: () => FreshnessDeps) {
  return async function lambdaHandler(): Promise<{ fresh: boolean; alert: Alert | null }> {
    const d = deps();
    const now = d.now();
    const alert = freshnessAlert(await newestRawObject(d.input, now), now, d.maxAgeHours);
    if (alert !== null) {
      await writeJson(d.output, alertKey(alert), alert);
      await d.notify(alert);
    }
    return { fresh: alert === null, alert };
  };
}

/** The check over the configured lakes, alerting through the configured notifier. */
export const lambdaHandler = createHandler(() => {
  const w = wiring();
  return {
    input: w.inputLake(),
    output: w.outputLake(),
    now: w.now,
    notify: (alert) => w.notify(alert),
    maxAgeHours: w.settings.monitoring.freshnessMaxAgeHours,
  };
});

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
