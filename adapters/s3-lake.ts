import {
  DeleteObjectsCommand,
  type DeleteObjectsCommandOutput,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';

import { InvalidArgumentError, ObjectNotFoundError, StorageError } from '../domain/errors';
import type { Lake, LakeObject } from '../domain/ports';
import { compareKeys, stripTrailingSlash } from './local-lake';

/** S3's limit on keys per DeleteObjects request. */
const DELETE_BATCH = 1000;
/** How many of the keys a DeleteObjects call could not delete an error message names. */
const DELETE_ERRORS_SHOWN = 10;

/** One entry of a DeleteObjects answer's `Errors`. */
type S3DeleteError = NonNullable<DeleteObjectsCommandOutput['Errors']>[number];

/** A ListObjectsV2 page said it was truncated but gave no token to continue from. */
class TruncatedListingError extends Error {
  constructor(listedSoFar: number) {
    super(`listing truncated after ${listedSoFar} objects without a continuation token`);
    this.name = 'TruncatedListing';
  }
}

/** Tries of a conditional create that S3 answers 409 ConditionalRequestConflict (a concurrent one in flight). */
const CONDITIONAL_CONFLICT_ATTEMPTS = 5;

/** Options for building the one S3 client of a process (endpoint overrides for local servers). */
export interface S3ClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
}

/**
 * Builds an S3 client. With a custom endpoint (a local S3-compatible server) checksums are
 * only sent when S3 requires them, since such servers rarely implement the newer ones.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const config: S3ClientConfig = { region: options.region ?? 'us-east-1' };
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return new S3Client(config);
}

/** Splits `s3://bucket/prefix` into its bucket and key prefix (no slashes at either end). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  const bucket = match?.[1];
  if (bucket === undefined) throw new InvalidArgumentError('S3 URI', uri, 'expected s3://bucket/prefix');
  const prefix = (match?.[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket, prefix };
}

/** A `Lake` over `s3://bucket/prefix`; keys are relative to the prefix. */
export class S3Lake implements Lake {
  readonly uri: string;
  readonly bucket: string;
  /** The key prefix inside the bucket, without a trailing slash ('' for the bucket root). */
  readonly prefix: string;

  constructor(
    uri: string,
    private readonly client: S3Client,
  ) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.uri = stripTrailingSlash(uri);
  }

  /** Every object under `prefix` (paginated ListObjectsV2), sorted in code-point order. */
  async list(prefix: string): Promise<LakeObject[]> {
    const out: LakeObject[] = [];
    const base = this.objectKey('');
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.objectKey(prefix),
            ContinuationToken: token,
          }),
        );
        for (const obj of res.Contents ?? []) {
          if (obj.Key === undefined) continue;
          out.push({
            key: obj.Key.slice(base.length),
            size: obj.Size ?? 0,
            etag: unquote(obj.ETag ?? ''),
            ...(obj.LastModified === undefined ? {} : { lastModified: obj.LastModified.getTime() }),
          });
        }
        token = res.IsTruncated === true ? res.NextContinuationToken : undefined;
        // A truncated page without a token to go on with would end the loop on a partial listing.
        if (res.IsTruncated === true && token === undefined) throw new TruncatedListingError(out.length);
      } while (token !== undefined);
    } catch (err) {
      throw this.storageError('list', prefix, err);
    }
    // S3 lists in UTF-8 byte order already; sorting again keeps the contract independent of that.
    out.sort((a, b) => compareKeys(a.key, b.key));
    return out;
  }

  /** The object's bytes; `ObjectNotFoundError` when absent. */
  async read(key: string): Promise<Uint8Array> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      if (res.Body === undefined) return new Uint8Array(0);
      return await res.Body.transformToByteArray();
    } catch (err) {
      const name = errorName(err);
      if (name === 'NoSuchKey' || name === 'NotFound') throw new ObjectNotFoundError(this.uriOf(key));
      throw this.storageError('read', key, err);
    }
  }

  /** One PutObject of `body` at `key`, with `condition` (e.g. `IfNoneMatch`). */
  private put(key: string, body: Uint8Array | string, condition: { IfNoneMatch?: string } = {}) {
    return this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        // Bytes, not a string, so the SDK knows the length (an empty string body makes it warn).
        Body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
        ...condition,
      }),
    );
  }

  /** A single PUT, which S3 makes visible atomically. */
  async write(key: string, body: Uint8Array | string): Promise<void> {
    try {
      await this.put(key, body);
    } catch (err) {
      throw this.storageError('write', key, err);
    }
  }

  /**
   * One `Upload` (lib-storage): a single PUT below one part, else one multipart upload, which S3
   * makes visible only when it completes. A failing stream leaves the parts uploaded so far
   * (`leavePartsOnError`): the bucket's AbortIncompleteMultipartUpload rule removes them, so the
   * writer needs no s3:AbortMultipartUpload grant, and the stream's own error is the one reported.
   */
  async writeStream(key: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: this.objectKey(key), Body: Readable.from(body) },
        leavePartsOnError: true,
      });
      await upload.done();
    } catch (err) {
      throw this.storageError('write', key, err);
    }
  }

  /**
   * A conditional PUT (`If-None-Match: *`): S3 creates the object only when the key is absent,
   * answering 412 PreconditionFailed when it exists, and 409 ConditionalRequestConflict while a
   * concurrent conditional write of the key is in flight (then retried after a pause, as AWS
   * asks, until one of the two answers).
   */
  async writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.put(key, body, { IfNoneMatch: '*' });
        return true;
      } catch (err) {
        const name = errorName(err);
        if (name === 'PreconditionFailed') return false;
        if (name === 'ConditionalRequestConflict' && attempt < CONDITIONAL_CONFLICT_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        throw this.storageError('create', key, err);
      }
    }
  }

  /**
   * Deletes every object under `prefix`, in DeleteObjects batches of 1000 keys. S3 answers a batch
   * with 200 even when it deleted only some keys, listing the others under `Errors`: any such key
   * fails the call, naming the keys (a delete that left objects behind never reads as success).
   */
  async deletePrefix(prefix: string): Promise<void> {
    const objects = await this.list(prefix);
    for (let start = 0; start < objects.length; start += DELETE_BATCH) {
      const batch = objects.slice(start, start + DELETE_BATCH).map((o) => ({ Key: this.objectKey(o.key) }));
      let errors: readonly S3DeleteError[];
      try {
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
        );
        errors = res.Errors ?? [];
      } catch (err) {
        throw this.storageError('delete', prefix, err);
      }
      if (errors.length > 0) {
        throw new StorageError(
          `cannot delete ${this.uriOf(prefix)}: ${errors.length} of ${batch.length} objects not deleted: ` +
            this.describeDeleteErrors(errors),
          { key: this.uriOf(prefix) },
        );
      }
    }
  }

  /** `s3://bucket/prefix/key`. */
  uriOf(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  private objectKey(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  /** `s3://b/k1 (AccessDenied: Access Denied), …`: the first few keys S3 did not delete, and why. */
  private describeDeleteErrors(errors: readonly S3DeleteError[]): string {
    const shown = errors.slice(0, DELETE_ERRORS_SHOWN).map((e) => {
      const uri = e.Key === undefined ? '(no key)' : `s3://${this.bucket}/${e.Key}`;
      return `${uri} (${e.Code ?? 'unknown error'}${e.Message === undefined ? '' : `: ${e.Message}`})`;
    });
    const more = errors.length - shown.length;
    return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
  }

  private storageError(op: string, key: string, err: unknown): StorageError {
    const reason = err instanceof Error ? `${errorName(err)}: ${err.message}` : String(err);
    return new StorageError(`cannot ${op} ${this.uriOf(key)}: ${reason}`, {
      key: this.uriOf(key),
      cause: err,
    });
  }
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
