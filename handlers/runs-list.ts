/** GET /runs?limit=N: recent runs, newest first. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { json, parseRequest, problemJson } from './lib/http';
import { type RunsService, configuredRunsService } from './lib/runs-service';
import type { RunListReply } from './lib/api-schemas';

/** `GET /runs` query parameters. */
export const RunsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });

/** Builds the handler over a runs service. */
export function createHandler(service: () => RunsService) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const { limit } = parseRequest(RunsQuery, event.queryStringParameters ?? {}, 'query');
    return json(200, { runs: await service().control.list(limit) } satisfies RunListReply);
  };
}

export const lambdaHandler = createHandler(configuredRunsService);
export const handler = middy(lambdaHandler).use(problemJson());
