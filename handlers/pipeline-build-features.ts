/** Step Functions Task `BuildFeatures` (state-machines/pipeline-definition.ts): the fold, training rows, features. */
import middy from '@middy/core';
import { type BuildOutcome, buildFeatures } from '../domain/pipeline/build-features';
import { RunEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';

/** The Task: `{run}` → the features' T and counts. */
export async function lambdaHandler(event: unknown): Promise<BuildOutcome> {
  const input = parseTaskEvent('BuildFeatures', RunEvent, event);
  return buildFeatures(wiring().portsFor(input.run), input);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
