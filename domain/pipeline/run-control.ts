import { readJsonOrNull as readJson, writeJson } from '../lake-json';
import { OUTPUT_PREFIX, outputKeys, runIdOfRecordKey } from '../lake-layout';
import type { Lake } from '../ports';
import { formatTimestamp } from '../time';
import type { RunManifest, RunStatus } from './manifest';
import type { RunRequest } from './run-request';

/** Where a run was registered and what it was asked to do (`runs/<id>/request.json`). */
export interface RunRecord {
  readonly run_id: string;
  readonly request: RunRequest;
  readonly output_uri: string;
  readonly started_at: string;
}

/** A run as `GET /runs/{run_id}` shows it. */
export interface RunView {
  readonly run_id: string;
  readonly status: RunStatus;
  readonly started_at: string;
  readonly request: RunRequest;
  /** Per-stage counts and timings, as each task recorded them. */
  readonly stages: readonly unknown[];
  readonly as_of: string | null;
  readonly outputs: RunManifest['outputs'];
  readonly split: RunManifest['split'];
  readonly error: string | null;
}

/** Starts executions: the deployed state machine, or the in-process engine. */
export interface ExecutionEngine {
  /** Starts `request` under the name `runId`; resolves once it is started, not finished. */
  start(runId: string, request: RunRequest): Promise<void>;
  /** Live status when the engine knows it (null: ask the lake). */
  status(runId: string): Promise<{ status: RunStatus; error: string | null } | null>;
}

/** Same parameters? (`run_id` aside, which is the name, and key order aside.) */
function sameRequest(a: RunRequest, b: RunRequest): boolean {
  const canonical = (r: RunRequest): string =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(r)
          .filter(([k]) => k !== 'run_id')
          .sort(([x], [y]) => (x < y ? -1 : 1)),
      ),
    );
  return canonical(a) === canonical(b);
}

/** Outcome of `startRun`. */
export type StartOutcome =
  | { readonly kind: 'started' | 'existing'; readonly view: RunView }
  | { readonly kind: 'conflict'; readonly existing: RunRecord };

/**
 * Runs as the API sees them. The registry (`runs/<id>/request.json`) lives in the service's
 * output root; a run's own plan, stage records and manifest live in the run's output root.
 */
export class RunControl {
  constructor(
    private readonly registry: Lake,
    private readonly outputLake: (uri: string) => Lake,
    private readonly engine: ExecutionEngine,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Starts a run, or returns the existing one with the same id (409 when its parameters differ). */
  async start(runId: string, request: RunRequest, outputUri: string): Promise<StartOutcome> {
    const key = outputKeys.runRequest(runId);
    const existing = await readJson<RunRecord>(this.registry, key);
    if (existing !== null) {
      if (!sameRequest(existing.request, request)) return { kind: 'conflict', existing };
      return { kind: 'existing', view: (await this.view(existing)) as RunView };
    }
    const record: RunRecord = {
      run_id: runId,
      request: { ...request, run_id: runId },
      output_uri: outputUri,
      started_at: formatTimestamp(this.clock()),
    };
    await writeJson(this.registry, key, record);
    await this.engine.start(runId, record.request);
    return { kind: 'started', view: (await this.view(record)) as RunView };
  }

  /** The run's live view, or null when no such run exists. */
  async get(runId: string): Promise<RunView | null> {
    const record = await this.record(runId);
    return record === null ? null : this.view(record);
  }

  /**
   * A run's record: registered by `POST /runs`, or else recovered from the manifest of a run
   * started another way (the CLI, `npm start`) in the service's output root.
   */
  private async record(runId: string): Promise<RunRecord | null> {
    const registered = await readJson<RunRecord>(this.registry, outputKeys.runRequest(runId));
    if (registered !== null) return registered;
    const manifest = await readJson<RunManifest>(this.registry, outputKeys.manifest(runId));
    if (manifest === null) return null;
    return {
      run_id: runId,
      request: {
        mode: manifest.mode,
        start_date: manifest.start_date,
        end_date: manifest.end_date,
        run_id: runId,
      },
      output_uri: this.registry.uri,
      started_at: manifest.reference_time,
    };
  }

  /** The newest `limit` runs, newest first. */
  async list(limit: number): Promise<RunView[]> {
    const ids = new Set<string>();
    for (const o of await this.registry.list(OUTPUT_PREFIX.runs)) {
      const id = runIdOfRecordKey(o.key);
      if (id !== null) ids.add(id);
    }
    const records = (await Promise.all([...ids].map((id) => this.record(id)))).filter(
      (r): r is RunRecord => r !== null,
    );
    records.sort((a, b) =>
      a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : a.run_id < b.run_id ? -1 : 1,
    );
    return Promise.all(records.slice(0, limit).map((r) => this.view(r)));
  }

  private async view(record: RunRecord): Promise<RunView> {
    const lake = this.outputLake(record.output_uri);
    const manifest = await readJson<RunManifest>(lake, outputKeys.manifest(record.run_id));
    const stageKeys = (await lake.list(outputKeys.stageRecordsPrefix(record.run_id))).map((o) => o.key);
    const stages = await Promise.all(stageKeys.map((k) => readJson<unknown>(lake, k)));
    const live = manifest === null ? await this.engine.status(record.run_id) : null;
    return {
      run_id: record.run_id,
      status: manifest?.status ?? live?.status ?? 'RUNNING',
      started_at: record.started_at,
      request: record.request,
      stages,
      as_of: manifest?.as_of ?? null,
      outputs: manifest?.outputs ?? [],
      split: manifest?.split ?? null,
      error: manifest?.error ?? live?.error ?? null,
    };
  }
}

/** A fresh run id for a request that names none: mode, start time and a short random suffix. */
export function newRunId(request: RunRequest, nowMs: number, random: () => number = Math.random): string {
  const stamp = formatTimestamp(nowMs)
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const suffix = Math.floor(random() * 0x1000000)
    .toString(16)
    .padStart(6, '0');
  return `${request.mode}-${stamp}-${suffix}`;
}
