import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
  createServer,
  request as httpRequest,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of an S3-compatible server (s3rver), for the failure
 * paths s3rver never takes on its own: it forwards every request unchanged (the Host header too, so
 * signatures still verify) and, for the requests a rule matches, answers instead of the server, or
 * rewrites the server's answer, or drops the connection.
 */

/** The S3 operations the lake adapter sends, told apart by method and query. */
export type S3Operation =
  'ListObjectsV2' | 'GetObject' | 'HeadObject' | 'PutObject' | 'DeleteObjects' | 'Other';

/** A request as the proxy saw it (path-style addressing: `/<bucket>/<key>`). */
export interface S3Request {
  readonly method: string;
  readonly operation: S3Operation;
  readonly bucket: string;
  /** The object key ('' for bucket-level requests). */
  readonly key: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

/** An HTTP reply: from the server (to rewrite) or made up by a rule. */
export interface S3Reply {
  readonly status: number;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
}

/** What a rule does to the requests it matches. */
export type Fault =
  /** Answer without forwarding: the server never sees the request. */
  | { readonly reply: S3Reply }
  /** Forward, then rewrite the server's answer before the client sees it. */
  | { readonly rewrite: (upstream: Required<S3Reply> & { body: Buffer }, request: S3Request) => S3Reply }
  /** Drop the connection without an answer. */
  | { readonly reset: true };

/** A fault and the requests it applies to. */
export interface FaultRule {
  readonly match: (request: S3Request) => boolean;
  readonly fault: Fault;
  /** How many matching requests it applies to before it stops (default: all). */
  readonly times?: number;
}

/** A running proxy: point the S3 client's endpoint at `endpoint`. */
export interface S3FaultProxy {
  readonly endpoint: string;
  /** Adds a rule; the first rule (in order added) that matches a request and has uses left applies. */
  inject(rule: FaultRule): void;
  /** Removes every rule: requests pass through unchanged. */
  clear(): void;
  /** Every request seen so far, in order, and whether a rule applied to it. */
  readonly seen: readonly (S3Request & { readonly faulted: boolean })[];
  close(): Promise<void>;
}

/** Which S3 operation a path-style request is. */
function operationOf(method: string, key: string, query: URLSearchParams): S3Operation {
  if (method === 'POST' && query.has('delete')) return 'DeleteObjects';
  if (method === 'GET' && key === '' && query.get('list-type') === '2') return 'ListObjectsV2';
  if (method === 'GET' && key !== '') return 'GetObject';
  if (method === 'HEAD' && key !== '') return 'HeadObject';
  if (method === 'PUT' && key !== '') return 'PutObject';
  return 'Other';
}

function parseRequest(req: IncomingMessage, body: Buffer): S3Request {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const method = req.method ?? 'GET';
  return {
    method,
    operation: operationOf(method, key, url.searchParams),
    bucket,
    key,
    query: url.searchParams,
    body,
  };
}

async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends a reply, with a Content-Length that fits its body and no checksum of another body. */
function send(res: ServerResponse, reply: S3Reply): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower.startsWith('x-amz-checksum'))
      continue;
    headers[lower] = value;
  }
  headers['content-length'] = body.length;
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** Forwards a request to the server and collects its whole answer. */
function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (res) => {
        readBody(res).then(
          (b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }),
          reject,
        );
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

/** Starts a proxy on a free local port in front of the server at `targetEndpoint` (`http://host:port`). */
export async function startS3FaultProxy(targetEndpoint: string): Promise<S3FaultProxy> {
  const target = new URL(targetEndpoint);
  const rules: { rule: FaultRule; left: number }[] = [];
  const seen: (S3Request & { faulted: boolean })[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const request = parseRequest(req, body);
    const active = rules.find((r) => r.left > 0 && r.rule.match(request));
    seen.push({ ...request, faulted: active !== undefined });
    if (active !== undefined) active.left -= 1;
    const fault = active?.rule.fault;
    if (fault !== undefined && 'reset' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault !== undefined && 'reply' in fault) {
      send(res, fault.reply);
      return;
    }
    const upstream = await forward(target, req, body);
    const reply = fault === undefined ? upstream : fault.rewrite(upstream, request);
    send(res, { ...reply, headers: reply.headers ?? upstream.headers });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // The server is gone or answered nonsense: the client sees a 502, as from a real proxy.
      if (!res.headersSent) send(res, { status: 502, body: String(err) });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    inject: (rule) => rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY }),
    clear: () => rules.splice(0),
    seen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((err) => (err === undefined ? resolve() : reject(err)));
      }),
  };
}

const xmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An error reply as S3 sends it: the status and an `<Error>` document with its code and message. */
export function s3ErrorReply(status: number, code: string, message: string, resource = ''): S3Reply {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>` +
    `<Resource>${xmlEscape(resource)}</Resource><RequestId>fault-proxy</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body };
}

/**
 * A rewrite of a DeleteObjects answer in which the keys `failed` picks are reported under
 * `Errors` (S3 answers 200 and lists per key what it could not delete) instead of `Deleted`.
 */
export function deleteErrorsFor(
  failed: (key: string) => boolean,
  code = 'AccessDenied',
  message = 'Access Denied',
): (upstream: Required<S3Reply> & { body: Buffer }, request: S3Request) => S3Reply {
  return (upstream, request) => {
    const requested = [...request.body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map(
      ([, k = '']) => k,
    );
    const errors = requested
      .filter((k) => failed(unescapeXml(k)))
      .map(
        (k) => `<Error><Key>${k}</Key><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`,
      );
    const deleted = requested
      .filter((k) => !failed(unescapeXml(k)) && !/<Quiet>true<\/Quiet>/.test(request.body.toString('utf8')))
      .map((k) => `<Deleted><Key>${k}</Key></Deleted>`);
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${deleted.join('')}${errors.join('')}</DeleteResult>`;
    return { status: 200, headers: { ...upstream.headers, 'content-type': 'application/xml' }, body };
  };
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
