/** Step Functions Task `RecordFailure` (state-machines/pipeline-definition.ts): a FAILED manifest, then Fail. */
import middy from '@middy/core';
import { z } from 'zod';
import { recordFailure } from '../domain/pipeline/commit-run';
import { RunRefSchema } from '../domain/pipeline/run-request';
import { wiring } from '../wiring';
import { parseTaskEvent } from './lib/task-event';

/** The whole execution state at the failure: the run pointer when Plan got that far, and the caught error. */
const FailureEvent = z.looseObject({
  state: z.looseObject({
    run: RunRefSchema.optional(),
    error: z.looseObject({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  }),
});

/**
 * The one-line message of a caught Step Functions error: Lambda puts a JSON object with
 * `errorMessage` in `Cause`; a timeout or a runtime error of the engine gives plain text.
 */
export function failureMessage(
  error: { Error?: string | undefined; Cause?: string | undefined } | undefined,
): string {
  const cause = error?.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the engine's own message.
  }
  return cause === '' ? (error?.Error ?? 'unknown error') : cause;
}

/** What a Distributed Map fails with when an iteration fails (its cause names no iteration). */
const MAP_FAILURE_ERROR = 'States.ExceedToleratedFailureThreshold';

/** The Task: `{state}` → `{error}`, the message the execution fails with. */
export async function lambdaHandler(event: unknown): Promise<{ error: string }> {
  const { state } = parseTaskEvent('RecordFailure', FailureEvent, event);
  const message = failureMessage(state.error);
  return recordFailure(state.run === undefined ? null : wiring().portsFor(state.run), state.run, message, {
    mapIterationFailed: state.error?.Error === MAP_FAILURE_ERROR,
  });
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
