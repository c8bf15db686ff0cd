import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { ERROR_CODES, PipelineError } from '../../domain/errors';

/** One problem of a request, in RFC 9457 `errors` form: where, and what is wrong. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** The title of each client-error status the routes answer. */
const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  415: 'Unsupported Media Type',
};

/** A bad request: becomes a 400 (or `status`) problem+json naming every bad field. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
    readonly errors: readonly FieldProblem[] = [],
    readonly title: string = TITLES[status] ?? 'Bad Request',
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** 404 naming what was looked for. */
export function notFound(what: string): RequestError {
  return new RequestError(`${what} not found`, 404);
}

/** Parses `value` with a zod schema at the edge; a failure is a 400 naming each field (`where` prefixes paths). */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new RequestError(errors.map((e) => `${e.path}: ${e.message}`).join('; '), 400, errors);
}

/** The value of a request header, whatever the case of its name (HTTP API lowercases; other callers may not). */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

/** Whether a Content-Type is `application/json`, with or without parameters such as `charset`. */
function isJsonMediaType(contentType: string | undefined): boolean {
  const [mediaType = ''] = (contentType ?? '').split(';');
  return mediaType.trim().toLowerCase() === 'application/json';
}

/**
 * The JSON body of an HTTP API event; a missing or malformed body is a 400. A body not declared
 * `application/json` is a 415: a web page can send `text/plain` (or a form) to any origin without a
 * CORS preflight, so accepting it would let any page start runs or write reports.
 */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === '')
    throw new RequestError('body: a JSON object is required', 400, [{ path: 'body', message: 'required' }]);
  const contentType = header(event, 'content-type');
  if (!isJsonMediaType(contentType)) {
    const message = `must be application/json, got ${contentType === undefined ? 'none' : JSON.stringify(contentType)}`;
    throw new RequestError(`Content-Type ${message}`, 415, [{ path: 'headers.content-type', message }]);
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestError('body: not valid JSON', 400, [{ path: 'body', message: 'not valid JSON' }]);
  }
}

/** A JSON reply. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

function problem(
  status: number,
  title: string,
  detail: string,
  errors?: readonly FieldProblem[],
): APIGatewayProxyStructuredResultV2 {
  const body: Record<string, unknown> = { type: 'about:blank', title, status, detail };
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(body),
  };
}

/** Status of a pipeline error met while serving a request. */
function statusOf(error: PipelineError): number {
  if (error.code === ERROR_CODES.invalidArgument) return 400;
  if (error.code === ERROR_CODES.objectNotFound || error.code === ERROR_CODES.missingInput) return 404;
  if (error.code === ERROR_CODES.validationFailed) return 422;
  return 500;
}

/**
 * The one place errors become HTTP replies (RFC 9457 problem+json). Request errors and known
 * pipeline errors keep their message; anything else is a 500 whose detail hides internals.
 */
export function problemJson(): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof RequestError) {
        request.response = problem(error.status, error.title, error.message, error.errors);
      } else if (error instanceof PipelineError) {
        const status = statusOf(error);
        const fieldErrors =
          error.field === undefined ? undefined : [{ path: error.field, message: error.message }];
        request.response = problem(
          status,
          status === 500 ? 'Internal Server Error' : 'Bad Request',
          error.message,
          fieldErrors,
        );
      } else {
        console.error(error);
        request.response = problem(500, 'Internal Server Error', 'unexpected error; see the function logs');
      }
    },
  };
}

/** True when the request's `Accept` header ranks `text/html` above JSON (q-values honoured; JSON wins ties). */
export function prefersHtml(event: APIGatewayProxyEventV2): boolean {
  const accept = event.headers?.accept ?? event.headers?.Accept ?? '';
  let html = 0;
  let jsonQ = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2)) || 0;
    if (range.trim() === 'text/html') html = Math.max(html, q);
    if (range.trim() === 'application/json' || range.trim() === 'application/*') jsonQ = Math.max(jsonQ, q);
  }
  return html > jsonQ;
}

/** A text reply, e.g. an HTML page. */
export function text(status: number, body: string, contentType: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'content-type': contentType }, body };
}
