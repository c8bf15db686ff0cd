import { PipelineError } from '../errors';
import { readJsonOrNull as readJson } from '../lake-json';
import { OUTPUT_PREFIX, outputKeys, runIdOfRecordKey } from '../lake-layout';
import type { Lake } from '../ports';
import { formatTimestamp } from '../time';
import type { RunManifest, RunStatus } from './manifest';
import { type RunLock, acquireRunLock, liveRunLock, releaseRunLock } from './run-lock';
import {
  type CanonicalRoots,
  type RunRecord,
  recordRoots,
  registerRun,
  sameRun,
  unregisterRun,
} from './run-registry';
import type { RunRequest } from './run-request';

export type { RunRecord } from './run-registry';

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
  /** Live status when the engine has an execution of the run (null: ask the lake). */
  status(runId: string): Promise<{ status: RunStatus; error: string | null } | null>;
}

/** Outcome of `startRun`. */
export type StartOutcome =
  | { readonly kind: 'started' | 'existing'; readonly view: RunView }
  | { readonly kind: 'conflict'; readonly existing: RunRecord }
  /** Another run (or a validation) writes the run's output root: nothing was started or registered. */
  | { readonly kind: 'busy'; readonly holder: RunLock };

/** What `RunControl` needs besides its lakes and engine. */
export interface RunControlOptions {
  /** Wall clock in epoch ms. */
  readonly clock?: () => number;
  /** The configured input lake, which a request naming no `input_path` reads. */
  readonly inputUri: string;
  /** The longest a run can last (the state machine's TimeoutSeconds): its lock's lifetime. */
  readonly runMaxSeconds: number;
}

/**
 * Runs as the API sees them. The registry (`runs/<id>/request.json`) lives in the service's
 * output root; a run's own plan, stage records and manifest live in the run's output root, which
 * one run at a time writes (its lock, `run-lock.ts`).
 */
export class RunControl {
  private readonly clock: () => number;

  constructor(
    private readonly registry: Lake,
    private readonly outputLake: (uri: string) => Lake,
    private readonly engine: ExecutionEngine,
    private readonly options: RunControlOptions,
  ) {
    this.clock = options.clock ?? (() => Date.now());
  }

  /** A record's roots in one spelling (a lake's own), so `./lake` and `/abs/lake` are one root. */
  private readonly roots: CanonicalRoots = (record) => {
    const { input, output } = recordRoots(record, this.options.inputUri);
    return { input: this.outputLake(input).uriOf(''), output: this.outputLake(output).uriOf('') };
  };

  /**
   * Starts a run, or returns the existing one with the same id (conflict when its parameters
   * differ, busy when another run writes the output root). The id is registered atomically, so of
   * concurrent starts of one id exactly one starts it; the output root's lock is taken next, and
   * a run refused the lock, or that the engine fails to start, is unregistered again.
   */
  async start(runId: string, request: RunRequest, outputUri: string): Promise<StartOutcome> {
    const record: RunRecord = {
      run_id: runId,
      request: { ...request, run_id: runId },
      input_uri: request.input_path ?? this.options.inputUri,
      output_uri: outputUri,
      started_at: formatTimestamp(this.clock()),
    };
    // Known already (registered, or a run from before registration known by its manifest)?
    const known = await this.record(runId);
    if (known !== null) return this.existingOutcome(known, sameRun(known, record, this.roots));
    const registration = await registerRun(this.registry, record, this.roots);
    if (!registration.created) return this.existingOutcome(registration.existing, registration.same);

    const output = this.outputLake(outputUri);
    const lock = await acquireRunLock(
      output,
      { holder: runId, kind: 'run', maxSeconds: this.options.runMaxSeconds },
      this.clock(),
    );
    if (!lock.acquired || !lock.fresh) {
      // Refused, or this id's lock is held by an execution started elsewhere (the CLI): not ours.
      await unregisterRun(this.registry, runId);
      return { kind: 'busy', holder: lock.acquired ? lock.lock : lock.holder };
    }
    try {
      await this.engine.start(runId, record.request);
    } catch (error) {
      // No execution: leave no record pointing at one, and free the root.
      await releaseRunLock(output, runId, 'run');
      await unregisterRun(this.registry, runId);
      throw new PipelineError(
        `run ${runId} could not be started: ${error instanceof Error ? error.message : String(error)}; ` +
          'nothing was registered, the same request can be sent again',
        { cause: error },
      );
    }
    return { kind: 'started', view: await this.view(record) };
  }

  private async existingOutcome(existing: RunRecord, same: boolean): Promise<StartOutcome> {
    if (!same) return { kind: 'conflict', existing };
    return { kind: 'existing', view: await this.view(existing) };
  }

  /** The run's live view, or null when no such run exists. */
  async get(runId: string): Promise<RunView | null> {
    const record = await this.record(runId);
    return record === null ? null : this.view(record);
  }

  /**
   * A run's record: registered (by `POST /runs` or by the run's Plan task), or else recovered
   * from the manifest of a run from before runs registered, in the service's output root.
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

  /**
   * Status of a run without a manifest: the engine's when it has an execution of the run; else
   * (a run of another process, e.g. the CLI, one a schedule started, or one never started)
   * RUNNING while the run holds its output root's lock, and FAILED once it does not, since a run
   * that ends writes its manifest before it frees the root.
   */
  private async liveStatus(
    record: RunRecord,
    lake: Lake,
  ): Promise<{ status: RunStatus; error: string | null }> {
    const live = await this.engine.status(record.run_id);
    if (live !== null) return live;
    const lock = await liveRunLock(lake, this.clock());
    if (lock?.kind === 'run' && lock.holder === record.run_id) return { status: 'RUNNING', error: null };
    return {
      status: 'FAILED',
      error:
        `run ${record.run_id} has no manifest and nothing runs it: its execution was never started, ` +
        'or it stopped before CommitRun or RecordFailure',
    };
  }

  private async view(record: RunRecord): Promise<RunView> {
    const lake = this.outputLake(record.output_uri);
    const manifest = await readJson<RunManifest>(lake, outputKeys.manifest(record.run_id));
    const stageKeys = (await lake.list(outputKeys.stageRecordsPrefix(record.run_id))).map((o) => o.key);
    const stages = await Promise.all(stageKeys.map((k) => readJson<unknown>(lake, k)));
    const live = manifest === null ? await this.liveStatus(record, lake) : null;
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
