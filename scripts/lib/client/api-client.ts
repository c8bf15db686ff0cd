/**
 * The HTTP half of `npm run client`: sends an API call (signed when a signer is given), returns the
 * parsed JSON reply, and turns every other outcome into one of two errors a caller can act on.
 */
import type { RequestSigner } from './signer';
import { type ApiCall, type WireRequest, wireRequest, wireUrl } from './requests';

/** One bad field of an RFC 9457 problem (api.md). */
export interface ProblemField {
  readonly path: string;
  readonly message: string;
}

/** The API answered with an error status: its problem+json (or whatever body it sent instead). */
export class ApiError extends Error {
  constructor(
    /** `METHOD /path` of the call. */
    readonly call: string,
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly ProblemField[],
  ) {
    super(`${call}: ${status} ${title}${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'ApiError';
  }

  /** A status worth asking again for (throttling, a gateway or a function that failed for a moment). */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** No answer to read: no connection, a timeout, a reply that is not JSON, or no credentials to sign with. */
export class NoAnswerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NoAnswerError';
  }
}

/** What the client needs: where the API is, and how to sign (null: unsigned). */
export interface ApiClientOptions {
  readonly baseUrl: URL;
  readonly signer: RequestSigner | null;
  /** The longest one request may take (API Gateway stops at 30 s). */
  readonly timeoutMs?: number;
}

/** Sends API calls; resolves with the reply's JSON. */
export interface ApiClient {
  send(call: ApiCall): Promise<unknown>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** The reason of a failed `fetch`: undici puts the system error (`ECONNREFUSED`, ...) in `cause`. */
function fetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if ((error as Error).name === 'TimeoutError') return 'timed out';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** A reply body as JSON, or null when it is not JSON. */
function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The error of a non-2xx reply: the problem's fields when it is problem+json, the raw body otherwise. */
function apiErrorOf(call: string, status: number, statusText: string, text: string): ApiError {
  const body = jsonOrNull(text) as Record<string, unknown> | null;
  const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const errors = Array.isArray(body?.errors)
    ? (body.errors as unknown[]).map((e) => ({
        path: String((e as ProblemField).path ?? ''),
        message: String((e as ProblemField).message ?? ''),
      }))
    : [];
  // API Gateway's own refusals (403 of a missing or bad signature) are `{"message": ...}`.
  const detail = str(body?.detail) ?? str(body?.message) ?? text.trim().slice(0, 500);
  return new ApiError(call, status, str(body?.title) ?? statusText, detail, errors);
}

/** An API client over `fetch`. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async send(call) {
      const label = `${call.method} ${call.path}`;
      let request: WireRequest = wireRequest(options.baseUrl, call);
      if (options.signer !== null) {
        try {
          request = await options.signer(request);
        } catch (error) {
          throw new NoAnswerError(
            `${label}: could not sign the request for ${request.hostname}: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      const url = wireUrl(request);
      // fetch sets `host` itself, from the URL: the same value that was signed.
      const { host: _host, ...headers } = request.headers;
      let reply: Response;
      let text: string;
      try {
        reply = await fetch(url, {
          method: request.method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        text = await reply.text();
      } catch (error) {
        throw new NoAnswerError(`${label}: no answer from ${url}: ${fetchFailure(error)}`, { cause: error });
      }
      if (!reply.ok) throw apiErrorOf(label, reply.status, reply.statusText, text);
      const body = jsonOrNull(text);
      if (body === null)
        throw new NoAnswerError(
          `${label}: ${url} answered ${reply.status} but not with JSON: ${text.slice(0, 200)}`,
        );
      return body;
    },
  };
}
