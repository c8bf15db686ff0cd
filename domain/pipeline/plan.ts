import type { PipelineConfig } from '../config';
import { InvalidArgumentError, MissingInputError } from '../errors';
import { shardNumbers } from '../features/shards';
import { checkStateMeta, readStateMeta } from '../features/state-codec';
import { readJson, writeJson } from '../lake-json';
import { joinLakeUri } from '../lake-uri';
import { RAW_PREFIX, isRawObjectKey, outputKeys } from '../lake-layout';
import type { LakeObject } from '../ports';
import { addDays, datesBetween, formatDate, formatTimestamp, partitionDateOf, timestampMs } from '../time';
import type { PipelineDeps, RunParams } from './deps';
import { configHash, deriveRunId } from './run-id';
import { releaseRunLock, takeRunLock } from './run-lock';
import {
  type CanonicalRoots,
  type RunRecord,
  RunIdConflictError,
  recordRoots,
  registerRun,
} from './run-registry';
import { checkRunBounds, spanProblem } from './run-bounds';
import type { RunRef, RunRequest } from './run-request';
import { writeStageRecord } from './stage-records';

/** The raw objects of one snapshot partition. */
export interface SnapshotRef {
  readonly date: string;
  readonly objects: readonly LakeObject[];
}

/** What the Plan stage decides: the days, and which snapshot serves each (latest on or before it). */
export interface RunPlan {
  readonly params: RunParams;
  readonly days: readonly string[];
  /** Snapshot per day, and for the day before S (item features as of S). */
  readonly products: Readonly<Record<string, SnapshotRef | null>>;
  readonly users: Readonly<Record<string, SnapshotRef | null>>;
}

/** Snapshot partitions by date, sorted ascending. */
async function snapshotPartitions(deps: PipelineDeps, prefix: string): Promise<SnapshotRef[]> {
  const byDate = new Map<string, LakeObject[]>();
  for (const o of await deps.input.list(prefix)) {
    const date = partitionDateOf(o.key);
    if (date === null || !isRawObjectKey(o.key)) continue;
    const list = byDate.get(date);
    if (list === undefined) byDate.set(date, [o]);
    else list.push(o);
  }
  return [...byDate.keys()].sort().map((date) => ({ date, objects: byDate.get(date) as LakeObject[] }));
}

/** The latest partition dated on or before `date`, or null. */
export function latestOnOrBefore(partitions: readonly SnapshotRef[], date: string): SnapshotRef | null {
  let found: SnapshotRef | null = null;
  for (const p of partitions) if (p.date <= date) found = p;
  return found;
}

/**
 * Plan stage: the run's days and the snapshot each one uses. Fails with one clear line when the
 * lake holds no raw data at all.
 */
export async function planRun(deps: PipelineDeps, params: RunParams): Promise<RunPlan> {
  const [productParts, userParts] = await Promise.all([
    snapshotPartitions(deps, RAW_PREFIX.products),
    snapshotPartitions(deps, RAW_PREFIX.users),
  ]);
  if (productParts.length === 0)
    throw new MissingInputError(
      'product snapshot',
      params.endDate,
      `nothing under ${deps.input.uriOf(RAW_PREFIX.products)}`,
    );
  if (userParts.length === 0)
    throw new MissingInputError(
      'user snapshot',
      params.endDate,
      `nothing under ${deps.input.uriOf(RAW_PREFIX.users)}`,
    );
  // An incremental run folds only its own day into the stored state.
  const days =
    params.mode === 'incremental' ? [params.endDate] : datesBetween(params.startDate, params.endDate);
  const products: Record<string, SnapshotRef | null> = {};
  const users: Record<string, SnapshotRef | null> = {};
  for (const date of [addDays(params.startDate, -1), ...days]) {
    products[date] = latestOnOrBefore(productParts, date);
    users[date] = latestOnOrBefore(userParts, date);
  }
  return { params, days, products, users };
}

/** The dates holding raw interactions, ascending. */
async function rawInteractionDays(deps: Pick<PipelineDeps, 'input'>): Promise<string[]> {
  const dates = new Set<string>();
  for (const o of await deps.input.list(RAW_PREFIX.interactions)) {
    const date = partitionDateOf(o.key);
    if (date !== null && isRawObjectKey(o.key)) dates.add(date);
  }
  return [...dates].sort();
}

/** The first and last of ascending dates, or null when there are none. */
function rangeOf(sorted: readonly string[]): { start: string; end: string } | null {
  return sorted.length === 0
    ? null
    : { start: sorted[0] as string, end: sorted[sorted.length - 1] as string };
}

/** The first and last dates holding raw interactions, or null for an empty lake. */
export async function rawInteractionRange(
  deps: Pick<PipelineDeps, 'input'>,
): Promise<{ start: string; end: string } | null> {
  return rangeOf(await rawInteractionDays(deps));
}

/** What the Plan task needs besides storage: the run-wide settings. */
export interface TaskContext {
  readonly config: PipelineConfig;
  readonly codeVersion: string;
  /** Wall clock in epoch ms (reference time when the request gives no `now`). */
  readonly wallClock: () => number;
  /** Input lake and output root when the request names none (output: `<input>/processed` when unset). */
  readonly defaults: { readonly input_uri: string; readonly output_uri: string | undefined };
  /** Days a full run without a start date covers, ending at E (features.md §8: the training window). */
  readonly trainingWindowDays: number;
  /** The most days S..E one run may cover (`MAX_RUN_DAYS`); no request, schedule or lake goes past it. */
  readonly maxRunDays: number;
  /** User shards N when the request names none. */
  readonly shardCount: number;
  /** The Map states' MaxConcurrency (parallel Lambdas per Map on AWS). */
  readonly mapMaxConcurrency: number;
  /** The service's output root, whose `runs/<id>/request.json` registers every run id. */
  readonly registryUri: string;
  /** The longest a run can last (the state machine's TimeoutSeconds): its lock's lifetime. */
  readonly runMaxSeconds: number;
}

/** Plan's output: the run pointer and the items each Map state fans out over. */
export interface PlanOutput {
  readonly run: RunRef;
  /** The run's days (ValidateCleanDays). */
  readonly days: readonly string[];
  /** The user shards, as objects (FoldUserShards; a bare number breaks `$` in the local engine). */
  readonly shards: readonly { readonly shard: number }[];
  /** The days whose training rows are assembled (AssembleTrainingDays): all of a full run's, none else. */
  readonly training_days: readonly string[];
  readonly max_concurrency: number;
}

/**
 * The raw interaction days a run may cover: those on or before the reference day. A partition
 * dated later (a stray object, a clock gone wrong) is left out, and said so, rather than making the
 * run's end a day that has not begun.
 */
async function coverableRange(
  deps: PipelineDeps,
  referenceDay: string,
): Promise<{ start: string; end: string } | null> {
  const days = await rawInteractionDays(deps);
  const coverable = days.filter((d) => d <= referenceDay);
  const later = rangeOf(days.slice(coverable.length));
  if (later !== null)
    deps.log(
      `plan: ignoring raw interaction partitions ${later.start}..${later.end}, after the reference day ${referenceDay}`,
    );
  return rangeOf(coverable);
}

/**
 * Resolves the days of a request: explicit dates, the schedule's, or the lake's range on or
 * before the reference day. A start left out comes from the training window (never more than
 * `maxRunDays`), so however old the lake's first partition, the run is the window.
 */
async function resolveDates(
  deps: PipelineDeps,
  request: RunRequest,
  referenceTimeMs: number,
  ctx: Pick<TaskContext, 'trainingWindowDays' | 'maxRunDays'>,
): Promise<{ startDate: string; endDate: string }> {
  const referenceDay = formatDate(referenceTimeMs);
  const yesterday = addDays(referenceDay, -1);
  if (request.mode === 'incremental') {
    const date = request.date ?? request.end_date ?? yesterday;
    return { startDate: date, endDate: date };
  }
  let { start_date: startDate, end_date: endDate } = request;
  if (startDate === undefined || endDate === undefined) {
    const range = await coverableRange(deps, referenceDay);
    if (range === null)
      throw new MissingInputError(
        'raw interactions',
        endDate ?? referenceDay,
        `nothing under ${deps.input.uriOf(RAW_PREFIX.interactions)}`,
      );
    endDate ??= request.schedule === 'weekly' && range.end > yesterday ? yesterday : range.end;
    // The training window, never older history (raw objects past it may be in Glacier), and
    // never days before the lake's first one (they would hold nothing).
    const windowDays = Math.min(ctx.trainingWindowDays, ctx.maxRunDays);
    const windowStart = addDays(endDate, -(windowDays - 1));
    startDate ??= windowStart > range.start ? windowStart : range.start;
  }
  return { startDate, endDate };
}

/** The `Plan` state: fixes the run's parameters and days, and stores the plan beside the run's manifest. */
export async function plan(
  portsFor: (uris: { input_uri: string; output_uri: string }) => PipelineDeps,
  request: RunRequest,
  ctx: TaskContext,
): Promise<PlanOutput> {
  // Checked before anything is read or written: explicit dates, `now` and the span.
  checkRunBounds(request, { wallClockMs: ctx.wallClock(), maxRunDays: ctx.maxRunDays });
  const input_uri = request.input_path ?? ctx.defaults.input_uri;
  const output_uri = request.output_path ?? ctx.defaults.output_uri ?? joinLakeUri(input_uri, 'processed');
  const deps = portsFor({ input_uri, output_uri });
  const started = deps.clock();
  const referenceTimeMs = request.now === undefined ? ctx.wallClock() : timestampMs(request.now);
  const dates = await resolveDates(deps, request, referenceTimeMs, ctx);
  const { endDate } = dates;
  let { startDate } = dates;
  // An explicit start with the end from the lake can still be too long a run.
  const span = request.mode === 'full' ? spanProblem(startDate, endDate, ctx.maxRunDays) : null;
  if (span !== null) throw new InvalidArgumentError(span.field, startDate, span.message);
  let shardCount = request.shards ?? ctx.shardCount;
  if (request.mode === 'incremental') {
    // The stored state decides S (and N, unless asked); a missing or mismatched state stops the
    // run here, before any work.
    const stored = await readStateMeta(deps, endDate);
    if (request.shards === undefined && stored !== null) shardCount = stored.shard_count;
    const meta = checkStateMeta(stored, endDate, {
      configHash: configHash(ctx.config, deps.hash),
      shardCount,
      startDate: request.start_date,
    });
    startDate = meta.start_date;
  }
  const base = { mode: request.mode, startDate, endDate, referenceTimeMs, config: ctx.config };
  const params: RunParams = {
    ...base,
    runId: request.run_id ?? deriveRunId(base, deps.hash),
    shardCount,
    codeVersion: ctx.codeVersion,
  };
  const runId = params.runId;
  deps.log(`plan: ${params.mode} run ${runId}, ${startDate}..${endDate}, ${shardCount} user shards`);
  await claimRun(portsFor, deps, { ...request, run_id: runId }, { input_uri, output_uri }, ctx);
  try {
    const runPlan = await planRun(deps, params);
    const planKey = outputKeys.plan(runId);
    await writeJson(deps.output, planKey, runPlan, false);
    const seconds = (deps.clock() - started) / 1000;
    await writeStageRecord(deps, runId, 'Plan', {
      stage: 'Plan',
      seconds,
      records: runPlan.days.length,
    });
    deps.log(`validate + clean: ${runPlan.days.length} days`);
    return {
      run: { run_id: runId, input_uri, output_uri, plan_key: planKey },
      days: runPlan.days,
      shards: shardNumbers(shardCount).map((shard) => ({ shard })),
      training_days: params.mode === 'full' ? runPlan.days : [],
      max_concurrency: ctx.mapMaxConcurrency,
    };
  } catch (error) {
    // No run pointer leaves Plan, so RecordFailure cannot free the root: free it here, also when
    // `POST /runs` took the lock for this run.
    await releaseRunLock(deps.output, runId, 'run');
    throw error;
  }
}

/**
 * Makes the run the writer of its output root, then registers its id: the lock first (refused
 * while another run or a validation holds the root), then the registration in the service's
 * registry (refused when the id names a run with other parameters; the same parameters are this
 * run, registered by `POST /runs`, or a re-run of the id). A re-run's earlier manifest is removed,
 * so the run shows as running and its lock is not taken for stale.
 */
async function claimRun(
  portsFor: (uris: { input_uri: string; output_uri: string }) => PipelineDeps,
  deps: PipelineDeps,
  request: RunRequest & { readonly run_id: string },
  uris: { readonly input_uri: string; readonly output_uri: string },
  ctx: TaskContext,
): Promise<{ readonly fresh: boolean }> {
  const runId = request.run_id;
  const lock = await takeRunLock(
    deps.output,
    { holder: runId, kind: 'run', maxSeconds: ctx.runMaxSeconds },
    ctx.wallClock(),
  );
  try {
    const registry = portsFor({ input_uri: uris.input_uri, output_uri: ctx.registryUri }).output;
    const record: RunRecord = {
      run_id: runId,
      request,
      input_uri: uris.input_uri,
      output_uri: uris.output_uri,
      started_at: formatTimestamp(ctx.wallClock()),
    };
    const roots: CanonicalRoots = (r) => {
      const { input, output } = recordRoots(r, ctx.defaults.input_uri);
      const ports = portsFor({ input_uri: input, output_uri: output });
      return { input: ports.input.uriOf(''), output: ports.output.uriOf('') };
    };
    const registration = await registerRun(registry, record, roots);
    if (!registration.created && !registration.same) throw new RunIdConflictError(registration.existing);
    await deps.output.deletePrefix(outputKeys.manifest(runId));
  } catch (error) {
    if (lock.fresh) await releaseRunLock(deps.output, runId, 'run');
    throw error;
  }
  return lock;
}

/** The run's plan, as Plan stored it (every later Task starts from it). */
export function readPlan(deps: PipelineDeps, run: RunRef): Promise<RunPlan> {
  return readJson<RunPlan>(deps.output, run.plan_key);
}
