/**
 * The receiving side of SigV4, for the client's tests: parses a request's `Authorization` header
 * and recomputes its signature with the SDK's signer from the request as it arrived (so a header
 * dropped or changed on the wire, a re-encoded path or a changed body makes it differ).
 */
import { createHash } from 'node:crypto';
import { type CredentialsSource, executeApiSignatureV4 } from '../../scripts/lib/client/signer';
import type { WireRequest } from '../../scripts/lib/client/requests';

/** The parts of `AWS4-HMAC-SHA256 Credential=<key>/<day>/<region>/<service>/aws4_request, SignedHeaders=..., Signature=...`. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly day: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** The parts of a SigV4 `Authorization` header; throws naming what does not fit. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  const match = AUTHORIZATION.exec(header ?? '');
  if (match === null) throw new Error(`not a SigV4 Authorization header: ${JSON.stringify(header)}`);
  const [, accessKeyId, day, region, service, signed, signature] = match as unknown as string[];
  return {
    accessKeyId: accessKeyId as string,
    day: day as string,
    region: region as string,
    service: service as string,
    signedHeaders: (signed as string).split(';'),
    signature: signature as string,
  };
}

/** `20240201T020000Z` as a Date. */
function amzDate(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m === null) throw new Error(`x-amz-date is not YYYYMMDDTHHMMSSZ: ${text}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s));
}

/** A request as a server received it: lower-case headers, the raw path and query, the body. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target as sent, `/path?query`. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Checks a received request's SigV4 signature for `credentials` and returns its parsed
 * authorization: the body's hash must be `x-amz-content-sha256`, the scope's day that of
 * `x-amz-date`, and the signature the one the SDK computes from what arrived.
 */
export async function verifySigV4(
  received: ReceivedRequest,
  credentials: CredentialsSource,
): Promise<ParsedAuthorization> {
  const auth = parseAuthorization(received.headers.authorization);
  const date = received.headers['x-amz-date'] ?? '';
  if (!date.startsWith(auth.day)) throw new Error(`x-amz-date ${date} is not of the scope's day ${auth.day}`);
  const bodyHash = createHash('sha256').update(received.body).digest('hex');
  if (received.headers['x-amz-content-sha256'] !== bodyHash)
    throw new Error(`x-amz-content-sha256 is not the body's SHA-256 (${bodyHash})`);
  const url = new URL(received.target, `http://${received.headers.host ?? 'missing-host'}`);
  const headers = Object.fromEntries(auth.signedHeaders.map((name) => [name, received.headers[name] ?? '']));
  const request: WireRequest = {
    method: received.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    ...(received.body === '' ? {} : { body: received.body }),
  };
  const signer = executeApiSignatureV4(auth.region, credentials);
  const expected = await signer.sign(
    { ...request, query: { ...request.query }, headers: { ...request.headers } },
    { signingDate: amzDate(date), signingService: auth.service },
  );
  const recomputed = parseAuthorization(String(expected.headers.authorization));
  if (recomputed.signature !== auth.signature)
    throw new Error(`signature mismatch: sent ${auth.signature}, recomputed ${recomputed.signature}`);
  return auth;
}

/** A wire request as a server would receive it (for signing checks without a network). */
export function receivedOf(request: WireRequest): ReceivedRequest {
  const query = new URLSearchParams(request.query).toString();
  return {
    method: request.method,
    target: `${request.path}${query === '' ? '' : `?${query}`}`,
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: request.body ?? '',
  };
}
