/** Step Functions Task `FoldItems` (state-machines/pipeline-definition.ts): item counts over the days, item features. */
import middy from '@middy/core';
import { type FoldItemsOutcome, foldItems } from '../domain/pipeline/fold-items';
import { RunEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';

/** The Task: `{run}` → T and the item count (the item features and state are in the lake). */
export async function lambdaHandler(event: unknown): Promise<FoldItemsOutcome> {
  const input = parseTaskEvent('FoldItems', RunEvent, event);
  return foldItems(wiring().portsFor(input.run), input);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
