/**
 * The pure half of `npm run client`: which HTTP request each command sends (method, path, query,
 * JSON body), where it goes, and whether it is signed. No I/O here, so all of it is tested on its own.
 */
import type { RunRequest } from '../../../domain/pipeline/run-request';
import { UsageError } from '../cli';

/** One call of the HTTP API (api.md), before it has a host. */
export interface ApiCall {
  readonly method: 'GET' | 'POST';
  /** The route's path, its parameters percent-encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as JSON (`content-type: application/json`). */
  readonly body?: unknown;
}

/** The body of `POST /features/online` (api.md). */
export interface OnlineFeaturesBody {
  readonly user_id: string;
  readonly product_ids: readonly string[];
  readonly at?: string;
  readonly session_id?: string;
  readonly session_position?: number;
}

/** The body of `POST /validations`. */
export interface ValidationBody {
  readonly date: string;
  readonly input_path?: string;
}

/** A path parameter, percent-encoded so that an id holding `/` or spaces stays one segment. */
const segment = (value: string): string => encodeURIComponent(value);

/** The API call behind each client command. */
export const apiCalls = {
  startRun: (request: RunRequest): ApiCall => ({ method: 'POST', path: '/runs', body: request }),
  getRun: (runId: string): ApiCall => ({ method: 'GET', path: `/runs/${segment(runId)}` }),
  listRuns: (limit: number | undefined): ApiCall => ({
    method: 'GET',
    path: '/runs',
    ...(limit === undefined ? {} : { query: { limit: String(limit) } }),
  }),
  getDataset: (runId: string): ApiCall => ({ method: 'GET', path: `/datasets/${segment(runId)}` }),
  userFeatures: (userId: string): ApiCall => ({ method: 'GET', path: `/features/users/${segment(userId)}` }),
  itemFeatures: (productId: string): ApiCall => ({
    method: 'GET',
    path: `/features/items/${segment(productId)}`,
  }),
  onlineFeatures: (body: OnlineFeaturesBody): ApiCall => ({ method: 'POST', path: '/features/online', body }),
  createValidation: (body: ValidationBody): ApiCall => ({ method: 'POST', path: '/validations', body }),
} as const;

/** `a,b,c` as a list of product ids (blanks around commas dropped); an empty item is a usage error. */
export function productIdsOf(text: string): string[] {
  const ids = text.split(',').map((id) => id.trim());
  if (ids.some((id) => id === ''))
    throw new UsageError(`--product-ids: a comma-separated list of product ids, got "${text}"`);
  return ids;
}

/**
 * The request as the SigV4 signer and `fetch` see it: the shape of `@smithy/types`' `HttpRequest`,
 * so the SDK's signer takes it as is.
 */
export interface WireRequest {
  readonly method: string;
  /** `https:` or `http:`. */
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number;
  /** The base URL's path followed by the route's, percent-encoded as sent. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** The `--base-url` (or `API_BASE_URL`) as a URL: http(s), no query or fragment; a usage error otherwise. */
export function parseBaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--base-url: not a URL: "${text}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`--base-url: must be an http:// or https:// URL, got "${text}"`);
  if (url.search !== '' || url.hash !== '')
    throw new UsageError(`--base-url: must have no query or fragment, got "${text}"`);
  return url;
}

/**
 * The request `call` makes against `baseUrl`. The base URL's path (a REST API's stage, say) comes
 * before the route's. `host` is among the headers because SigV4 signs it.
 */
export function wireRequest(baseUrl: URL, call: ApiCall): WireRequest {
  const prefix = baseUrl.pathname.replace(/\/+$/, '');
  const headers: Record<string, string> = { host: baseUrl.host, accept: 'application/json' };
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  return {
    method: call.method,
    protocol: baseUrl.protocol,
    hostname: baseUrl.hostname,
    ...(baseUrl.port === '' ? {} : { port: Number(baseUrl.port) }),
    path: `${prefix}${call.path}`,
    query: call.query ?? {},
    headers,
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  };
}

/** The URL a wire request goes to. */
export function wireUrl(request: WireRequest): string {
  const port = request.port === undefined ? '' : `:${request.port}`;
  const query = new URLSearchParams(request.query).toString();
  return `${request.protocol}//${request.hostname}${port}${request.path}${query === '' ? '' : `?${query}`}`;
}

/**
 * An API Gateway endpoint's host: `<api-id>.execute-api.<region>.amazonaws.com` (also the `.cn`
 * partition and a private API's `<api-id>-<vpce-id>` name); the capture is the region.
 */
const EXECUTE_API_HOST = /^[a-z0-9-]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** The region of an execute-api host, or null for any other host. */
export function executeApiRegion(hostname: string): string | null {
  return EXECUTE_API_HOST.exec(hostname.toLowerCase())?.[1] ?? null;
}

/**
 * Whether and in which region requests to `baseUrl` are SigV4-signed: always for an execute-api
 * host (its region), and for any other host only when `force` is set (`--sign`, for a custom domain
 * name), then in `fallbackRegion` (`AWS_REGION`). Null: not signed (localhost, the local stack).
 */
export function signingRegion(
  baseUrl: URL,
  options: { force: boolean; fallbackRegion: string },
): string | null {
  const region = executeApiRegion(baseUrl.hostname);
  if (region !== null) return region;
  return options.force ? options.fallbackRegion : null;
}
