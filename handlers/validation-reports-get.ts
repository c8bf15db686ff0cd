import middy from '@middy/core';
import { wiring } from '../wiring';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { ObjectNotFoundError } from '../domain/errors';
import { readJsonOrNull } from '../domain/lake-json';
import { outputKeys } from '../domain/lake-layout';
import type { Lake } from '../domain/ports';
import { renderDayReportHtml } from '../domain/reports/day-page';
import { parseDate } from '../domain/time';
import type { ValidationReport } from '../domain/validation/report';
import type { ValidationReportReply } from './lib/api-schemas';
import { json, parseRequest, prefersHtml, problemJson, RequestError, text } from './lib/http';

/** Where reports are read from; tests pass their own. */
export interface ValidationReportsDeps {
  /** The configured output root. */
  readonly output: Lake;
}

/** `GET /validation-reports/{date}` path parameters. */
export const ReportPath = z.strictObject({
  date: z.string().refine((s) => parseDate(s) !== null, { message: 'must be a real date YYYY-MM-DD' }),
});

/** Builds `GET /validation-reports/{date}`: the stored report as JSON, or as HTML when the client asks for it. */
export function createHandler(deps: () => ValidationReportsDeps) {
  return async function lambdaHandler(
    event: APIGatewayProxyEventV2,
  ): Promise<APIGatewayProxyStructuredResultV2> {
    const { date } = parseRequest(ReportPath, event.pathParameters ?? {}, 'path');
    const { output } = deps();
    const report = await readJsonOrNull<ValidationReport>(output, outputKeys.report(date));
    if (report === null)
      throw new RequestError(
        `no validation report for ${date}: the day has not been validated (nothing at ${output.uriOf(outputKeys.report(date))})`,
        404,
      );
    if (!prefersHtml(event)) return json(200, report satisfies ValidationReportReply);
    // The page the day stage stored beside the report has the quarantine examples and the volume;
    // a report written before pages existed is rendered from itself alone.
    const page = await output
      .read(outputKeys.reportPage(date))
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

/** `GET /validation-reports/{date}` over the configured output root. */
export const lambdaHandler = createHandler(() => ({ output: wiring().outputLake() }));

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(problemJson());
