import { readJsonOrNull, writeJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { PipelineDeps } from './deps';

/**
 * What each Task state leaves in the lake for the states after it. Tasks hand each other only
 * the run pointer: the plan, the per-day summaries and the build's outputs are read from here, so
 * the state machine's payloads stay small whatever the number of days or objects.
 */

/** The record every Task writes: its ASL state name, wall time and how many records it handled. */
export interface StageRecord {
  readonly stage: string;
  readonly seconds: number;
  readonly records: number;
  /** Of `seconds`, the time spent encoding Parquet (stages that write it). */
  readonly encode_seconds?: number;
}

/** Stores a Task's record under `runs/<id>/stages/<name>.json`. */
export async function writeStageRecord<T extends StageRecord>(
  deps: PipelineDeps,
  runId: string,
  name: string,
  record: T,
): Promise<void> {
  await writeJson(deps.output, outputKeys.stageRecord(runId, name), record);
}

/** A Task's record, or null when that Task has not run (yet). */
export function readStageRecord<T extends StageRecord>(
  deps: PipelineDeps,
  runId: string,
  name: string,
): Promise<T | null> {
  return readJsonOrNull<T>(deps.output, outputKeys.stageRecord(runId, name));
}

/**
 * What a Map iteration leaves when it fails. On AWS a failed iteration fails its Distributed Map
 * with `States.ExceedToleratedFailureThreshold`, whose cause does not say which iteration failed
 * or why; RecordFailure reads these instead, so the run's error still names the day or shard.
 */
export interface StageFailure {
  /** The iteration's record name, e.g. `ValidateCleanDay/2024-01-15`. */
  readonly record: string;
  readonly error_type: string;
  readonly error: string;
  readonly failed_at: string;
}

/** Where an iteration's failure is kept: beside the stage records, which every stage may write. */
const failureRecordName = (record: string): string => `failed/${record}`;

/** Stores the failure of the iteration `record` (a retried iteration overwrites its own). */
export async function writeStageFailure(
  deps: PipelineDeps,
  runId: string,
  failure: StageFailure,
): Promise<void> {
  await writeJson(deps.output, outputKeys.stageRecord(runId, failureRecordName(failure.record)), failure);
}

/** Every iteration failure the run recorded, newest first. */
export async function readStageFailures(deps: PipelineDeps, runId: string): Promise<StageFailure[]> {
  const prefix = `${outputKeys.stageRecordsPrefix(runId)}${failureRecordName('')}`;
  const listed = await deps.output.list(prefix);
  const failures = await Promise.all(listed.map((o) => readJsonOrNull<StageFailure>(deps.output, o.key)));
  return failures
    .filter((f): f is StageFailure => f !== null)
    .sort((a, b) => (a.failed_at < b.failed_at ? 1 : a.failed_at > b.failed_at ? -1 : 0));
}

/**
 * The run's error when a Map failed: the newest iteration failure (an iteration retried to success
 * may have left an older one), with how many others there are.
 */
export function describeStageFailures(failures: readonly StageFailure[]): string | null {
  const [newest, ...others] = failures;
  if (newest === undefined) return null;
  const more = others.length === 0 ? '' : ` (${others.length} more iteration failure(s) recorded)`;
  return `${newest.record}: ${newest.error}${more}`;
}

/** The record name of one day of the `ValidateCleanDay` Map. */
export function dayRecordName(date: string): string {
  return `ValidateCleanDay/${date}`;
}
