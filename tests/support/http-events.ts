/**
 * Builders for HTTP API (payload 2.0) events and a Lambda context, so handler tests call the real
 * middy stack (problem+json included) with events of the exact AWS shape; plus a temp local lake.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { problemJson } from '../../handlers/lib/http';
import { type GenerateOptions, generateLake } from '../../scripts/lib/generate/generate-lake';

/** What varies between test requests. */
export interface HttpRequest {
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** A string is sent as is (so malformed JSON can be sent); anything else is JSON-encoded. */
  readonly body?: unknown;
}

/** An HTTP API v2 event for `routeKey` (e.g. `GET /datasets/{run_id}`), with `rawPath` filled from the path parameters. */
export function httpEvent(routeKey: string, request: HttpRequest = {}): APIGatewayProxyEventV2 {
  const [method = 'GET', route = '/'] = routeKey.split(' ');
  let rawPath = route;
  for (const [name, value] of Object.entries(request.pathParameters ?? {}))
    rawPath = rawPath.replace(`{${name}}`, encodeURIComponent(value));
  const query = request.query ?? {};
  const rawQueryString = new URLSearchParams(query).toString();
  const headers = {
    'content-type': 'application/json',
    host: 'api.example.test',
    ...Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const body =
    request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers,
    ...(Object.keys(query).length === 0 ? {} : { queryStringParameters: query }),
    ...(request.pathParameters === undefined ? {} : { pathParameters: request.pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'jest' },
      requestId: 'request-id',
      routeKey,
      stage: '$default',
      time: '01/Feb/2024:02:00:00 +0000',
      timeEpoch: Date.UTC(2024, 1, 1, 2),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  };
}

/** A Lambda context good enough for middy. */
export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
  memoryLimitInMB: '1024',
  awsRequestId: 'aws-request-id',
  logGroupName: '/aws/lambda/test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/** A reply with its body parsed (JSON and problem+json) or kept as text. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  readonly text: string;
}

/** Wraps a lambda handler in the production middleware (problem+json) and returns a caller that parses replies. */
export function invoker(
  lambdaHandler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
): (event: APIGatewayProxyEventV2) => Promise<Reply> {
  const handler = middy(lambdaHandler).use(problemJson());
  return async (event) => {
    const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    const contentType = String(result.headers?.['content-type'] ?? '');
    const text = result.body ?? '';
    const body: unknown = contentType.includes('json') ? JSON.parse(text) : text;
    return { status: result.statusCode ?? 200, contentType, body, text };
  };
}

/** The `errors[].path` of a problem+json body. */
export function problemPaths(body: unknown): string[] {
  return ((body as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);
}

/** A small faulty lake (3 days from 2024-01-01) for handler tests. */
export const SMALL_LAKE: GenerateOptions = {
  days: 3,
  users: 40,
  products: 30,
  eventsPerDay: 150,
  seed: 5,
  startDate: '2024-01-01',
  clean: false,
  gzip: true,
};

/** Writes a generated lake into `dir` (a local lake root). */
export function writeLake(dir: string, options: GenerateOptions = SMALL_LAKE): void {
  generateLake(options, (key, body) => {
    const file = join(dir, ...key.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  });
}
