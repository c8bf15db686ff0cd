import middy from '@middy/core';
import type { S3Event } from 'aws-lambda';
import { z } from 'zod';

import { decodeLines } from '../adapters/jsonl';
import { parseS3Uri } from '../adapters/s3-lake';
import { CorruptObjectError, ObjectNotFoundError } from '../domain/errors';
import { type RealtimeCounterStore, summarizeObject } from '../domain/ingest/realtime-counters';
import { RAW_PREFIX, isRawObjectKey } from '../domain/lake-layout';
import type { Lake } from '../domain/ports';
import { partitionDateOf } from '../domain/time';
import { wiring } from '../wiring';

/** What `onRawInteractions` reads from and writes to; tests pass their own. */
export interface OnRawInteractionsDeps {
  /** The input lake (`LAKE_URI`). */
  readonly lake: Lake;
  /** `s3://bucket/prefix` of the lake, to map event keys onto lake keys; null for a local lake (keys as they are). */
  readonly lakeS3: { readonly bucket: string; readonly prefix: string } | null;
  readonly counters: RealtimeCounterStore;
  readonly log?: (line: string) => void;
}

/** The fields of an S3 event notification this handler uses. */
const S3Notification = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      /** When the object was created: the arrival the counters measure event times against. */
      eventTime: z.string().datetime({ offset: true }),
      s3: z.object({
        bucket: z.object({ name: z.string() }),
        object: z.object({ key: z.string(), eTag: z.string().optional(), sequencer: z.string().optional() }),
      }),
    }),
  ),
});

/** The lake key of an S3 object, or null when it lies outside the lake. Event keys are URL-encoded, `+` for spaces. */
export function lakeKeyOf(
  lakeS3: OnRawInteractionsDeps['lakeS3'],
  bucket: string,
  encodedKey: string,
): string | null {
  let key: string;
  try {
    key = decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  } catch {
    return null;
  }
  if (lakeS3 === null) return key;
  if (bucket !== lakeS3.bucket) return null;
  if (lakeS3.prefix === '') return key;
  return key.startsWith(`${lakeS3.prefix}/`) ? key.slice(lakeS3.prefix.length + 1) : null;
}

/**
 * Builds the `onRawInteractions` handler (S3 ObjectCreated on `raw/interactions/`): reads each new
 * object and updates the per-user and per-session real-time counters, once per line of an object
 * key, ignoring events stamped outside the arrival window around the object's creation.
 * Objects outside the lake's interaction partitions are ignored; an object gone or corrupt is
 * logged and skipped (validation reports it); anything else fails the invocation so S3 retries it.
 */
export function createHandler(deps: () => OnRawInteractionsDeps) {
  return async function lambdaHandler(event: S3Event): Promise<{ processed: number; skipped: number }> {
    const parsed = S3Notification.parse(event);
    const { lake, lakeS3, counters, log = console.error } = deps();
    let processed = 0;
    let skipped = 0;
    for (const record of parsed.Records) {
      const { bucket, object } = record.s3;
      const key = lakeKeyOf(lakeS3, bucket.name, object.key);
      const day = key === null ? null : partitionDateOf(key);
      if (key === null || day === null || !key.startsWith(RAW_PREFIX.interactions) || !isRawObjectKey(key)) {
        skipped++;
        continue;
      }
      let lines: string[];
      try {
        lines = decodeLines(key, await lake.read(key));
      } catch (err) {
        if (!(err instanceof ObjectNotFoundError || err instanceof CorruptObjectError)) throw err;
        log(`onRawInteractions: skipping ${key}: ${err.message}`);
        skipped++;
        continue;
      }
      const etag = (object.eTag ?? object.sequencer ?? '').replace(/"/g, '');
      const arrivalMs = Date.parse(record.eventTime);
      const applied = await counters.applyObject(key, etag, summarizeObject(lines, day, arrivalMs));
      if (applied) processed++;
      else skipped++;
    }
    return { processed, skipped };
  };
}

/** `onRawInteractions` over the configured input lake and the online table's counters. */
export const lambdaHandler = createHandler(() => {
  const w = wiring();
  const inputUri = w.roots.inputUri;
  return {
    lake: w.inputLake(),
    lakeS3: inputUri.startsWith('s3://') ? parseS3Uri(inputUri) : null,
    counters: w.realtimeCounters(),
  };
});

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
