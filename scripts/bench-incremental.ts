/**
 * `npm run bench:incremental [-- --days 60 --events-per-day 10000]`
 * Builds a lake with `--days` days of history, runs a full run over day 1, then one daily
 * incremental run per day, and prints the wall time of the daily runs of day 2, day 30 and the last
 * day, and the state's size: a daily run's cost must not grow with the history (day 60 ≤ 1.3 × day 2).
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputKeys } from '../domain/lake-layout';
import { loadSettings } from '../config';
import { addDays } from '../domain/time';
import {
  type CliSpec,
  EXIT,
  type FlagSpec,
  formatTable,
  parseCli,
  positiveInt,
  runCli,
  UsageError,
} from './lib/cli';
import { DEFAULT_SAMPLE, writeSampleLake } from './generate';
import { runPipelineRequest } from './lib/pipeline-run';

/** Bytes of every file under a folder (the state as of a day: items, user shards, header). */
function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

const SPEC = {
  command: 'npm run bench:incremental --',
  summary:
    'Builds a lake of --days days, runs a full run over day 1 then one daily incremental run per ' +
    'day, and prints the daily wall time of day 2, day 30 and the last day and the state size.',
  flags: {
    days: { type: 'string', description: 'Days of history, at least 30', default: '60', placeholder: 'n' },
    'events-per-day': { type: 'string', description: 'Events per day', default: '10000', placeholder: 'n' },
  },
  examples: ['npm run bench:incremental', 'npm run bench:incremental -- --days 30 --events-per-day 2000'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

runCli(async () => {
  const flags = parseCli(SPEC, process.argv.slice(2));
  const days = positiveInt('days', flags.days, 60);
  if (days < 30) throw new UsageError('--days must be at least 30 (day 30 is measured)');
  const eventsPerDay = positiveInt('events-per-day', flags['events-per-day'], 10_000);
  const lake = mkdtempSync(join(tmpdir(), 'recsys-bench-incremental-'));
  const out = join(lake, 'processed');
  const settings = loadSettings();
  try {
    console.log(
      `generating ${days} days × ${eventsPerDay.toLocaleString('en-US')} events in ${lake} (not timed)`,
    );
    writeSampleLake(lake, { ...DEFAULT_SAMPLE, days, eventsPerDay }, () => undefined);
    const start = DEFAULT_SAMPLE.startDate;
    const now = `${addDays(start, days)}T02:00:00Z`;
    const base = { inputUri: lake, outputUri: out, now, startDate: start };
    await runPipelineRequest({ ...base, mode: 'full', endDate: start }, settings, () => undefined);
    // Each point is the median of three consecutive daily runs, so one GC pause does not decide it.
    const points = new Map<number, number[]>([
      [2, [2, 3, 4]],
      [30, [29, 30, 31]],
      [days, [days - 2, days - 1, days]],
    ]);
    const seconds = new Map<number, number>();
    const measured = new Map<number, { seconds: number; stateBytes: number; users: number }>();
    for (let d = 2; d <= days; d++) {
      const date = addDays(start, d - 1);
      const t0 = performance.now();
      const outcome = await runPipelineRequest(
        { ...base, mode: 'incremental', date },
        settings,
        () => undefined,
      );
      seconds.set(d, (performance.now() - t0) / 1000);
      const stateBytes = folderBytes(join(out, outputKeys.stateMeta(addDays(date, 1)), '..'));
      for (const [point, around] of points)
        if (d === around[around.length - 1]) {
          const median = around.map((x) => seconds.get(x) ?? NaN).sort((a, b) => a - b)[1] as number;
          measured.set(point, { seconds: median, stateBytes, users: outcome.manifest.users ?? 0 });
        }
      if (d % 10 === 0) console.log(`  day ${d}: ${(seconds.get(d) ?? NaN).toFixed(2)} s`);
    }
    const day2 = measured.get(2)?.seconds ?? NaN;
    const last = measured.get(days)?.seconds ?? NaN;
    console.log('');
    console.log(
      formatTable([
        ['daily run', 'seconds (median of 3)', 'state (MiB)', 'users with history'],
        ...[...measured].map(([d, m]) => [
          `day ${d}`,
          m.seconds.toFixed(2),
          (m.stateBytes / 1024 ** 2).toFixed(2),
          m.users,
        ]),
      ]),
    );
    console.log('');
    console.log(
      `day ${days} / day 2 = ${(last / day2).toFixed(2)} (target ≤ 1.3): ${last <= 1.3 * day2 ? 'met' : 'not met'}`,
    );
    return EXIT.ok;
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
});
