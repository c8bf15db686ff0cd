import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import type { PipelineConfig } from '../domain/config';
import { joinLakeUri } from '../domain/lake-uri';
import type { PipelineDeps } from '../domain/pipeline/deps';
import { validateOneDay } from '../domain/pipeline/validate-clean-day';
import { parseDate } from '../domain/time';
import { wiring } from '../wiring';
import { OutputRootLockedError, validationHolder, withRunLock } from '../domain/pipeline/run-lock';
import { RequestError, json, jsonBody, parseRequest, problemJson } from './lib/http';
import { confineLakeUri } from './lib/lake-paths';
import type { ValidationReportReply } from './lib/api-schemas';

/** What `POST /validations` runs against; tests pass their own. */
export interface ValidationsDeps {
  /** The configured lake (`LAKE_URI`), the default input and the base of relative `input_path`s. */
  readonly lakeUri: string;
  /** `OUTPUT_URI` when configured; otherwise reports go to `<input>/processed`, as with the CLI. */
  readonly outputUri: string | undefined;
  readonly config: PipelineConfig;
  readonly depsFor: (uris: { input_uri: string; output_uri: string }) => PipelineDeps;
  /** Wall clock (epoch ms): the reference time of the validation. */
  readonly now: () => number;
  readonly codeVersion: string;
}

/** `POST /validations` body; `input_path` must lie in one of `roots`. */
export function validationsBody(roots: readonly string[]) {
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
 * `npm run validate`: `validateOneDay`). Writes the day's
 * report and quarantine and returns the report, 200 whatever its status; 409 while a run (or
 * another validation) writes the output root, whose lock it holds while it writes.
 */
export function createHandler(deps: () => ValidationsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const d = deps();
    const roots = d.outputUri === undefined ? [d.lakeUri] : [d.lakeUri, d.outputUri];
    const body = parseRequest(validationsBody(roots), jsonBody(event), 'body');
    const inputUri = body.input_path ?? d.lakeUri;
    const ports = d.depsFor({
      input_uri: inputUri,
      output_uri: d.outputUri ?? joinLakeUri(inputUri, 'processed'),
    });
    const referenceTimeMs = d.now();
    // The day's report and quarantine have no run in their keys: never write them while a run
    // writes this root (409), and hold the root meanwhile so that no run starts on it.
    try {
      const summary = await withRunLock(
        ports.output,
        validationHolder(body.date, referenceTimeMs),
        referenceTimeMs,
        () =>
          validateOneDay(ports, {
            date: body.date,
            referenceTimeMs,
            config: d.config,
            codeVersion: d.codeVersion,
          }),
      );
      return json(200, summary.report satisfies ValidationReportReply);
    } catch (error) {
      if (!(error instanceof OutputRootLockedError)) throw error;
      throw new RequestError(error.message, 409, [{ path: 'body', message: error.message }]);
    }
  };
}

/** `POST /validations` over the configured lake. */
export const lambdaHandler = createHandler(() => {
  const w = wiring();
  return {
    lakeUri: w.roots.inputUri,
    outputUri: w.settings.outputUri,
    config: w.settings.pipeline,
    depsFor: w.portsFor,
    now: w.now,
    codeVersion: w.taskContext.codeVersion,
  };
});

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
