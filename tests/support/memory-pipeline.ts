/**
 * Runs the whole pipeline on an in-memory lake: `MemoryLake` input and output, real Parquet
 * and JSONL codecs, SHA-256 lineage, a silent log and a fake clock. Hermetic and fast.
 */
import fc from 'fast-check';

import { decodeLines } from '../../adapters/jsonl';
import { MemoryLake } from '../../adapters/memory-lake';
import { decodeParquet } from '../../adapters/parquet';
import { pipelinePorts, sha256 } from '../../adapters/pipeline-deps';
import { type PipelineConfig, defaultConfig } from '../../domain/config';
import type { PipelineDeps } from '../../domain/pipeline/deps';
import { deriveRunId } from '../../domain/pipeline/run-id';
import type { RunOutcome } from '../../domain/pipeline/manifest';
import { type TestRunParams, runPipeline } from './run-pipeline';
import type { ValidationReport } from '../../domain/validation/report';
import { compareCodePoints } from '../../domain/text';

/** The fixed reference time (`--now`) of every in-memory run. */
export const REFERENCE_TIME_MS = Date.parse('2024-02-01T00:00:00Z');

/** The default config with the failure thresholds relaxed to 1, so random lakes never fail a day. */
export function relaxedConfig(): PipelineConfig {
  return { ...defaultConfig(), maxRejectedShare: 1, maxNullShare: 1, maxSnapshotRejectedShare: 1 };
}

/**
 * The relaxed config with bot thresholds low enough for a handful of events to trip them
 * (more than 1 in a minute, 4 in a day, or 2 views without intent), so `bot_traffic` happens.
 */
export function botHungryConfig(): PipelineConfig {
  const config = relaxedConfig();
  return {
    ...config,
    bot: { ...config.bot, maxDailyInteractions: 4, maxInBurstWindow: 1, maxViewsWithoutIntent: 2 },
  };
}

/** Either config, for properties that must hold whatever the bot thresholds. */
export const anyConfig: fc.Arbitrary<PipelineConfig> = fc.constantFrom(relaxedConfig(), botHungryConfig());

/** Pipeline deps over two memory lakes; the clock ticks 1 ms per call, so timings are deterministic. */
export function memoryDeps(input: MemoryLake, output: MemoryLake): PipelineDeps {
  let now = 0;
  return { ...pipelinePorts(input, output, () => undefined), clock: () => ++now };
}

/** What an in-memory run gives back. */
export interface MemoryRun {
  readonly outcome: RunOutcome;
  readonly params: TestRunParams;
  readonly input: MemoryLake;
  readonly output: MemoryLake;
}

/** Options of `runInMemory`. */
export interface MemoryRunOptions {
  readonly startDate: string;
  readonly endDate: string;
  readonly config?: PipelineConfig;
  /** Reuse an output lake (for re-run properties); a fresh one otherwise. */
  readonly output?: MemoryLake;
  /** `incremental`: fold the one day `endDate` into the state left in `output` (default `full`). */
  readonly mode?: 'full' | 'incremental';
  /** The run's reference time (`--now`); `REFERENCE_TIME_MS` by default. */
  readonly referenceTimeMs?: number;
  /** User shards N (the configured default, 4, when absent). */
  readonly shardCount?: number;
}

/** Runs a full pipeline over `files` (key → text or bytes) for `startDate..endDate`. */
export async function runInMemory(
  files: ReadonlyMap<string, string | Uint8Array>,
  options: MemoryRunOptions,
): Promise<MemoryRun> {
  const input = new MemoryLake('input', files);
  const output = options.output ?? new MemoryLake('output');
  const config = options.config ?? relaxedConfig();
  const base = {
    mode: options.mode ?? 'full',
    startDate: options.startDate,
    endDate: options.endDate,
    referenceTimeMs: options.referenceTimeMs ?? REFERENCE_TIME_MS,
    config,
  };
  const params: TestRunParams = {
    ...base,
    runId: deriveRunId(base, sha256),
    codeVersion: '0.0.0-test',
    ...(options.shardCount === undefined ? {} : { shardCount: options.shardCount }),
  };
  const outcome = await runPipeline(memoryDeps(input, output), params);
  return { outcome, params, input, output };
}

/** The validation report of a day. */
export async function readReport(output: MemoryLake, date: string): Promise<ValidationReport> {
  const key = `validation_reports/year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}/report.json`;
  return JSON.parse(new TextDecoder().decode(await output.read(key))) as ValidationReport;
}

/** The interaction quarantine entries of a day. */
export async function readQuarantine(output: MemoryLake, date: string): Promise<Record<string, unknown>[]> {
  const key = `quarantine/interactions/year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}/part-00000.jsonl`;
  return decodeLines(key, await output.read(key)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** One training row as decoded from Parquet, tagged with its split. */
export type TrainingRow = Record<string, unknown> & { readonly split: string };

/** Every training row of the run, train → validation → test, parts in key order. */
export async function readTrainingRows(run: MemoryRun): Promise<TrainingRow[]> {
  const rows: TrainingRow[] = [];
  for (const split of ['train', 'validation', 'test']) {
    const parts = await run.output.list(`datasets/run_id=${run.params.runId}/split=${split}/`);
    for (const part of parts)
      for (const r of await decodeParquet(await run.output.read(part.key))) rows.push({ ...r, split });
  }
  return rows;
}

/** Epoch ms of a decoded Parquet timestamp. */
export function msOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  throw new TypeError(`not a timestamp: ${String(value)}`);
}

/** (timestamp, interaction_id) order, the order of training rows. */
export function compareRows(a: Record<string, unknown>, b: Record<string, unknown>): number {
  return (
    msOf(a.timestamp) - msOf(b.timestamp) ||
    compareCodePoints(String(a.interaction_id), String(b.interaction_id))
  );
}
