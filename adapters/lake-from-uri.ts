import type { S3Client } from '@aws-sdk/client-s3';

import { lakeKind } from '../domain/lake-uri';
import type { Lake } from '../domain/ports';
import { LocalLake } from './local-lake';
import { S3Lake, createS3Client } from './s3-lake';

/** Optional collaborators; pass the process's one S3 client (or a test client pointed at a local server). */
export interface LakeDeps {
  readonly s3Client?: S3Client;
}

/** Opens the lake a URI names: `s3://` → S3, `file://` or a plain path → the local disk. */
export function lakeFromUri(uri: string, deps: LakeDeps = {}): Lake {
  const kind = lakeKind(uri);
  if (kind === 's3') return new S3Lake(uri, deps.s3Client ?? createS3Client());
  return new LocalLake(uri);
}
