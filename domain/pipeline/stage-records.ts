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

/** The record name of one day of the `ValidateCleanDay` Map. */
export function dayRecordName(date: string): string {
  return `ValidateCleanDay/${date}`;
}
