import type { PipelineConfig } from '../config';

/**
 * The run id derived from a run's parameters, so a repeated run (same dates, mode, `--now` and
 * config) rewrites the same paths: `<mode>-<start>-<end>-<12 hex of the parameters' hash>`.
 */
export function deriveRunId(
  p: { mode: string; startDate: string; endDate: string; referenceTimeMs: number; config: PipelineConfig },
  hash: (text: string) => string,
): string {
  const digest = hash(JSON.stringify([p.mode, p.startDate, p.endDate, p.referenceTimeMs, p.config])).slice(
    0,
    12,
  );
  return `${p.mode}-${p.startDate.replaceAll('-', '')}-${p.endDate.replaceAll('-', '')}-${digest}`;
}

/** A run id is used in keys and as a Step Functions execution name: keep it to a safe alphabet. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

/** The hash of a configuration: lineage in manifests, and the guard of incremental state. */
export function configHash(config: PipelineConfig, hash: (text: string) => string): string {
  return hash(JSON.stringify(config));
}
