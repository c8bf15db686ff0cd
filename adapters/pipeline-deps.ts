import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PipelineDeps } from '../domain/pipeline/deps';
import { decodeLines } from './jsonl';
import { lakeFromUri } from './lake-from-uri';
import { encodeParquet } from './parquet';

/** Hex SHA-256. */
export function sha256(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Wires the pipeline's ports to real storage: local disk or S3 by URI, Snappy Parquet, gzip-aware JSONL. */
export function createPipelineDeps(options: {
  inputUri: string;
  outputUri: string;
  s3Client?: S3Client;
  log?: (line: string) => void;
}): PipelineDeps {
  const lakeDeps = options.s3Client === undefined ? {} : { s3Client: options.s3Client };
  return {
    input: lakeFromUri(options.inputUri, lakeDeps),
    output: lakeFromUri(options.outputUri, lakeDeps),
    encodeTable: encodeParquet,
    decodeLines,
    hash: sha256,
    log: options.log ?? (() => undefined),
    clock: () => performance.now(),
  };
}
