import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { InvalidArgumentError } from '../../domain/errors';
import type { RunRef } from '../../domain/pipeline/run-request';
import { writeStageFailure } from '../../domain/pipeline/stage-records';
import { formatTimestamp } from '../../domain/time';
import { wiring } from '../../wiring';

/**
 * Parses a Step Functions Task's event at the edge. The definition builds these payloads, so a
 * mismatch is a bug in the definition: the error names the field, and the run is recorded failed.
 */
export function parseTaskEvent<S extends z.ZodType>(state: string, schema: S, event: unknown): z.infer<S> {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue === undefined ? 'event' : ['event', ...issue.path.map(String)].join('.');
  throw new InvalidArgumentError(field, event, `${state} event: ${issue?.message ?? 'invalid'}`);
}

/**
 * Records a Map iteration's failure in the lake before the error leaves the function (then
 * rethrown unchanged, so Retry and Catch see it as before): on AWS the failed Map reports only that
 * its tolerated failure threshold was exceeded, and RecordFailure reads the iteration's own error
 * from here. A failure to record is logged, never allowed to mask the original error.
 */
export function recordIterationFailure<S extends z.ZodType<{ readonly run: RunRef }>>(
  state: string,
  schema: S,
  recordName: (event: z.infer<S>) => string,
): MiddlewareObj {
  // An event the Task could not parse names no iteration: its error alone is the message.
  const recordOf = (event: unknown) => {
    const parsed = schema.safeParse(event);
    return parsed.success ? { run: parsed.data.run, record: recordName(parsed.data) } : null;
  };
  return {
    onError: async (request) => {
      const error = request.error;
      const target = recordOf(request.event);
      if (target === null || error === null || error === undefined) return;
      try {
        await writeStageFailure(wiring().portsFor(target.run), target.run.run_id, {
          record: target.record,
          error_type: error.name,
          error: error.message,
          failed_at: formatTimestamp(wiring().now()),
        });
      } catch (recordError) {
        wiring().log(`${state}: cannot record the failure of ${target.record}: ${String(recordError)}`);
      }
    },
  };
}
