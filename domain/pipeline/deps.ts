import type { PipelineConfig } from '../config';
import type { Lake, TableEncoder } from '../ports';

/** The ports a pipeline stage runs against; `adapters/` and the CLIs provide them. */
export interface PipelineDeps {
  /** The lake holding `raw/` (read only). */
  readonly input: Lake;
  /** The run's output root (default `<input>/processed`). */
  readonly output: Lake;
  readonly encodeTable: TableEncoder;
  /** Splits an object into lines, gunzipping `.gz` keys. */
  readonly decodeLines: (key: string, bytes: Uint8Array) => string[];
  /** Hex SHA-256 of content, for lineage. */
  readonly hash: (content: Uint8Array | string) => string;
  /** Progress output (one line per call). */
  readonly log: (line: string) => void;
  /** Monotonic clock in ms, for stage timings. */
  readonly clock: () => number;
}

/** The parameters of one run, fixed at planning time. */
export interface RunParams {
  readonly runId: string;
  readonly mode: 'full' | 'incremental';
  readonly startDate: string;
  readonly endDate: string;
  /** The reference time (`--now`, or the wall clock at start) in epoch ms. */
  readonly referenceTimeMs: number;
  readonly config: PipelineConfig;
  /** User shards N (architecture.md): outputs do not depend on it, the state's files do. */
  readonly shardCount: number;
  /** Package version, recorded in the manifest. */
  readonly codeVersion: string;
}
