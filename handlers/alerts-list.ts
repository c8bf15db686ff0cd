import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { listAlerts } from '../domain/monitoring/list-alerts';
import type { Lake } from '../domain/ports';
import { parseDate, parseTimestamp } from '../domain/time';
import { wiring } from '../wiring';
import type { AlertListReply } from './lib/api-schemas';
import { json, parseRequest, problemJson } from './lib/http';

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

/** `GET /alerts` query parameters. */
export const AlertsQuery = z.strictObject({
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

/**
 * Builds `GET /alerts?since=&limit=`: the alerts stored under the output root, raised at or after
 * `since`, newest first (see `listAlerts`).
 */
export function createHandler(deps: () => AlertsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const query = parseRequest(AlertsQuery, event.queryStringParameters ?? {}, 'query');
    const reply: AlertListReply = await listAlerts(deps().output, {
      sinceMs: query.since ?? null,
      limit: query.limit,
    });
    return json(200, reply);
  };
}

/** `GET /alerts` over the configured output root. */
export const lambdaHandler = createHandler(() => ({ output: wiring().outputLake() }));

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
