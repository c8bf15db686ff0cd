/**
 * POST /runs: starts a pipeline run (202), idempotent on `run_id`; 409 when the id was used with
 * other parameters, or while another run writes the same output root.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RunRequest } from '../domain/pipeline/run-request';
import { type FieldProblem, RequestError, json, jsonBody, parseRequest, problemJson } from './lib/http';
import { confineRunPaths } from './lib/lake-paths';
import { newRunId } from '../domain/pipeline/run-control';
import { OutputRootLockedError } from '../domain/pipeline/run-lock';
import { runBoundProblems } from '../domain/pipeline/run-bounds';
import { type RunsService, configuredRunsService } from './lib/runs-service';
import type { RunStartedReply } from './lib/api-schemas';

/**
 * The request with its paths confined to the service's roots, after every bound of its dates and
 * locations has been checked: a 400 naming each bad field, before anything is stored or started.
 */
function boundedRequest(body: RunRequest, s: RunsService): RunRequest {
  const confined = confineRunPaths(body, s.roots);
  const problems: FieldProblem[] = [
    ...runBoundProblems(body, { wallClockMs: s.clock(), maxRunDays: s.maxRunDays }),
    ...confined.problems,
  ].map((p) => ({ path: `body.${p.field}`, message: p.message }));
  if (problems.length > 0)
    throw new RequestError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), 400, problems);
  return { ...body, ...confined.paths };
}

/** Builds the handler over a runs service. */
export function createHandler(service: () => RunsService) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const s = service();
    const body = parseRequest(RunRequest, jsonBody(event), 'body');
    if (body.schedule !== undefined)
      throw new RequestError('body.schedule: is set by the schedules only', 400, [
        { path: 'body.schedule', message: 'is set by the schedules only' },
      ]);
    const request = boundedRequest(body, s);
    const runId = request.run_id ?? newRunId(request, s.clock());
    const outputUri = request.output_path ?? s.roots.outputUri;
    const outcome = await s.control.start(runId, request, outputUri);
    if (outcome.kind === 'conflict')
      throw new RequestError(`run_id ${runId} was already used with other parameters`, 409, [
        { path: 'body.run_id', message: 'already used with other parameters' },
      ]);
    if (outcome.kind === 'busy') {
      const busy = new OutputRootLockedError(outputUri, outcome.holder).message;
      throw new RequestError(busy, 409, [{ path: 'body', message: busy }]);
    }
    const view = outcome.view;
    return json(202, {
      run_id: view.run_id,
      status: view.status,
      existing: outcome.kind === 'existing',
      links: { self: `/runs/${view.run_id}`, dataset: `/datasets/${view.run_id}` },
    } satisfies RunStartedReply);
  };
}

export const lambdaHandler = createHandler(configuredRunsService);
export const handler = middy(lambdaHandler).use(problemJson());
