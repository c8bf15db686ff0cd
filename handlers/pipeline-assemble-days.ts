/** Step Functions Task `AssembleDays` (state-machines/pipeline-definition.ts): one day's training rows. */
import middy from '@middy/core';
import { type AssembleDayOutcome, assembleDays, assembleRecordName } from '../domain/pipeline/assemble-days';
import { DayEvent } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent, recordIterationFailure } from './lib/task-event';

/** The Task: `{run, date}` → the day's row count (its part files are in the lake). */
export async function lambdaHandler(event: unknown): Promise<AssembleDayOutcome> {
  const input = parseTaskEvent('AssembleDays', DayEvent, event);
  return assembleDays(wiring().portsFor(input.run), input);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(
  recordIterationFailure('AssembleDays', DayEvent, (e) => assembleRecordName(e.date)),
);
