/** Hourly schedule (and on demand): alert when the newest raw interactions object is too old. */
import middy from '@middy/core';
import type { Lake } from '../domain/ports';
import { type Alert, alertKey, freshnessAlert } from '../domain/monitoring/alerts';
import { defaultMonitoringConfig } from '../domain/monitoring/config';
import { RAW_PREFIX } from '../domain/pipeline/layout';
import { addDays, formatDate, partitionPath } from '../domain/time';
import { getSettings } from '../config';
import { SnsAlertPublisher, createSnsClient } from '../adapters/sns-alerts';
import { configuredLakeUris, lazily, pipelineDepsFromSettings } from './lib/http';

/** Raw data older than this is stale. */
const MAX_AGE_HOURS = defaultMonitoringConfig().freshnessMaxAgeHours;

/** What the check reads and writes; tests pass their own. */
export interface FreshnessDeps {
  readonly input: Lake;
  readonly output: Lake;
  readonly now: () => number;
  /** Sends an alert on (SNS on AWS); a no-op locally. */
  readonly notify: (alert: Alert) => Promise<void>;
}

/** The newest object among today's and yesterday's partitions (older data is stale by definition). */
async function newestRawObject(input: Lake, nowMs: number): Promise<number | null> {
  let newest: number | null = null;
  for (const date of [formatDate(nowMs), addDays(formatDate(nowMs), -1)])
    for (const o of await input.list(`${RAW_PREFIX.interactions}${partitionPath(date)}/`))
      if (o.lastModified !== undefined && (newest === null || o.lastModified > newest))
        newest = o.lastModified;
  return newest;
}

/** Builds the handler over its ports. */
export function createHandler(deps: () => FreshnessDeps) {
  return async function lambdaHandler(): Promise<{ fresh: boolean; alert: Alert | null }> {
    const d = deps();
    const now = d.now();
    const alert = freshnessAlert(await newestRawObject(d.input, now), now, MAX_AGE_HOURS);
    if (alert !== null) {
      await d.output.write(alertKey(alert), JSON.stringify(alert, null, 2) + '\n');
      await d.notify(alert);
    }
    return { fresh: alert === null, alert };
  };
}

const configured = lazily((): FreshnessDeps => {
  const settings = getSettings();
  const deps = pipelineDepsFromSettings(settings, configuredLakeUris(settings));
  const sns =
    settings.alertsTopicArn === undefined
      ? null
      : new SnsAlertPublisher(createSnsClient(settings.s3.region), settings.alertsTopicArn);
  return {
    input: deps.input,
    output: deps.output,
    now: () => Date.now(),
    notify: async (alert) => sns?.publish(alert),
  };
});

export const lambdaHandler = createHandler(configured);
export const handler = middy(lambdaHandler);
