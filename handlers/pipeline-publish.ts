/** Step Functions Task `Publish` (state-machines/pipeline-definition.ts): features as of T into the online store. */
import middy from '@middy/core';
import { type PublishOutput, publish } from '../domain/pipeline/publish';
import { AsOfEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';

/** The Task: `{run, as_of}` → what was published (or why not). */
export async function lambdaHandler(event: unknown): Promise<PublishOutput> {
  const input = parseTaskEvent('Publish', AsOfEvent, event);
  const w = wiring();
  return publish(w.portsFor(input.run), input, w.featurePublisher(), w.now());
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
