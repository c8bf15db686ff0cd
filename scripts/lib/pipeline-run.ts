import { createS3Client } from '../../adapters/s3-lake';
import { createPipelineDeps, sha256 } from '../../adapters/pipeline-deps';
import type { Settings } from '../../config';
import { InvalidArgumentError, MissingInputError } from '../../domain/errors';
import type { PipelineDeps } from '../../domain/pipeline/deps';
import { rawInteractionRange } from '../../domain/pipeline/plan';
import { deriveRunId } from '../../domain/pipeline/run-id';
import { type RunOutcome, runPipeline } from '../../domain/pipeline/run-pipeline';
import { REJECTION_CODES, REMOVAL_CODES } from '../../domain/validation/codes';
import { timestampMs } from '../../domain/time';
import { formatTable } from './cli';
import packageJson from '../../package.json';
import { DayWorkerPool } from '../../adapters/day-workers';

/** The package version, recorded in manifests. */
export const CODE_VERSION: string = packageJson.version;

/** What a pipeline run needs from the command line. */
export interface PipelineRequest {
  readonly inputUri: string;
  readonly outputUri: string;
  readonly startDate?: string | undefined;
  readonly endDate?: string | undefined;
  readonly mode: 'full' | 'incremental';
  readonly runId?: string | undefined;
  readonly now?: string | undefined;
  /** Validate days in worker threads (only where tsx is loaded, i.e. the CLIs). */
  readonly workers?: boolean;
}

/** Storage ports for a request, sharing one S3 client when the settings name an endpoint. */
export function depsFor(
  request: Pick<PipelineRequest, 'inputUri' | 'outputUri'>,
  settings: Settings,
  log: (line: string) => void,
): PipelineDeps {
  const usesS3 = request.inputUri.startsWith('s3://') || request.outputUri.startsWith('s3://');
  return createPipelineDeps({
    inputUri: request.inputUri,
    outputUri: request.outputUri,
    ...(usesS3 ? { s3Client: createS3Client(settings.s3) } : {}),
    log,
  });
}

/** Runs the batch pipeline for a request and prints the summary table. */
export async function runPipelineRequest(
  request: PipelineRequest,
  settings: Settings,
  log: (line: string) => void,
): Promise<RunOutcome> {
  if (request.mode === 'incremental')
    throw new InvalidArgumentError(
      '--mode',
      'incremental',
      'incremental runs are not available yet; run --mode full',
    );
  const deps = depsFor(request, settings, log);
  let { startDate, endDate } = request;
  if (startDate === undefined || endDate === undefined) {
    const range = await rawInteractionRange(deps);
    if (range === null)
      throw new MissingInputError(
        'raw interactions',
        endDate ?? 'any date',
        `nothing under ${deps.input.uriOf('raw/interactions/')}`,
      );
    startDate ??= range.start;
    endDate ??= range.end;
  }
  const referenceTimeMs = request.now === undefined ? Date.now() : timestampMs(request.now);
  const config = settings.pipeline;
  const runId =
    request.runId ?? deriveRunId({ mode: request.mode, startDate, endDate, referenceTimeMs, config }, sha256);
  const started = performance.now();
  // CLIs (running under tsx) validate days in worker threads; tests stay in-process.
  const pool =
    request.workers === true && settings.dayConcurrency > 1
      ? new DayWorkerPool(settings.dayConcurrency, {
          inputUri: request.inputUri,
          outputUri: request.outputUri,
          s3: settings.s3,
        })
      : null;
  let outcome: RunOutcome;
  try {
    outcome = await runPipeline(
      deps,
      { runId, mode: request.mode, startDate, endDate, referenceTimeMs, config, codeVersion: CODE_VERSION },
      { dayConcurrency: settings.dayConcurrency, ...(pool === null ? {} : { runDay: pool.runDay }) },
    );
  } finally {
    await pool?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  log('');
  log(summaryTable(outcome, deps.output.uriOf(outcome.manifestKey), seconds));
  return outcome;
}

/** The end-of-run summary: counts per code, users, items, rows per split and where outputs went. */
export function summaryTable(outcome: RunOutcome, manifestUri: string, seconds: number): string {
  const m = outcome.manifest;
  const total = (pick: (d: (typeof m.days)[number]) => number): number =>
    m.days.reduce((n, d) => n + pick(d), 0);
  const raw = total((d) => d.counts.raw);
  const rows: (string | number)[][] = [
    ['run', m.run_id],
    ['days', `${m.start_date}..${m.end_date} (${m.days.length})`],
    ['raw', raw],
    ['valid', total((d) => d.counts.valid)],
    ...REJECTION_CODES.map((c) => [`  rejected ${c}`, total((d) => d.counts.rejected[c])]),
    ...REMOVAL_CODES.map((c) => [`  removed ${c}`, total((d) => d.counts.removed[c])]),
    ['clean', total((d) => d.counts.clean)],
    ['users (features)', m.users ?? 0],
    ['items (features)', m.items ?? 0],
    ['train rows', m.split?.counts.train ?? 0],
    ['validation rows', m.split?.counts.validation ?? 0],
    ['test rows', m.split?.counts.test ?? 0],
    ['seconds', seconds.toFixed(2)],
    ['raw events/s', Math.round(raw / Math.max(seconds, 1e-3))],
  ];
  const outputs = m.outputs.filter((o) => !o.key.includes('/split=') || o.key.endsWith('part-00000.parquet'));
  return [
    formatTable(rows),
    '',
    'outputs:',
    ...outputs.map(
      (o) =>
        `  ${o.uri.replace(/part-00000\.parquet$/, o.key.includes('/split=') ? '' : 'part-00000.parquet')}`,
    ),
    `  manifest ${manifestUri}`,
  ].join('\n');
}
