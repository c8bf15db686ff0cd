import type { PublishResult } from '../online/ports';
import type { Lake } from '../ports';
import type { PipelineDeps } from './deps';
import { checkAsOfNotFuture } from './run-bounds';
import type { RunRef } from './run-request';
import { type StageRecord, writeStageRecord } from './stage-records';

/** Stores the feature files as of T (under an output root) in the online store. */
export type FeaturePublisher = (output: Lake, asOf: string) => Promise<PublishResult>;

/** What `Publish` records and returns. */
export interface PublishOutput extends StageRecord {
  readonly published: boolean;
  readonly as_of: string;
  readonly users: number;
  readonly items: number;
  readonly skipped: number;
  /** Records whose id is too long for the store's key (not stored; present only when some were). */
  readonly unkeyable?: number;
  readonly reason?: string;
}

/**
 * The `Publish` state: the features as of T into the online store, or, when no store is
 * configured, a record saying so (the run goes on: training data does not need the store).
 * An `as_of` more than a day after `wallClockMs` is refused before anything is written.
 */
export async function publish(
  deps: PipelineDeps,
  input: { readonly run: RunRef; readonly as_of: string },
  publisher: FeaturePublisher | null,
  wallClockMs: number,
): Promise<PublishOutput> {
  checkAsOfNotFuture(input.as_of, wallClockMs);
  const started = deps.clock();
  let output: PublishOutput;
  if (publisher === null) {
    output = {
      stage: 'Publish',
      seconds: 0,
      records: 0,
      published: false,
      as_of: input.as_of,
      users: 0,
      items: 0,
      skipped: 0,
      reason: 'no online store configured (FEATURE_TABLE / DYNAMODB_ENDPOINT_URL)',
    };
  } else {
    const result = await publisher(deps.output, input.as_of);
    const unkeyable = result.unkeyable ?? 0;
    deps.log(
      `publish: ${result.users} users, ${result.items} items as of ${input.as_of} (${result.skipped} skipped: newer stored)` +
        (unkeyable > 0 ? `; ${unkeyable} not stored: id longer than the online key allows` : ''),
    );
    output = {
      stage: 'Publish',
      seconds: (deps.clock() - started) / 1000,
      records: result.users + result.items,
      published: true,
      as_of: input.as_of,
      users: result.users,
      items: result.items,
      skipped: result.skipped,
      ...(unkeyable > 0 ? { unkeyable } : {}),
    };
  }
  await writeStageRecord(deps, input.run.run_id, 'Publish', output);
  return output;
}
