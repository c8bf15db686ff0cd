import type { z } from 'zod';
import { InvalidArgumentError } from '../../domain/errors';

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
