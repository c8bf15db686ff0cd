import { z } from 'zod';
import type { Settings } from '../../config';
import { joinLakeUri } from '../../domain/lake-uri';
import { runBoundProblems } from '../../domain/pipeline/run-bounds';
import { RunRequest } from '../../domain/pipeline/run-request';
import { rawLakeOverlapping, rawOverlapMessage } from '../../handlers/lib/lake-paths';
import type { CliSpec, CliValues, FlagSpec } from './cli';
import { UsageError } from './cli';

/** The flags of `npm run pipeline`: each one is a field of the state machine's input, `RunRequest`. */
export const PIPELINE_CLI = {
  command: 'npm run pipeline --',
  summary:
    'Runs the batch pipeline through the state machine (in-process engine): validation, cleaning, features,\n' +
    'training rows and split, monitoring, then the manifest. Exits 1 naming the day and threshold when a day\n' +
    'fails validation or an input is missing, 2 on a bad flag.',
  flags: {
    'input-path': {
      type: 'string',
      placeholder: 'uri',
      description: 'the lake: a path, file:// or s3://bucket/prefix',
      default: '$LAKE_URI or ./lake',
    },
    'output-path': {
      type: 'string',
      placeholder: 'uri',
      description: 'output root: a path, file:// or s3://',
      default: '$OUTPUT_URI or <input>/processed',
    },
    'start-date': {
      type: 'string',
      placeholder: 'YYYY-MM-DD',
      description: 'first day S of a full run',
      default: 'E - 89 days ($TRAINING_WINDOW_DAYS), or the lake’s first day if later',
    },
    'end-date': {
      type: 'string',
      placeholder: 'YYYY-MM-DD',
      description: 'last day E of a full run',
      default: 'the lake’s last interaction day',
    },
    mode: { type: 'string', placeholder: 'full|incremental', description: 'run mode', default: 'full' },
    date: {
      type: 'string',
      placeholder: 'YYYY-MM-DD',
      description: 'the day of an incremental run',
      default: 'yesterday',
    },
    'run-id': {
      type: 'string',
      placeholder: 'id',
      description: 'run id',
      default: 'derived from the parameters',
    },
    shards: {
      type: 'string',
      placeholder: 'n',
      description:
        'user shards N, 1 to 1000: outputs do not depend on it (an incremental run takes its state’s)',
      default: '$USER_SHARDS or 4',
    },
    now: {
      type: 'string',
      placeholder: 'timestamp',
      description: 'reference time (future-timestamp rule, run id); give it for reproducible runs',
      default: 'the wall clock',
    },
  },
  examples: [
    'npm run pipeline -- --input-path ./lake --start-date 2024-01-01 --end-date 2024-01-30 --now 2024-02-01T02:00:00Z',
    'npm run pipeline -- --input-path ./lake --mode incremental --date 2024-01-31 --now 2024-02-01T02:00:00Z',
    'npm run pipeline -- --input-path ./lake --shards 16',
  ],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

/** The flag each `RunRequest` field comes from, for error messages that name the flag. */
const FLAG_OF: Readonly<Record<string, string>> = {
  input_path: '--input-path',
  output_path: '--output-path',
  start_date: '--start-date',
  end_date: '--end-date',
  mode: '--mode',
  date: '--date',
  run_id: '--run-id',
  shards: '--shards',
  now: '--now',
};

/** The run flags of `npm run pipeline` and `npm run client -- runs start`, by their names. */
export type RunFlags = Partial<
  Record<
    'mode' | 'start-date' | 'end-date' | 'date' | 'run-id' | 'shards' | 'now' | 'input-path' | 'output-path',
    string
  >
>;

/** The lake and output root of `--input-path` and `--output-path`, defaulted from the settings. */
export function lakePathsFromFlags(
  flags: { readonly 'input-path'?: string; readonly 'output-path'?: string },
  settings: Settings,
): { input: string; output: string } {
  const input = flags['input-path'] ?? settings.lakeUri;
  return { input, output: flags['output-path'] ?? settings.outputUri ?? joinLakeUri(input, 'processed') };
}

/**
 * The `RunRequest` the run flags spell, validated by the same schema as `POST /runs` and the
 * schedules (a bad value is a usage error naming the flag); a flag not given stays unset, so the
 * receiver applies its own default, except `mode`, which defaults to `full`.
 */
export function runRequestOfFlags(flags: RunFlags): RunRequest {
  const shards = flags.shards;
  if (shards !== undefined && !/^[0-9]+$/.test(shards))
    throw new UsageError(`--shards: must be a whole number of user shards, got "${shards}"`);
  const given = Object.entries({
    mode: flags.mode ?? 'full',
    start_date: flags['start-date'],
    end_date: flags['end-date'],
    date: flags.date,
    run_id: flags['run-id'],
    shards: shards === undefined ? undefined : Number(shards),
    now: flags.now,
    input_path: flags['input-path'],
    output_path: flags['output-path'],
  }).filter(([, value]) => value !== undefined);
  const parsed = RunRequest.safeParse(Object.fromEntries(given));
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const field = String(issue.path[0] ?? '');
    throw new UsageError(`${FLAG_OF[field] ?? field}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The state machine's input for the pipeline's flags (`runRequestOfFlags`), within the same date
 * bounds as `POST /runs` and the schedules. Paths default from the settings; the flags choose the
 * run's roots, but the output never mixes with the input lake's raw data.
 */
export function runRequestFromFlags(
  flags: CliValues<(typeof PIPELINE_CLI)['flags']>,
  settings: Settings,
  wallClockMs: number = Date.now(),
): RunRequest & { input_path: string; output_path: string } {
  const { input, output } = lakePathsFromFlags(flags, settings);
  const request = {
    ...runRequestOfFlags({ ...flags, 'input-path': input, 'output-path': output }),
    input_path: input,
    output_path: output,
  };
  const [bound] = runBoundProblems(request, { wallClockMs, maxRunDays: settings.maxRunDays });
  if (bound !== undefined) throw new UsageError(`${FLAG_OF[bound.field] ?? bound.field}: ${bound.message}`);
  const raw = rawLakeOverlapping(request.output_path, [request.input_path, settings.lakeUri]);
  if (raw !== null) throw new UsageError(`--output-path: ${rawOverlapMessage(raw)}`);
  return request;
}
