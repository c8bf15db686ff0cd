import { PipelineError } from '../errors';
import { readJson } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { Lake } from '../ports';
import { formatTimestamp, timestampMs } from '../time';
import type { RunRequest } from './run-request';

/**
 * The run registry: `runs/<id>/request.json` in the service's output root, one per run id,
 * created with a conditional write so that an id names one run, whoever starts it (`POST /runs`,
 * or the Plan task of a run started by the CLI, `npm start` or a schedule).
 */

/** Where a run was registered and what it was asked to do (`runs/<id>/request.json`). */
export interface RunRecord {
  readonly run_id: string;
  readonly request: RunRequest;
  /** The input lake the run reads (absent in records written before it was kept). */
  readonly input_uri?: string;
  readonly output_uri: string;
  readonly started_at: string;
}

/** The roots a record names: its input lake (else its request's, else the configured one) and its output root. */
export function recordRoots(record: RunRecord, defaultInputUri: string): { input: string; output: string } {
  return {
    input: record.input_uri ?? record.request.input_path ?? defaultInputUri,
    output: record.output_uri,
  };
}

/** The two roots of a record in one spelling (what a lake's `uriOf('')` gives), to compare them. */
export type CanonicalRoots = (record: RunRecord) => { readonly input: string; readonly output: string };

/**
 * The request's parameters without its name and paths (the roots are compared on their own), in
 * key order, with `now` as an instant (`...T02:00:00Z` and `...T02:00:00.000Z` are one time).
 */
function parameters(request: RunRequest): string {
  const entries = Object.entries(request)
    .filter(([k]) => k !== 'run_id' && k !== 'input_path' && k !== 'output_path')
    .map(([k, v]): [string, unknown] => [k, k === 'now' ? formatTimestamp(timestampMs(v as string)) : v])
    .sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(Object.fromEntries(entries));
}

/** Same run? Same parameters and the same roots, however each was spelled. */
export function sameRun(a: RunRecord, b: RunRecord, roots: CanonicalRoots): boolean {
  if (parameters(a.request) !== parameters(b.request)) return false;
  const [x, y] = [roots(a), roots(b)];
  return x.input === y.input && x.output === y.output;
}

/** Outcome of `registerRun`. */
export type Registration =
  | { readonly created: true }
  | { readonly created: false; readonly existing: RunRecord; readonly same: boolean };

/**
 * Registers `record` under its run id unless the id is taken: of concurrent registrations of one
 * id exactly one creates it; the others get the record that won and whether it is the same run.
 */
export async function registerRun(
  registry: Lake,
  record: RunRecord,
  roots: CanonicalRoots,
): Promise<Registration> {
  const key = outputKeys.runRequest(record.run_id);
  if (await registry.writeIfAbsent(key, JSON.stringify(record, null, 2) + '\n')) return { created: true };
  const existing = await readJson<RunRecord>(registry, key);
  return { created: false, existing, same: sameRun(existing, record, roots) };
}

/** Removes a registration (a run refused or never started), so the id is free again. */
export async function unregisterRun(registry: Lake, runId: string): Promise<void> {
  await registry.deletePrefix(outputKeys.runRequest(runId));
}

/** A run id already names a run with other parameters. */
export class RunIdConflictError extends PipelineError {
  constructor(existing: RunRecord) {
    super(
      `run id ${existing.run_id} was already used with other parameters (registered ${existing.started_at}: ` +
        `${JSON.stringify(existing.request)}); choose another run id`,
      { field: 'run_id', key: outputKeys.runRequest(existing.run_id) },
    );
  }
}
