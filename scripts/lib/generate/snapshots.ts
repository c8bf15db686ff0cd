/** The writing of each day's product and user snapshots. */
import { rawKeys } from '../../../domain/lake-layout';
import { driftPrices, productSnapshotLines } from './catalog';
import type { GeneratorContext } from './context';
import { addProductSnapshotFaults, addUserSnapshotFaults } from './faults';
import { userSnapshotLines } from './population';
import type { DayWriter } from './sink';

/** The name of the generator's snapshot object in each day's partition. */
export const SNAPSHOT_FILE = 'snapshot.jsonl';

/** Moves the prices to day `d` and writes its product and user snapshots (unless skipped). */
export function writeSnapshots(ctx: GeneratorContext, d: number, writer: DayWriter): void {
  const { faultDays } = ctx.snapshots;
  const { faults } = ctx;
  const date = ctx.calendar.dayIso[d]!;
  // Prices drift every day, skipped snapshot or not, so later snapshots do not depend on the skip.
  if (d > 0) driftPrices(ctx.catalog, ctx.catalogRng);
  if (d === faultDays.skipProduct) faults.stale_snapshot++;
  else {
    const lines = productSnapshotLines(ctx.catalog, d);
    if (d === faultDays.productLines) addProductSnapshotFaults(lines, faults);
    writer.emit(rawKeys.object('products', date, SNAPSHOT_FILE), lines.join('\n') + '\n');
  }
  if (d === faultDays.skipUser) faults.stale_snapshot++;
  else {
    const lines = userSnapshotLines(ctx.population, d);
    if (d === faultDays.userLines) addUserSnapshotFaults(lines, faults);
    writer.emit(rawKeys.object('users', date, SNAPSHOT_FILE), lines.join('\n') + '\n');
  }
}
