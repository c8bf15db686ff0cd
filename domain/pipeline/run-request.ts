import { z } from 'zod';
import { parseDate, parseTimestamp } from '../time';
import { RUN_ID_PATTERN } from './run-id';

/** The most user shards a run may ask for: each is one Lambda of a Distributed Map and one file per day. */
export const MAX_SHARDS = 1000;

const isoDate = z.string().refine((s) => parseDate(s) !== null, { message: 'must be a date YYYY-MM-DD' });

/**
 * What starts a run: the state machine's input, `POST /runs`'s body, the schedules' input and
 * the CLI's flags all parse into this. Dates left out are resolved by the Plan task.
 */
export const RunRequest = z
  .strictObject({
    mode: z.enum(['full', 'incremental']),
    start_date: isoDate.optional(),
    end_date: isoDate.optional(),
    /** The day of an incremental run. */
    date: isoDate.optional(),
    run_id: z.string().regex(RUN_ID_PATTERN, 'may hold letters, digits, - and _ (at most 80)').optional(),
    /** Reference time; the wall clock when absent. */
    now: z
      .string()
      .refine((s) => parseTimestamp(s) !== null, { message: 'must be an ISO-8601 timestamp' })
      .optional(),
    /** User shards N of the fold (default from config; an incremental run defaults to its state's). */
    shards: z.number().int().min(1).max(MAX_SHARDS).optional(),
    input_path: z.string().min(1).optional(),
    output_path: z.string().min(1).optional(),
    /** Set by the EventBridge schedules (`daily`: yesterday; `weekly`: everything up to yesterday). */
    schedule: z.enum(['daily', 'weekly']).optional(),
  })
  .refine((r) => r.start_date === undefined || r.end_date === undefined || r.start_date <= r.end_date, {
    message: 'start_date must not be after end_date',
    path: ['start_date'],
  });
export type RunRequest = z.infer<typeof RunRequest>;

/** The small pointer every task after Plan receives: which run, where its data lives. */
export interface RunRef {
  readonly run_id: string;
  readonly input_uri: string;
  readonly output_uri: string;
  readonly plan_key: string;
}

/** The small pointer every task after Plan receives, as parsed from the Task's event. */
export const RunRefSchema = z.looseObject({
  run_id: z.string().regex(RUN_ID_PATTERN),
  input_uri: z.string().min(1),
  output_uri: z.string().min(1),
  plan_key: z.string().min(1),
});

/** The event of a Task that works on the whole run (`{run}`). */
export const RunEvent = z.looseObject({ run: RunRefSchema });

/** The event of the per-day Task (`{run, date}`). */
export const DayEvent = z.looseObject({ run: RunRefSchema, date: isoDate });

/** The event of the per-shard Task (`{run, shard}`). */
export const ShardEvent = z.looseObject({
  run: RunRefSchema,
  shard: z
    .number()
    .int()
    .min(0)
    .max(MAX_SHARDS - 1),
});

/** The event of a Task that works on the features as of T (`{run, as_of}`). */
export const AsOfEvent = z.looseObject({ run: RunRefSchema, as_of: isoDate });

/** The configured input lake and output root (the defaults of a request naming neither). */
export interface RunRoots {
  readonly inputUri: string;
  readonly outputUri: string;
}
