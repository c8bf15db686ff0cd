import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { joinLakeUri } from '../adapters/lake-from-uri';
import { sha256 } from '../adapters/pipeline-deps';
import { getSettings } from '../config';
import type { PipelineConfig } from '../domain/config';
import { runDayStage } from '../domain/pipeline/day-stage';
import type { PipelineDeps } from '../domain/pipeline/deps';
import { planRun } from '../domain/pipeline/plan';
import { deriveRunId } from '../domain/pipeline/run-id';
import { parseDate } from '../domain/time';
import packageJson from '../package.json';
import {
  confineLakeUri,
  json,
  jsonBody,
  lazily,
  parseRequest,
  pipelineDepsFromSettings,
  problemJson,
} from './lib/http';

/** What `POST /validations` runs against; tests pass their own. */
export interface ValidationsDeps {
  /** The configured lake (`LAKE_URI`), the default input and the base of relative `input_path`s. */
  readonly lakeUri: string;
  /** `OUTPUT_URI` when configured; otherwise reports go to `<input>/processed`, as with the CLI. */
  readonly outputUri: string | undefined;
  readonly config: PipelineConfig;
  readonly depsFor: (uris: { inputUri: string; outputUri: string }) => PipelineDeps;
  /** Wall clock (epoch ms): the reference time of the validation. */
  readonly now: () => number;
}

function bodySchema(roots: readonly string[]) {
  return z.strictObject({
    date: z.string().refine((s) => parseDate(s) !== null, { message: 'must be a real date YYYY-MM-DD' }),
    input_path: z
      .string()
      .min(1)
      .transform((value, ctx) => {
        const uri = confineLakeUri(value, roots);
        if (uri === null) {
          ctx.addIssue({
            code: 'custom',
            message:
              'must be a sub-path of the configured lake without ".." or a URI under the configured lake or output root',
          });
          return z.NEVER;
        }
        return uri;
      })
      .optional(),
  });
}

/**
 * Builds `POST /validations` over `deps`: validation only, for one day (the code path of
 * `npm run validate`: plan, then the day stage without staging the clean day). Writes the day's
 * report and quarantine and returns the report, 200 whatever its status.
 */
export function createHandler(deps: () => ValidationsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const d = deps();
    const roots = d.outputUri === undefined ? [d.lakeUri] : [d.lakeUri, d.outputUri];
    const body = parseRequest(bodySchema(roots), jsonBody(event), 'body');
    const inputUri = body.input_path ?? d.lakeUri;
    const pipeline = d.depsFor({ inputUri, outputUri: d.outputUri ?? joinLakeUri(inputUri, 'processed') });
    const base = {
      mode: 'validate',
      startDate: body.date,
      endDate: body.date,
      referenceTimeMs: d.now(),
      config: d.config,
    };
    const plan = await planRun(pipeline, {
      ...base,
      mode: 'full',
      runId: deriveRunId(base, sha256),
      codeVersion: packageJson.version,
    });
    const summary = await runDayStage(pipeline, plan, body.date, { stageCleanDay: false });
    return json(200, summary.report);
  };
}

const defaultDeps = lazily((): ValidationsDeps => {
  const settings = getSettings();
  return {
    lakeUri: settings.lakeUri,
    outputUri: settings.outputUri,
    config: settings.pipeline,
    depsFor: (uris) => pipelineDepsFromSettings(settings, uris),
    now: () => Date.now(),
  };
});

/** `POST /validations` wired to the process's settings. */
export const lambdaHandler = createHandler(defaultDeps);

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
