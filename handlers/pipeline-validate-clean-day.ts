/** Step Functions Task `ValidateCleanDay` (state-machines/pipeline-definition.ts): one day of the Map. */
import middy from '@middy/core';
import { DayEvent } from '../domain/pipeline/run-request';
import { type DayOutcome, validateCleanDay } from '../domain/pipeline/validate-clean-day';
import { dayRecordName } from '../domain/pipeline/stage-records';
import { wiring } from '../wiring';
import { parseTaskEvent, recordIterationFailure } from './lib/task-event';

/** The Task: `{run, date}` → the day's outcome (its report, quarantine and clean day are in the lake). */
export async function lambdaHandler(event: unknown): Promise<DayOutcome> {
  const input = parseTaskEvent('ValidateCleanDay', DayEvent, event);
  return validateCleanDay(wiring().portsFor(input.run), input);
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler).use(
  recordIterationFailure('ValidateCleanDay', DayEvent, (e) => dayRecordName(e.date)),
);
