import { createS3Client } from '../../adapters/s3-lake';
import { createPipelineDeps } from '../../adapters/pipeline-deps';
import type { Settings } from '../../config';
import type { PipelineDeps } from '../../domain/pipeline/deps';
import type { RunOutcome } from '../../domain/pipeline/manifest';
import type { RunRequest } from '../../domain/pipeline/run-request';
import { runPipelineLocally } from '../../handlers/lib/local-pipeline';
import {
  type Publisher,
  configuredMonitor,
  createPipelineTasks,
  skipPublish,
} from '../../handlers/lib/pipeline-tasks';
import { REJECTION_CODES, REMOVAL_CODES } from '../../domain/validation/codes';
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
  /** The day of an incremental run. */
  readonly date?: string | undefined;
  readonly mode: 'full' | 'incremental';
  readonly runId?: string | undefined;
  readonly now?: string | undefined;
  /** Validate days in worker threads (only where tsx is loaded, i.e. the CLIs). */
  readonly workers?: boolean;
  /** Where Publish sends features (default: not published). */
  readonly publish?: Publisher;
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

/**
 * Runs the pipeline for a request through the state machine (in-process engine) and prints the
 * summary table. The CLIs (running under tsx) validate days in worker threads; tests stay in-process.
 */
export async function runPipelineRequest(
  request: PipelineRequest,
  settings: Settings,
  log: (line: string) => void,
): Promise<RunOutcome> {
  const deps = depsFor(request, settings, log);
  const tasks = createPipelineTasks({
    depsFor: () => deps,
    ctx: { config: settings.pipeline, codeVersion: CODE_VERSION, wallClock: () => Date.now() },
    defaults: { input_uri: request.inputUri, output_uri: request.outputUri },
    publish: request.publish ?? skipPublish,
    // On Lambda the metrics go to stdout for CloudWatch; on the command line only when asked.
    monitor: configuredMonitor(
      settings,
      settings.emfStdout ? (doc) => log(JSON.stringify(doc)) : () => undefined,
    ),
  });
  const pool =
    request.workers === true && settings.dayConcurrency > 1
      ? new DayWorkerPool(settings.dayConcurrency, {
          inputUri: request.inputUri,
          outputUri: request.outputUri,
          s3: settings.s3,
        })
      : null;
  const runRequest: RunRequest = {
    mode: request.mode,
    ...(request.startDate === undefined ? {} : { start_date: request.startDate }),
    ...(request.endDate === undefined ? {} : { end_date: request.endDate }),
    ...(request.date === undefined ? {} : { date: request.date }),
    ...(request.runId === undefined ? {} : { run_id: request.runId }),
    ...(request.now === undefined ? {} : { now: request.now }),
  };
  const started = performance.now();
  let outcome: RunOutcome;
  try {
    outcome = await runPipelineLocally(
      pool === null ? tasks : { ...tasks, processDay: pool.runDay },
      runRequest,
      () => deps,
      log,
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
    ['alerts raised', (m as { monitoring?: { alerts: readonly string[] } }).monitoring?.alerts.length ?? 0],
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
