/** Step Functions Task `CommitRun` (state-machines/pipeline-definition.ts): the manifest, written last. */
import middy from '@middy/core';
import { type CommitOutput, commitRun } from '../domain/pipeline/commit-run';
import { RunEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';

/** The Task: `{run}` → the execution's result, pointing at the manifest. */
export async function lambdaHandler(event: unknown): Promise<CommitOutput> {
  const input = parseTaskEvent('CommitRun', RunEvent, event);
  return commitRun(wiring().portsFor(input.run), input);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
