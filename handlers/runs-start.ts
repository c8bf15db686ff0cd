/**
 * POST /runs: starts a pipeline run (202), idempotent on `run_id`; 409 when the id was used with
 * other parameters, or while another run writes the same output root.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RunRequest } from '../domain/pipeline/run-request';
import { RequestError, confineLakeUri, json, jsonBody, parseRequest, problemJson } from './lib/http';
import { newRunId } from '../domain/pipeline/run-control';
import { OutputRootLockedError } from '../domain/pipeline/run-lock';
import { type RunsService, configuredRunsService } from './lib/runs-service';

const CONFINED =
  'must be a sub-path of the configured lake without ".." or a URI under the configured lake or output root';

/** The lake URI a request path names, confined to the service's roots (400 naming the field otherwise). */
function confinedPath(
  field: 'input_path' | 'output_path',
  value: string | undefined,
  roots: readonly string[],
) {
  if (value === undefined) return {};
  const uri = confineLakeUri(value, roots);
  if (uri === null)
    throw new RequestError(`body.${field}: ${CONFINED}`, 400, [{ path: `body.${field}`, message: CONFINED }]);
  return { [field]: uri };
}

/** Builds the handler over a runs service. */
export function createHandler(service: () => RunsService) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const s = service();
    const roots = [s.roots.inputUri, s.roots.outputUri];
    const body = parseRequest(RunRequest, jsonBody(event), 'body');
    if (body.schedule !== undefined)
      throw new RequestError('body.schedule: is set by the schedules only', 400, [
        { path: 'body.schedule', message: 'is set by the schedules only' },
      ]);
    const request: RunRequest = {
      ...body,
      ...confinedPath('input_path', body.input_path, roots),
      ...confinedPath('output_path', body.output_path, roots),
    };
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
    });
  };
}

export const lambdaHandler = createHandler(configuredRunsService);
export const handler = middy(lambdaHandler).use(problemJson());
