/** Step Functions Task `FoldUsers` (state-machines/pipeline-definition.ts): one user shard of the Map. */
import middy from '@middy/core';
import { type FoldUsersOutcome, foldUsers, shardRecordName } from '../domain/pipeline/fold-users';
import { ShardEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent, recordIterationFailure } from './lib/task-event';

/** The Task: `{run, shard}` → the shard's counts (its features, state and rows are in the lake). */
export async function lambdaHandler(event: unknown): Promise<FoldUsersOutcome> {
  const input = parseTaskEvent('FoldUsers', ShardEvent, event);
  return foldUsers(wiring().portsFor(input.run), input);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(
  recordIterationFailure('FoldUsers', ShardEvent, (e) => shardRecordName(e.shard)),
);
