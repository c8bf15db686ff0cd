import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { getSettings } from '../config';
import type { Lake } from '../domain/ports';
import { formatDate, parseDate, parseTimestamp } from '../domain/time';
import {
  configuredLakeUris,
  json,
  lazily,
  parseRequest,
  pipelineDepsFromSettings,
  problemJson,
} from './lib/http';

/** Alerts live under this prefix of the output root, one JSON object per alert. */
export const ALERTS_PREFIX = 'alerts/';

/** Where alerts are read from; tests pass their own. */
export interface AlertsDeps {
  /** The configured output root. */
  readonly output: Lake;
}

/** `since` as a date (midnight UTC) or a timestamp with a zone, to epoch ms; null when neither. */
function sinceMs(value: string): number | null {
  const day = parseDate(value);
  if (day !== null) return day;
  const ts = parseTimestamp(value);
  return ts === null || ts.naive ? null : ts.ms;
}

const AlertsQuery = z.strictObject({
  since: z
    .string()
    .transform((value, ctx) => {
      const ms = sinceMs(value);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: 'must be YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ' });
        return z.NEVER;
      }
      return ms;
    })
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** What an alert object must hold to be listed: when it was raised (monitoring owns the rest). */
const StoredAlert = z.looseObject({
  raised_at: z
    .string()
    .refine((s) => parseTimestamp(s) !== null, { message: 'must be an ISO-8601 timestamp' }),
});

/**
 * Builds `GET /alerts?since=&limit=`: the alerts stored under `alerts/` of the output root, raised
 * at or after `since`, newest first. Objects in `year=/month=/day=` partitions dated before
 * `since` are not read; objects that are not alerts are skipped.
 */
export function createHandler(deps: () => AlertsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const query = parseRequest(AlertsQuery, event.queryStringParameters ?? {}, 'query');
    const { output } = deps();
    const since = query.since ?? Number.NEGATIVE_INFINITY;
    const sinceDay = Number.isFinite(since) ? formatDate(since) : null;
    const keys = (await output.list(ALERTS_PREFIX))
      .map((o) => o.key)
      .filter((key) => key.endsWith('.json'))
      .filter((key) => {
        const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key);
        return sinceDay === null || m === null || `${m[1]}-${m[2]}-${m[3]}` >= sinceDay;
      });
    const alerts: { ms: number; key: string; alert: Record<string, unknown> }[] = [];
    for (const key of keys) {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(await output.read(key)));
      } catch {
        continue;
      }
      const parsed = StoredAlert.safeParse(value);
      if (!parsed.success) continue;
      const ms = (parseTimestamp(parsed.data.raised_at) as { ms: number }).ms;
      if (ms >= since) alerts.push({ ms, key, alert: parsed.data });
    }
    alerts.sort((a, b) => b.ms - a.ms || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
    return json(200, {
      alerts: alerts.slice(0, query.limit).map((a) => a.alert),
      count: Math.min(alerts.length, query.limit),
    });
  };
}

const defaultDeps = lazily((): AlertsDeps => {
  const settings = getSettings();
  return { output: pipelineDepsFromSettings(settings, configuredLakeUris(settings)).output };
});

/** `GET /alerts` wired to the process's settings. */
export const lambdaHandler = createHandler(defaultDeps);

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
