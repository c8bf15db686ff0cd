import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';

import { getSettings } from '../config';
import { ObjectNotFoundError } from '../domain/errors';
import { outputKeys } from '../domain/pipeline/layout';
import type { Lake } from '../domain/ports';
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

const escapeHtml = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const rows = (entries: Record<string, unknown>): string =>
  Object.entries(entries)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
    .join('');

/** A small self-contained HTML page of a report: status, counts per code, thresholds. */
export function renderReportHtml(report: ValidationReport): string {
  const c = report.counts;
  const thresholds = report.thresholds
    .map(
      (t) =>
        `<tr><td>${escapeHtml(t.name)}</td><td>${escapeHtml(t.limit)}</td><td>${escapeHtml(t.observed.toFixed(4))}</td><td>${t.ok ? 'ok' : '<b>failed</b>'}</td></tr>`,
    )
    .join('');
  const errors = (report.errors ?? []).map((e) => `<li>${escapeHtml(e)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation report ${escapeHtml(report.date)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}.passed{color:#070}.warned{color:#a60}.failed{color:#b00}</style></head>
<body><h1>Validation report ${escapeHtml(report.date)}: <span class="${escapeHtml(report.status)}">${escapeHtml(report.status)}</span></h1>
${errors === '' ? '' : `<ul>${errors}</ul>`}
<h2>Counts</h2><table>${rows({ raw: c.raw, valid: c.valid, clean: c.clean })}</table>
<h2>Rejected</h2><table>${rows(c.rejected)}</table>
<h2>Removed</h2><table>${rows(c.removed)}</table>
<h2>Warnings</h2><table>${rows(report.warnings)}</table>
<h2>Thresholds</h2><table><tr><th>name</th><th>limit</th><th>observed</th><th></th></tr>${thresholds}</table>
<p>run ${escapeHtml(report.run_id)}, reference time ${escapeHtml(report.reference_time)}, schema version ${escapeHtml(report.schema_version)}</p>
</body></html>
`;
}

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
    return prefersHtml(event)
      ? text(200, renderReportHtml(report), 'text/html; charset=utf-8')
      : json(200, report);
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
