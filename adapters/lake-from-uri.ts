import type { S3Client } from '@aws-sdk/client-s3';

import { InvalidArgumentError } from '../domain/errors';
import type { Lake } from '../domain/ports';
import { LocalLake } from './local-lake';
import { S3Lake, createS3Client } from './s3-lake';

/** Optional collaborators; pass the process's one S3 client (or a test client pointed at a local server). */
export interface LakeDeps {
  readonly s3Client?: S3Client;
}

/** A URI scheme such as `http://`, `gs://` (but not a Windows drive letter like `C:\`). */
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//;

/** Opens the lake a URI names: `s3://` → S3, `file://` or a plain path → the local disk. */
export function lakeFromUri(uri: string, deps: LakeDeps = {}): Lake {
  const kind = lakeKind(uri);
  if (kind === 's3') return new S3Lake(uri, deps.s3Client ?? createS3Client());
  return new LocalLake(uri);
}

/** Joins a sub-path onto a lake URI, e.g. the default output root `<input>/processed`. */
export function joinLakeUri(base: string, sub: string): string {
  lakeKind(base);
  const head = base.replace(/\/+$/, '');
  const tail = sub.replace(/^\/+|\/+$/g, '');
  // Roots (`/`, `file:///`) keep their slashes; everything else gets exactly one separator.
  const root = head === '' ? '/' : head.endsWith(':') ? `${head}///` : `${head}/`;
  if (tail === '') return head === '' || head.endsWith(':') ? root : head;
  return `${root}${tail}`;
}

/** Validates a lake URI and says which adapter serves it. */
function lakeKind(uri: string): 's3' | 'local' {
  if (uri.trim() === '') throw new InvalidArgumentError('lake URI', uri, 'must not be empty');
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'local';
  if (scheme === 's3') {
    if (!/^s3:\/\/[^/]+/.test(uri))
      throw new InvalidArgumentError('lake URI', uri, 'expected s3://bucket/prefix');
    return 's3';
  }
  throw new InvalidArgumentError(
    'lake URI',
    uri,
    `unsupported scheme ${scheme}:// (use s3://, file:// or a path)`,
  );
}
