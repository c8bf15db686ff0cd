import { z } from 'zod';
import { type Settings } from '../../config';
import { joinLakeUri } from '../../domain/lake-uri';
import { parseDate, parseTimestamp } from '../../domain/time';
import { RUN_ID_PATTERN } from '../../domain/pipeline/run-id';
import { UsageError } from './cli';

const isoDate = (flag: string) =>
  z.string().refine((s) => parseDate(s) !== null, { message: `--${flag} must be a date YYYY-MM-DD` });

/** The flags of `npm run pipeline`, validated. */
export const PipelineFlags = z
  .object({
    'input-path': z.string().min(1, '--input-path must not be empty').optional(),
    'output-path': z.string().min(1, '--output-path must not be empty').optional(),
    'start-date': isoDate('start-date').optional(),
    'end-date': isoDate('end-date').optional(),
    date: isoDate('date').optional(),
    mode: z.enum(['full', 'incremental'], { message: '--mode must be full or incremental' }).default('full'),
    'run-id': z
      .string()
      .regex(RUN_ID_PATTERN, '--run-id may hold letters, digits, - and _ (at most 80)')
      .optional(),
    now: z
      .string()
      .refine((s) => parseTimestamp(s) !== null, {
        message: '--now must be an ISO-8601 timestamp such as 2024-02-01T02:00:00Z',
      })
      .optional(),
  })
  .refine(
    (f) => f['start-date'] === undefined || f['end-date'] === undefined || f['start-date'] <= f['end-date'],
    {
      message: '--start-date must not be after --end-date',
    },
  );

/** Parses flags with a zod schema; the first problem becomes a usage error naming the flag. */
export function validateFlags<S extends z.ZodType>(schema: S, values: unknown): z.infer<S> {
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(issue?.message ?? 'invalid flags');
  }
  return parsed.data;
}

/** Input and output URIs from flags, then the environment's defaults. */
export function resolvePaths(
  flags: { 'input-path'?: string | undefined; 'output-path'?: string | undefined },
  settings: Settings,
) {
  const inputUri = flags['input-path'] ?? settings.lakeUri;
  const outputUri = flags['output-path'] ?? settings.outputUri ?? joinLakeUri(inputUri, 'processed');
  return { inputUri, outputUri };
}
