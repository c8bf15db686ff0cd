/**
 * Daily schedule (01:00 UTC, before the 02:00 pipeline run) and on demand: syncs the product and
 * user snapshots from the catalog and user databases into the input lake (api.md `syncSnapshots`).
 * A scheduled run dumps yesterday (UTC) of its event's time: the database's state at the end of
 * the day the 02:00 run processes. `{ "date": "YYYY-MM-DD" }` dumps as that day instead.
 */
import middy from '@middy/core';
import { syncSnapshots, type SyncedSnapshot } from '../adapters/postgres-snapshots';
import { InvalidArgumentError } from '../domain/errors';
import { addDays, formatDate, parseDate } from '../domain/time';
import { wiring } from '../wiring';

/** The event: an EventBridge schedule (its `time`) or an explicit day. */
export interface SyncSnapshotsEvent {
  readonly date?: string;
  readonly time?: string;
}

/** The day a run dumps: the event's `date`, else the day before the event's (or the clock's) time. */
export function syncDate(event: SyncSnapshotsEvent, nowMs: number): string {
  if (event.date !== undefined) {
    if (parseDate(event.date) === null)
      throw new InvalidArgumentError('date', event.date, 'expected YYYY-MM-DD');
    return event.date;
  }
  const at = event.time === undefined ? nowMs : Date.parse(event.time);
  return addDays(formatDate(Number.isFinite(at) ? at : nowMs), -1);
}

/** Syncs the day's snapshots into the configured input lake; returns what was written. */
export async function lambdaHandler(
  event: SyncSnapshotsEvent = {},
): Promise<{ date: string; snapshots: SyncedSnapshot[] }> {
  const w = wiring();
  const date = syncDate(event ?? {}, w.now());
  const snapshots = await syncSnapshots(w.inputLake(), {
    date,
    databases: await w.snapshotDatabases(),
    mapping: w.settings.sync.mapping,
    gzipLevel: w.settings.sync.gzipLevel,
    retry: w.settings.sync.retry,
    log: w.log,
  });
  return { date, snapshots };
}

/** The Lambda entry point. */
export const handler = middy(lambdaHandler);
