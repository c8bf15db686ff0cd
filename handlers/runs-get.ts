/** GET /runs/{run_id}: live status, per-stage counts and timings, outputs, error. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { RUN_ID_PATTERN } from '../domain/pipeline/run-id';
import { json, notFound, parseRequest, problemJson } from './lib/http';
import { type RunsService, configuredRunsService } from './lib/runs-service';
import type { RunViewReply } from './lib/api-schemas';

/** `GET /runs/{run_id}` path parameters. */
export const RunPath = z.object({ run_id: z.string().regex(RUN_ID_PATTERN, 'is not a run id') });

/** Builds the handler over a runs service. */
export function createHandler(service: () => RunsService) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const { run_id } = parseRequest(RunPath, event.pathParameters ?? {}, 'path');
    const view = await service().control.get(run_id);
    if (view === null) throw notFound(`run ${run_id}`);
    return json(200, view satisfies RunViewReply);
  };
}

export const lambdaHandler = createHandler(configuredRunsService);
export const handler = middy(lambdaHandler).use(problemJson());
