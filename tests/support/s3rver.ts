import type { AddressInfo } from 'node:net';

/** The part of s3rver's API the tests use (the package ships no type declarations). */
export interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** s3rver's constructor options the tests pass. */
export interface S3rverOptions {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}

type S3rverCtor = new (options: S3rverOptions) => S3rverServer;

/** What of s3rver's Koa internals the conditional-write check uses. */
interface KoaContext {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, unknown>;
  get(header: string): string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInternals {
  readonly middleware: Middleware[];
  readonly store: { existsObject(bucket: string, key: string): Promise<boolean> };
}
type S3ErrorCtor = new (code: string, message: string, detail?: Record<string, string>) => Error;

/**
 * s3rver as it ships: it answers `If-None-Match` on GET only and ignores it on PUT, so a
 * conditional create always overwrites (the tests show it). Use `S3rver` instead.
 */
// s3rver is CommonJS without types; a typed require keeps every caller checked.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PlainS3rver = require('s3rver') as S3rverCtor;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3Error = require('s3rver/lib/models/error') as S3ErrorCtor;

/**
 * S3's conditional create, as AWS answers it: a PutObject with `If-None-Match: *` on a key that
 * exists is refused with 412 PreconditionFailed and writes nothing. Conditional PUTs of one key
 * are serialised, so the existence check and the write are one step, as on S3.
 */
function conditionalCreate(server: S3rverInternals): Middleware {
  const inFlight = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const conditional =
      ctx.method === 'PUT' &&
      ctx.get('if-none-match') !== '' &&
      ctx.get('x-amz-copy-source') === '' &&
      ctx.query.uploadId === undefined;
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    if (!conditional || match === null) return next();
    if (ctx.get('if-none-match') !== '*')
      throw new S3Error('NotImplemented', 'If-None-Match on PutObject accepts only *');
    const bucket = match[1] as string;
    const key = decodeURIComponent(match[2] as string);
    const id = `${bucket}/${key}`;
    const before = inFlight.get(id) ?? Promise.resolve();
    let done = (): void => undefined;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const chained = before.then(() => mine);
    inFlight.set(id, chained);
    await before;
    try {
      if (await server.store.existsObject(bucket, key))
        throw new S3Error(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          {
            Condition: 'If-None-Match',
          },
        );
      await next();
    } finally {
      done();
      if (inFlight.get(id) === chained) inFlight.delete(id);
    }
  };
}

/**
 * s3rver, the in-process S3-compatible server the S3 tests run against, made as strict as AWS on
 * conditional creates (`If-None-Match: *` on PutObject, see `conditionalCreate`), so the local
 * stack is never more forgiving than S3 there. The check runs just before s3rver's router, after
 * its virtual-host rewrite, so the path is `/<bucket>/<key>`.
 */
export class S3rver extends (PlainS3rver as unknown as new (options: S3rverOptions) => S3rverServer) {
  constructor(options: S3rverOptions) {
    super(options);
    const internals = this as unknown as S3rverInternals;
    internals.middleware.splice(internals.middleware.length - 1, 0, conditionalCreate(internals));
  }
}
