import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { PipelineDeps } from '../domain/pipeline/deps';
import type { Lake } from '../domain/ports';
import { decodeLines } from './jsonl';
import { lakeFromUri } from './lake-from-uri';
import { encodeParquet } from './parquet';

/** Hex SHA-256. */
export function sha256(content: Uint8Array | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The pipeline's ports over two lakes: Snappy Parquet, gzip-aware JSONL, SHA-256 lineage. */
export function pipelinePorts(input: Lake, output: Lake, log: (line: string) => void): PipelineDeps {
  return {
    input,
    output,
    encodeTable: encodeParquet,
    decodeLines,
    hash: sha256,
    log,
    clock: () => performance.now(),
  };
}

/** The pipeline's ports over two lake URIs (local disk or S3 by URI). */
export function createPipelineDeps(options: {
  inputUri: string;
  outputUri: string;
  s3Client?: S3Client;
  log?: (line: string) => void;
}): PipelineDeps {
  const lakeDeps = options.s3Client === undefined ? {} : { s3Client: options.s3Client };
  return pipelinePorts(
    lakeFromUri(options.inputUri, lakeDeps),
    lakeFromUri(options.outputUri, lakeDeps),
    options.log ?? (() => undefined),
  );
}
