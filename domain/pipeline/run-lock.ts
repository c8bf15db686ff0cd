import { PipelineError } from '../errors';
import { readJsonOrNull } from '../lake-json';
import { outputKeys } from '../lake-layout';
import type { Lake } from '../ports';
import { formatTimestamp } from '../time';

/**
 * One writer per output root. Reports, quarantine, state and features are keyed by day or as-of
 * date, not by run (data-contract.md's layout), so two runs, or a run and `POST /validations`,
 * writing one root at once would interleave their files. Whoever writes a root first takes its
 * lock, `runs/_lock.json`, with a conditional create (`Lake.writeIfAbsent`), and removes it when
 * done; everyone else is refused while it is held.
 */

/** Who holds a root: a pipeline run, or one `POST /validations`. */
export type LockKind = 'run' | 'validation';

/** The lock object, naming its holder. */
export interface RunLock {
  /** The run id, or `validation-<date>-<time>` for a validation. */
  readonly holder: string;
  readonly kind: LockKind;
  readonly taken_at: string;
  /** After this the holder cannot still be writing (the state machine's or the Lambda's limit). */
  readonly expires_at: string;
}

/** Outcome of `acquireRunLock`. */
export type LockOutcome =
  | {
      readonly acquired: true;
      /** False when the holder already held it (the run registered by `POST /runs`, or a retried task). */
      readonly fresh: boolean;
      /** The lock as stored. */
      readonly lock: RunLock;
    }
  | { readonly acquired: false; readonly holder: RunLock };

/** The longest a `POST /validations` can hold a root: Lambda's maximum timeout, 15 minutes. */
export const VALIDATION_LOCK_SECONDS = 900;

/** The lock was refused: another run or validation writes this output root. */
export class OutputRootLockedError extends PipelineError {
  readonly holder: RunLock;

  constructor(root: string, holder: RunLock) {
    super(
      `output root ${root} is in use by ${holder.kind} ${holder.holder} (since ${holder.taken_at}); ` +
        `wait for it to end (its lock expires at ${holder.expires_at} at the latest)`,
      { key: `${root}/${outputKeys.runLock}` },
    );
    this.holder = holder;
  }
}

/**
 * How long a run's lock must be held before its manifest can make it stale: a run re-using an id
 * removes that id's earlier manifest right after it takes the lock (Plan), within this grace.
 */
export const MANIFEST_STALE_AFTER_MS = 60_000;

/**
 * A lock whose holder cannot be writing any more: its time is up, or it is a run that wrote its
 * manifest (CommitRun or RecordFailure wrote it, then failed to remove the lock). A manifest
 * counts only once the lock is older than `MANIFEST_STALE_AFTER_MS`, so the earlier manifest of a
 * re-used id, which Plan removes right after taking the lock, never does.
 */
async function isStale(lake: Lake, lock: RunLock, nowMs: number): Promise<boolean> {
  if (Date.parse(lock.expires_at) <= nowMs) return true;
  if (lock.kind !== 'run' || nowMs - Date.parse(lock.taken_at) < MANIFEST_STALE_AFTER_MS) return false;
  return (await lake.list(outputKeys.manifest(lock.holder))).length > 0;
}

/**
 * Takes the output root's lock for `holder`, or says who holds it. A lock the same holder holds
 * is its own (the run `POST /runs` registered, now planning; a retried task). A stale lock is
 * removed and taken over; two takers of one stale lock then race on the create, and one wins.
 */
export async function acquireRunLock(
  lake: Lake,
  holder: { readonly holder: string; readonly kind: LockKind; readonly maxSeconds: number },
  nowMs: number,
): Promise<LockOutcome> {
  const lock: RunLock = {
    holder: holder.holder,
    kind: holder.kind,
    taken_at: formatTimestamp(nowMs),
    expires_at: formatTimestamp(nowMs + holder.maxSeconds * 1000),
  };
  const body = JSON.stringify(lock, null, 2) + '\n';
  // A few rounds: the lock may be released or taken over between the create and the read.
  for (let round = 0; round < 4; round++) {
    if (await lake.writeIfAbsent(outputKeys.runLock, body)) return { acquired: true, fresh: true, lock };
    const held = await readJsonOrNull<RunLock>(lake, outputKeys.runLock);
    if (held === null) continue;
    if (held.holder === lock.holder && held.kind === lock.kind)
      return { acquired: true, fresh: false, lock: held };
    if (round === 3 || !(await isStale(lake, held, nowMs))) return { acquired: false, holder: held };
    await lake.deletePrefix(outputKeys.runLock);
  }
  throw new PipelineError(`cannot take the lock of ${lake.uriOf(outputKeys.runLock)}: it keeps changing`, {
    key: lake.uriOf(outputKeys.runLock),
  });
}

/** `acquireRunLock`, failing with `OutputRootLockedError` when another holder has the root. */
export async function takeRunLock(
  lake: Lake,
  holder: { readonly holder: string; readonly kind: LockKind; readonly maxSeconds: number },
  nowMs: number,
): Promise<{ readonly fresh: boolean }> {
  const outcome = await acquireRunLock(lake, holder, nowMs);
  if (!outcome.acquired) throw new OutputRootLockedError(lake.uri, outcome.holder);
  return { fresh: outcome.fresh };
}

/** Removes the root's lock if `holder` holds it (never another's: a taker of a stale lock may have it now). */
export async function releaseRunLock(lake: Lake, holder: string, kind: LockKind): Promise<void> {
  const held = await readJsonOrNull<RunLock>(lake, outputKeys.runLock);
  if (held?.holder === holder && held.kind === kind) await lake.deletePrefix(outputKeys.runLock);
}

/** Runs `write` holding the root's lock (`OutputRootLockedError` when another holder has it), then frees it. */
export async function withRunLock<T>(
  lake: Lake,
  holder: { readonly holder: string; readonly kind: LockKind; readonly maxSeconds: number },
  nowMs: number,
  write: () => Promise<T>,
): Promise<T> {
  const lock = await takeRunLock(lake, holder, nowMs);
  try {
    return await write();
  } finally {
    if (lock.fresh) await releaseRunLock(lake, holder.holder, holder.kind);
  }
}

/** The holder of a one-day validation (`POST /validations`, `npm run validate`) started at `nowMs`. */
export function validationHolder(date: string, nowMs: number) {
  return {
    holder: `validation-${date}-${nowMs}`,
    kind: 'validation' as const,
    maxSeconds: VALIDATION_LOCK_SECONDS,
  };
}

/** Who holds the root now, stale locks left out (null: nobody is writing it). */
export async function liveRunLock(lake: Lake, nowMs: number): Promise<RunLock | null> {
  const held = await readJsonOrNull<RunLock>(lake, outputKeys.runLock);
  return held === null || (await isStale(lake, held, nowMs)) ? null : held;
}
