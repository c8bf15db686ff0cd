/**
 * The OpenAPI 3.1 document of the HTTP API (api.md's table), generated with zod-openapi from the
 * zod schemas the handlers parse requests with and type replies with (`api-schemas.ts`), so the
 * document cannot drift from the code. Every route but `/health` takes IAM (SigV4) authorization.
 */
import type { z } from 'zod';
import {
  type ZodOpenApiOperationObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
  createDocument,
} from 'zod-openapi';

import { RunRequest } from '../../domain/pipeline/run-request';
import packageJson from '../../package.json';
import { AlertsQuery } from '../alerts-list';
import { DatasetPath } from '../datasets-get';
import { ItemPath } from '../features-item-get';
import { OnlineFeaturesBody } from '../features-online';
import { UserPath } from '../features-user-get';
import { RunPath } from '../runs-get';
import { RunsQuery } from '../runs-list';
import { ReportPath } from '../validation-reports-get';
import { validationsBody } from '../validations-create';
import {
  AlertListReply,
  DatasetReply,
  HealthReply,
  ItemFeaturesReply,
  OnlineFeaturesReply,
  Problem,
  RunListReply,
  RunStartedReply,
  RunViewReply,
  UserFeaturesReply,
  ValidationReportReply,
} from './api-schemas';

/** The security scheme of the IAM-authorized routes (API Gateway's SigV4 convention). */
const SIGV4 = 'sigv4';

const WHY: Readonly<Record<string, string>> = {
  '400': 'Bad input: `errors` names each bad field',
  '404': 'Not found: `detail` says what was looked for',
  '409': 'Conflict: `detail` says with what',
  '415': 'The body is not `application/json`',
  '5XX': 'An internal error; the detail hides internals (see the function logs)',
};

/** A JSON reply. */
function jsonReply(description: string, schema: z.ZodType): ZodOpenApiResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

/** The problem+json replies of the statuses given, and 5XX for every route. */
function problems(...statuses: (keyof typeof WHY)[]): ZodOpenApiResponsesObject {
  const out: ZodOpenApiResponsesObject = {};
  for (const status of [...statuses, '5XX'] as const)
    out[status as `4${string}`] = {
      description: WHY[status] ?? status,
      content: { 'application/problem+json': { schema: Problem } },
    };
  return out;
}

/** A JSON request body. */
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema } } });

/** An operation that takes IAM authorization. */
function iam(op: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  return { ...op, security: [{ [SIGV4]: [] }] };
}

/** The document object (built once per process: it does not change while the code runs). */
function buildDocument(): ReturnType<typeof createDocument> {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: packageJson.name,
      version: packageJson.version,
      description: packageJson.description,
    },
    components: {
      securitySchemes: {
        [SIGV4]: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'AWS Signature Version 4 (IAM authorization of the HTTP API)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
    paths: {
      '/runs': {
        post: iam({
          operationId: 'startRun',
          summary: 'Start a run; a repeated run_id returns the existing run',
          requestBody: body(RunRequest),
          responses: {
            '202': jsonReply('Started, or the existing run of that run_id', RunStartedReply),
            ...problems('400', '409', '415'),
          },
        }),
        get: iam({
          operationId: 'listRuns',
          summary: 'Recent runs, newest first',
          requestParams: { query: RunsQuery },
          responses: { '200': jsonReply('The runs', RunListReply), ...problems('400') },
        }),
      },
      '/runs/{run_id}': {
        get: iam({
          operationId: 'getRun',
          summary: 'Status, per-stage counts and timings, outputs, error',
          requestParams: { path: RunPath },
          responses: { '200': jsonReply('The run', RunViewReply), ...problems('400', '404') },
        }),
      },
      '/validations': {
        post: iam({
          operationId: 'validateDay',
          summary: "Validation only, for one day: writes and returns the day's report",
          requestBody: body(validationsBody([])),
          responses: {
            '200': jsonReply('The report, whatever its status', ValidationReportReply),
            ...problems('400', '409', '415'),
          },
        }),
      },
      '/validation-reports/{date}': {
        get: iam({
          operationId: 'getValidationReport',
          summary: "The day's report; `Accept: text/html` gives the human report",
          requestParams: { path: ReportPath },
          responses: {
            '200': {
              description: 'The report (JSON), or its page (HTML) when asked for',
              content: {
                'application/json': { schema: ValidationReportReply },
                'text/html': { schema: { type: 'string' } },
              },
            },
            ...problems('400', '404'),
          },
        }),
      },
      '/datasets/{run_id}': {
        get: iam({
          operationId: 'getDataset',
          summary: 'The dataset of a succeeded run: split URIs, counts, boundaries, lineage',
          requestParams: { path: DatasetPath },
          responses: { '200': jsonReply('The dataset', DatasetReply), ...problems('400', '404') },
        }),
      },
      '/features/users/{user_id}': {
        get: iam({
          operationId: 'getUserFeatures',
          summary: "The user's latest features with as_of, and the real-time counters",
          requestParams: { path: UserPath },
          responses: { '200': jsonReply('The features', UserFeaturesReply), ...problems('400', '404') },
        }),
      },
      '/features/items/{product_id}': {
        get: iam({
          operationId: 'getItemFeatures',
          summary: "The item's latest features with as_of",
          requestParams: { path: ItemPath },
          responses: { '200': jsonReply('The features', ItemFeaturesReply), ...problems('400', '404') },
        }),
      },
      '/features/online': {
        post: iam({
          operationId: 'getOnlineFeatures',
          summary:
            'Features for inference: one row per requested position, in request order (a repeated id gets a row at each of its positions)',
          requestBody: body(OnlineFeaturesBody),
          responses: {
            '200': jsonReply('One row per candidate position', OnlineFeaturesReply),
            ...problems('400', '415'),
          },
        }),
      },
      '/alerts': {
        get: iam({
          operationId: 'listAlerts',
          summary: 'Data-quality alerts raised at or after `since`, newest first',
          requestParams: { query: AlertsQuery },
          responses: { '200': jsonReply('The alerts', AlertListReply), ...problems('400') },
        }),
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness and versions (no authorization)',
          security: [],
          responses: { '200': jsonReply('Alive', HealthReply) },
        },
      },
      '/openapi.json': {
        get: iam({
          operationId: 'openapi',
          summary: 'This document',
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document of these routes',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...problems(),
          },
        }),
      },
    },
  });
}

let built: ReturnType<typeof createDocument> | undefined;

/** The OpenAPI 3.1 document of every route, generated once from the zod schemas. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  built ??= buildDocument();
  return built;
}
