/** Which product and user snapshot each day reads, and the writing of the day's snapshots. */
import { driftPrices, productSnapshotLines } from './catalog';
import type { GeneratorContext } from './context';
import {
  addProductSnapshotFaults,
  addUserSnapshotFaults,
  type SnapshotFaultDays,
  snapshotFaultDays,
} from './faults';
import { userSnapshotLines } from './population';
import type { DayWriter } from './sink';

/** The snapshot days: the faulty ones, and the snapshot in force for the events of each day. */
export interface SnapshotPlan {
  readonly faultDays: SnapshotFaultDays;
  /** Product snapshot day used for events of day e, for e in 0..days (the last one past the end). */
  readonly productDay: Int32Array;
  /** User snapshot day used for events of day e, for e in 0..days (the last one past the end). */
  readonly userDay: Int32Array;
}

/** The snapshot plan of a `days`-day lake: a skipped snapshot leaves the day before's in force. */
export function planSnapshots(days: number, faulty: boolean): SnapshotPlan {
  const faultDays = snapshotFaultDays(days, faulty);
  const productDay = new Int32Array(days + 1);
  const userDay = new Int32Array(days + 1);
  for (let e = 0; e <= days; e++) {
    productDay[e] = e === faultDays.skipProduct ? e - 1 : Math.min(e, days - 1);
    userDay[e] = e === faultDays.skipUser ? e - 1 : Math.min(e, days - 1);
  }
  return { faultDays, productDay, userDay };
}

/** Moves the prices to day `d` and writes its product and user snapshots (unless skipped). */
export function writeSnapshots(ctx: GeneratorContext, d: number, writer: DayWriter): void {
  const { faultDays } = ctx.snapshots;
  const { faults } = ctx;
  const path = ctx.calendar.dayPath[d]!;
  // Prices drift every day, skipped snapshot or not, so later snapshots do not depend on the skip.
  if (d > 0) driftPrices(ctx.catalog, ctx.catalogRng);
  if (d === faultDays.skipProduct) faults.stale_snapshot++;
  else {
    const lines = productSnapshotLines(ctx.catalog, d);
    if (d === faultDays.productLines) addProductSnapshotFaults(lines, faults);
    writer.emit(`raw/products/${path}snapshot.jsonl`, lines.join('\n') + '\n');
  }
  if (d === faultDays.skipUser) faults.stale_snapshot++;
  else {
    const lines = userSnapshotLines(ctx.population, d);
    if (d === faultDays.userLines) addUserSnapshotFaults(lines, faults);
    writer.emit(`raw/users/${path}snapshot.jsonl`, lines.join('\n') + '\n');
  }
}
