/**
 * `npm run bench -- --events 1000000 [--lake DIR] [--days 30]`
 * Generates a lake (unless given one; generation is not timed), runs the full pipeline on it in
 * this process and prints per-stage wall time, events/s and peak RSS against the targets.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../config';
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
import { rawInteractionRange } from '../domain/pipeline/plan';
import { addDays } from '../domain/time';
import { createPipelineDeps } from '../adapters/pipeline-deps';

/** Targets of the batch issue on a 2-core machine. */
const TARGET = { eventsPerSecond: 200_000, peakRssBytes: 1.5 * 1024 ** 3 } as const;

const SPEC = {
  command: 'npm run bench --',
  summary:
    'Generates a lake (unless --lake holds one; not timed), runs the full pipeline on it in this ' +
    'process and prints per-stage wall time, events/s and peak RSS against the targets.',
  flags: {
    events: { type: 'string', description: 'Events to generate', default: '1000000', placeholder: 'n' },
    days: { type: 'string', description: 'Days to spread them over', default: '30', placeholder: 'n' },
    lake: {
      type: 'string',
      description: 'Existing lake directory to use (kept)',
      default: 'a temporary directory',
      placeholder: 'dir',
    },
    shards: { type: 'string', description: 'User shards N', default: '$USER_SHARDS or 4', placeholder: 'n' },
    keep: { type: 'boolean', description: 'Keep the generated temporary lake' },
  },
  examples: ['npm run bench -- --events 1000000', 'npm run bench -- --lake ./lake'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

runCli(async () => {
  const flags = parseCli(SPEC, process.argv.slice(2));
  const events = positiveInt('events', flags.events, 1_000_000);
  const days = positiveInt('days', flags.days, 30);
  const lake = flags.lake ?? mkdtempSync(join(tmpdir(), 'recsys-bench-'));
  const output = join(lake, `bench-output-${process.pid}`);
  const log = (line: string): void => console.log(line);
  try {
    const deps = createPipelineDeps({ inputUri: lake, outputUri: output });
    if (!existsSync(join(lake, 'raw')) || (await rawInteractionRange(deps)) === null) {
      const scale = Math.max(1, Math.round(events / 1_000_000));
      log(`generating ${events.toLocaleString('en-US')} events over ${days} days in ${lake} (not timed)`);
      writeSampleLake(
        lake,
        {
          ...DEFAULT_SAMPLE,
          days,
          eventsPerDay: Math.ceil(events / days),
          users: 5000 * scale,
          products: 2000 * scale,
        },
        () => undefined,
      );
    }
    const range = await rawInteractionRange(deps);
    if (range === null) throw new UsageError(`no raw interactions under ${lake}`);
    const settings = loadSettings();
    const started = performance.now();
    const outcome = await runPipelineRequest(
      {
        inputUri: lake,
        outputUri: output,
        mode: 'full',
        startDate: range.start,
        endDate: range.end,
        now: `${addDays(range.end, 1)}T02:00:00Z`,
        ...(flags.shards === undefined ? {} : { shardCount: positiveInt('shards', flags.shards, 4) }),
        workers: true,
      },
      settings,
      () => undefined,
    );
    const seconds = (performance.now() - started) / 1000;
    const raw = outcome.manifest.days.reduce((n, d) => n + d.counts.raw, 0);
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const rate = raw / seconds;
    log('');
    log(
      `benchmark: full run over ${range.start}..${range.end} (${outcome.manifest.days.length} days), ${outcome.manifest.shard_count} user shards, ${settings.workerThreads} worker threads`,
    );
    // Task seconds are summed over a Map's iterations (the work one Lambda does per day or shard);
    // records/s per task is what docs/capacity.md sizes shards and days from.
    log(
      formatTable([
        ['stage', 'tasks', 'task seconds', 'records', 'records/s per task', 'Parquet encode'],
        ...outcome.manifest.stages.map((s) => [
          s.stage,
          s.tasks,
          s.seconds.toFixed(2),
          s.records,
          Math.round(s.records / Math.max(s.seconds, 1e-3)),
          s.encode_seconds > 0
            ? `${s.encode_seconds.toFixed(2)} s (${Math.round((100 * s.encode_seconds) / s.seconds)}%)`
            : '',
        ]),
        ['total (wall)', '', seconds.toFixed(2), raw, Math.round(rate), ''],
      ]),
    );
    log('');
    log(
      formatTable([
        ['measure', 'value', 'target', 'met'],
        [
          'raw events/s (end to end)',
          Math.round(rate),
          `>= ${TARGET.eventsPerSecond}`,
          rate >= TARGET.eventsPerSecond
            ? 'yes'
            : `no (${(TARGET.eventsPerSecond / rate).toFixed(1)}x short)`,
        ],
        [
          'peak RSS (MiB)',
          Math.round(peakRss / 1024 ** 2),
          `<= ${TARGET.peakRssBytes / 1024 ** 2}`,
          peakRss <= TARGET.peakRssBytes ? 'yes' : 'no',
        ],
      ]),
    );
    return EXIT.ok;
  } finally {
    rmSync(output, { recursive: true, force: true });
    if (flags.lake === undefined && !flags.keep) rmSync(lake, { recursive: true, force: true });
  }
});
