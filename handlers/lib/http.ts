import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { ERROR_CODES, PipelineError } from '../../domain/errors';

/** One problem of a request, in RFC 9457 `errors` form: where, and what is wrong. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** A bad request: becomes a 400 (or `status`) problem+json naming every bad field. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number = 400,
    readonly errors: readonly FieldProblem[] = [],
    readonly title: string = status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Bad Request',
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

/** The JSON body of an HTTP API event; a missing or malformed body is a 400. */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === '') throw new RequestError('body: a JSON object is required', 400, [{ path: 'body', message: 'required' }]);
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RequestError('body: not valid JSON', 400, [{ path: 'body', message: 'not valid JSON' }]);
  }
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode: status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function problem(status: number, title: string, detail: string, errors?: readonly FieldProblem[]): APIGatewayProxyStructuredResultV2 {
  const body: Record<string, unknown> = { type: 'about:blank', title, status, detail };
  if (errors !== undefined && errors.length > 0) body.errors = errors;
  return { statusCode: status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(body) };
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
        const fieldErrors = error.field === undefined ? undefined : [{ path: error.field, message: error.message }];
        request.response = problem(status, status === 500 ? 'Internal Server Error' : 'Bad Request', error.message, fieldErrors);
      } else {
        console.error(error);
        request.response = problem(500, 'Internal Server Error', 'unexpected error; see the function logs');
      }
    },
  };
}
