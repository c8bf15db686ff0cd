/** Which product and user snapshot each day reads. */
import { type SnapshotFaultDays, snapshotFaultDays } from './faults';

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
