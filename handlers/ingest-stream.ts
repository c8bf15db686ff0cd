import middy from '@middy/core';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { z } from 'zod';

import { gzip } from '../adapters/jsonl';
import {
  SEQUENCE_NUMBER_PATTERN,
  SHARD_ID_PATTERN,
  type StreamRecord,
  jsonlBody,
  planStreamBatch,
} from '../domain/ingest/stream-batch';
import type { Lake } from '../domain/ports';
import { wiring } from '../wiring';

/** Where raw interactions are written; tests pass their own lake. */
export interface IngestStreamDeps {
  /** The input lake (`LAKE_URI`), holding `raw/interactions/`. */
  readonly lake: Lake;
  readonly log?: (line: string) => void;
}

/** The fields of a Kinesis stream event this handler uses (the rest is AWS's). */
const KinesisEvent = z.object({
  Records: z.array(
    z.object({
      eventID: z.string().regex(/^[^:]+:\d+$/, 'must be <shardId>:<sequenceNumber>'),
      kinesis: z.object({
        data: z.string(),
        sequenceNumber: z.string().regex(SEQUENCE_NUMBER_PATTERN, 'must be a decimal sequence number'),
        approximateArrivalTimestamp: z.number().finite(),
      }),
    }),
  ),
});

/** The shard id of a record: the part of `eventID` before the colon. */
function shardIdOf(eventId: string): string {
  const shardId = eventId.slice(0, eventId.indexOf(':'));
  if (!SHARD_ID_PATTERN.test(shardId))
    throw new RangeError(`unexpected shard id in eventID ${JSON.stringify(eventId)}`);
  return shardId;
}

/**
 * Builds the `ingestStream` Kinesis handler: one gzip JSONL object per run of consecutive records
 * of one partition day, keyed by the shard id and the run's first sequence number
 * (`planStreamBatch`), so a retried, bisected or regrouped batch rewrites its own objects and never
 * adds a second copy of a record. A failed write reports that run's records as batch item failures
 * (ReportBatchItemFailures); Lambda retries from the lowest of them, the run's first record.
 */
export function createHandler(deps: () => IngestStreamDeps) {
  return async function lambdaHandler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
    const parsed = KinesisEvent.parse(event);
    const records: StreamRecord[] = parsed.Records.map((r) => ({
      shardId: shardIdOf(r.eventID),
      sequenceNumber: r.kinesis.sequenceNumber,
      // Buffer's UTF-8 decoding replaces invalid bytes with U+FFFD, as the lake readers do.
      text: Buffer.from(r.kinesis.data, 'base64').toString('utf8'),
      arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
    }));
    const { lake, log = console.error } = deps();
    const objects = planStreamBatch(records);
    const results = await Promise.allSettled(objects.map((o) => lake.write(o.key, gzip(jsonlBody(o.lines)))));
    const failed: string[] = [];
    results.forEach((result, i) => {
      const o = objects[i];
      if (result.status === 'fulfilled' || o === undefined) return;
      log(
        `ingestStream: cannot write ${o.key}: ${String((result.reason as Error)?.message ?? result.reason)}`,
      );
      failed.push(...o.sequenceNumbers);
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** `ingestStream` writing into the configured input lake. */
export const lambdaHandler = createHandler(() => ({ lake: wiring().inputLake() }));

/** The Lambda entry point (Kinesis, with `functionResponseType: ReportBatchItemFailures`). */
export const handler = middy(lambdaHandler);
