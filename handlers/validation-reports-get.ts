import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { getSettings } from '../config';
import { ObjectNotFoundError } from '../domain/errors';
import { outputKeys } from '../domain/pipeline/layout';
import type { Lake } from '../domain/ports';
import { renderDayReportHtml } from '../domain/reports/day-page';
import { parseDate } from '../domain/time';
import type { ValidationReport } from '../domain/validation/report';
import {
  configuredLakeUris,
  json,
  lazily,
  parseRequest,
  pipelineDepsFromSettings,
  prefersHtml,
  problemJson,
  RequestError,
  text,
} from './lib/http';

/** Where reports are read from; tests pass their own. */
export interface ValidationReportsDeps {
  /** The configured output root. */
  readonly output: Lake;
}

const ReportPath = z.strictObject({
  date: z.string().refine((s) => parseDate(s) !== null, { message: 'must be a real date YYYY-MM-DD' }),
});

/** Builds `GET /validation-reports/{date}`: the stored report as JSON, or as HTML when the client asks for it. */
export function createHandler(deps: () => ValidationReportsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const { date } = parseRequest(ReportPath, event.pathParameters ?? {}, 'path');
    const { output } = deps();
    let bytes: Uint8Array;
    try {
      bytes = await output.read(outputKeys.report(date));
    } catch (err) {
      if (err instanceof ObjectNotFoundError)
        throw new RequestError(
          `no validation report for ${date}: the day has not been validated (nothing at ${output.uriOf(outputKeys.report(date))})`,
          404,
        );
      throw err;
    }
    const report = JSON.parse(new TextDecoder().decode(bytes)) as ValidationReport;
    if (!prefersHtml(event)) return json(200, report);
    // The page the day stage stored beside the report has the quarantine examples and the volume;
    // a report written before pages existed is rendered from itself alone.
    const page = await output
      .read(outputKeys.report(date).replace(/report\.json$/, 'report.html'))
      .then((b) => new TextDecoder().decode(b))
      .catch((err: unknown) => {
        if (err instanceof ObjectNotFoundError)
          return renderDayReportHtml(report, {
            quarantineExamples: [],
            volume: [{ date: report.date, raw: report.counts.raw }],
          });
        throw err;
      });
    return text(200, page, 'text/html; charset=utf-8');
  };
}

const defaultDeps = lazily((): ValidationReportsDeps => {
  const settings = getSettings();
  return { output: pipelineDepsFromSettings(settings, configuredLakeUris(settings)).output };
});

/** `GET /validation-reports/{date}` wired to the process's settings. */
export const lambdaHandler = createHandler(defaultDeps);

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
