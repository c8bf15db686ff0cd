import type { Settings } from '../../config';
import type { FeatureStore } from '../../domain/online/ports';
import type { RunOutcome } from '../../domain/pipeline/manifest';
import type { RunRequest } from '../../domain/pipeline/run-request';
import { REJECTION_CODES, REMOVAL_CODES } from '../../domain/validation/codes';
import { runPipelineLocally } from '../../handlers/lib/pipeline-engine';
import { createWiring, withWiring } from '../../wiring';
import { formatTable } from './cli';
import { MAP_TASKS } from '../../state-machines/pipeline-definition';
import { TaskWorkerPool } from './task-workers';

/** A pipeline run from the command line (and the tests that drive the CLI's path). */
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
  /** User shards N (the configured default when absent). */
  readonly shardCount?: number | undefined;
  /** Run Map iterations in worker threads (only where tsx is loaded, i.e. the CLIs). */
  readonly workers?: boolean;
  /** Where Publish sends features (default: the configured store, if any). */
  readonly featureStore?: FeatureStore | null;
}

/** The state machine's input for a request. */
export function runRequestOf(request: PipelineRequest): RunRequest {
  return {
    mode: request.mode,
    input_path: request.inputUri,
    output_path: request.outputUri,
    ...(request.startDate === undefined ? {} : { start_date: request.startDate }),
    ...(request.endDate === undefined ? {} : { end_date: request.endDate }),
    ...(request.date === undefined ? {} : { date: request.date }),
    ...(request.runId === undefined ? {} : { run_id: request.runId }),
    ...(request.now === undefined ? {} : { now: request.now }),
    ...(request.shardCount === undefined ? {} : { shards: request.shardCount }),
  };
}

/** How a local run executes besides its request. */
export interface LocalRunSetup {
  /** Run Map iterations in worker threads (only where tsx is loaded, i.e. the CLIs). */
  readonly workers?: boolean;
  /** Where Publish sends features (default: the configured store, if any). */
  readonly featureStore?: FeatureStore | null;
}

/**
 * Runs a request through the state machine (in-process engine, the deployed handlers over the
 * wiring of `settings`) and prints the summary table. The request's paths are the run's roots (on
 * the command line the flags choose them; the Plan task still keeps the output clear of `raw/`).
 * The CLIs run the Map's days in worker threads; tests stay in-process.
 */
export async function runLocally(
  request: RunRequest & { readonly output_path: string },
  settings: Settings,
  log: (line: string) => void,
  setup: LocalRunSetup = {},
): Promise<RunOutcome> {
  const runSettings: Settings = {
    ...settings,
    lakeUri: request.input_path ?? settings.lakeUri,
    outputUri: request.output_path,
  };
  const w = createWiring({
    // The run's own roots are the service's here: its id registers in its output root, which is
    // where `npm start`'s API, serving that root, looks runs up.
    settings: runSettings,
    log,
    ...(setup.featureStore === undefined ? {} : { featureStore: setup.featureStore }),
  });
  const pool =
    setup.workers === true && settings.workerThreads > 1
      ? new TaskWorkerPool(settings.workerThreads, runSettings)
      : null;
  const started = performance.now();
  let outcome: RunOutcome;
  try {
    outcome = await withWiring(w, () =>
      runPipelineLocally(
        request,
        pool === null
          ? {}
          : { overrides: Object.fromEntries(MAP_TASKS.map((state) => [state, pool.entry(state)])) },
      ),
    );
  } finally {
    await pool?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  log('');
  log(summaryTable(outcome, w.lake(request.output_path).uriOf(outcome.manifestKey), seconds));
  return outcome;
}

/** `runLocally` for a request in the tests' and benchmarks' shape. */
export function runPipelineRequest(
  request: PipelineRequest,
  settings: Settings,
  log: (line: string) => void,
): Promise<RunOutcome> {
  return runLocally({ ...runRequestOf(request), output_path: request.outputUri }, settings, log, {
    ...(request.workers === undefined ? {} : { workers: request.workers }),
    ...(request.featureStore === undefined ? {} : { featureStore: request.featureStore }),
  });
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
    ['user shards', m.shard_count],
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
