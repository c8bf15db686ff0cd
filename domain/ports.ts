/**
 * Narrow storage ports the domain needs. `adapters/` implements them for the local disk and S3;
 * the domain never imports a storage SDK.
 */

/** One stored object: its key relative to the lake root, its size in bytes and a content tag. */
export interface LakeObject {
  readonly key: string;
  readonly size: number;
  /** S3 ETag, or for local files a cheap stable tag (size + mtime); used for lineage only. */
  readonly etag: string;
  /** When the object was last written (epoch ms), where the storage says (freshness checks). */
  readonly lastModified?: number;
}

/**
 * A lake root (`s3://bucket/prefix`, `file://...` or a local path). Keys are `/`-separated and
 * relative to the root. Writes are atomic: a reader sees the old object or the whole new one.
 */
export interface Lake {
  /** The root URI, as given (normalised, no trailing slash). */
  readonly uri: string;
  /** Every object whose key starts with `prefix`, sorted by key in code-point order. */
  list(prefix: string): Promise<LakeObject[]>;
  /** The object's bytes; rejects with `ObjectNotFoundError` when it does not exist. */
  read(key: string): Promise<Uint8Array>;
  /** Writes the whole object atomically (temp + rename locally, a single PUT on S3). */
  write(key: string, body: Uint8Array | string): Promise<void>;
  /**
   * Writes an object from a stream of chunks, atomically and without holding it in memory (temp
   * file + rename locally, one multipart upload on S3). When the stream fails, nothing is written
   * and an existing object under `key` is left as it was.
   */
  writeStream(key: string, body: AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * Creates the object only if no object has `key`, atomically: of concurrent callers exactly one
   * gets true, and a reader sees no object or the whole body, never a part. False (nothing
   * written) when the key exists. The one conditional write of the port: run registrations and
   * the run lock are built on it.
   */
  writeIfAbsent(key: string, body: Uint8Array | string): Promise<boolean>;
  /** Deletes every object under `prefix` (used to replace a partition before rewriting it). */
  deletePrefix(prefix: string): Promise<void>;
  /** The full URI of a key, for reports and manifests. */
  uriOf(key: string): string;
}

/** Encodes a columnar table (see `table.ts`) as a file, e.g. Snappy Parquet. */
export type TableEncoder = (table: import('./table').Table) => Uint8Array;
