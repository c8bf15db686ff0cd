/**
 * `npm run bench:validate -- [--events 300000] [--days 3] [--runs 5]`
 * Generates a lake with the contract's faults in a temporary directory (not timed), reads and
 * decodes each day's raw objects once, then times `validateAndCleanDay` on every day `--runs`
 * times. Prints per day the median CPU µs per raw event, events/s, the share of decode + validate
 * CPU spent in `decodeLines`, and a digest of the day's whole result (same digest = same outputs).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeLines } from '../adapters/jsonl';
import { LocalLake } from '../adapters/local-lake';
import { defaultConfig } from '../domain/config';
import { RAW_PREFIX, isRawObjectKey } from '../domain/lake-layout';
import { latestOnOrBefore } from '../domain/pipeline/plan';
import type { LakeObject } from '../domain/ports';
import { addDays, partitionDateOf, timestampMs } from '../domain/time';
import { type DayInput, validateAndCleanDay } from '../domain/validate-and-clean-day';
import type { SourceObject } from '../domain/validation/source';
import { DEFAULT_SAMPLE, writeSampleLake } from './generate';
import { type CliSpec, type FlagSpec, formatTable, parseCli, positiveInt, runCli } from './lib/cli';

const BENCH_VALIDATE_CLI = {
  command: 'npm run bench:validate --',
  summary:
    'Times validateAndCleanDay per day on a generated lake with faults (CPU µs per raw event, ' +
    'events/s, share of decodeLines) and prints a digest of each day’s result.',
  flags: {
    events: { type: 'string', placeholder: 'n', description: 'events to generate', default: '300000' },
    days: { type: 'string', placeholder: 'n', description: 'days to spread them over', default: '3' },
    runs: { type: 'string', placeholder: 'n', description: 'runs per day (median)', default: '5' },
  },
  examples: ['npm run bench:validate -- --events 300000 --days 3 --runs 5'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

/** CPU time (user + system, all threads, GC included) of `fn` in milliseconds, and its result. */
function cpuTimed<T>(fn: () => T): { cpuMs: number; wallMs: number; value: T } {
  const wallStart = performance.now();
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wallStart, value };
}

function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
}

/** Objects of a raw dataset grouped by partition date, keys in listing (code-point) order. */
async function partitions(lake: LocalLake, prefix: string): Promise<Map<string, LakeObject[]>> {
  const byDate = new Map<string, LakeObject[]>();
  for (const o of await lake.list(prefix)) {
    const date = partitionDateOf(o.key);
    if (date === null || !isRawObjectKey(o.key)) continue;
    byDate.set(date, [...(byDate.get(date) ?? []), o]);
  }
  return byDate;
}

async function main(): Promise<void> {
  const flags = parseCli(BENCH_VALIDATE_CLI, process.argv.slice(2));
  const events = positiveInt('events', flags.events, 300_000);
  const days = positiveInt('days', flags.days, 3);
  const runs = positiveInt('runs', flags.runs, 5);
  const dir = mkdtempSync(join(tmpdir(), 'recsys-bench-validate-'));
  try {
    const options = { ...DEFAULT_SAMPLE, days, eventsPerDay: Math.ceil(events / days) };
    writeSampleLake(dir, options, () => undefined);
    const lake = new LocalLake(dir);
    let decodeCpuMs = 0;
    const read = async (objects: readonly LakeObject[]): Promise<SourceObject[]> => {
      const out: SourceObject[] = [];
      for (const o of objects) {
        const bytes = await lake.read(o.key);
        const decoded = cpuTimed(() => decodeLines(o.key, bytes));
        decodeCpuMs += decoded.cpuMs;
        out.push({ key: o.key, size: o.size, etag: o.etag, lines: decoded.value });
      }
      return out;
    };
    const interactions = await partitions(lake, RAW_PREFIX.interactions);
    const products = await partitions(lake, RAW_PREFIX.products);
    const users = await partitions(lake, RAW_PREFIX.users);
    const snapshot = async (parts: Map<string, LakeObject[]>, date: string) => {
      const refs = [...parts.keys()].sort().map((d) => ({ date: d, objects: parts.get(d) ?? [] }));
      const ref = latestOnOrBefore(refs, date);
      return ref === null ? null : { date: ref.date, objects: await read(ref.objects) };
    };
    const dates = [...interactions.keys()].sort();
    const lastDate = dates[dates.length - 1] ?? options.startDate;
    const referenceTimeMs = timestampMs(`${addDays(lastDate, 1)}T02:00:00Z`);
    const config = defaultConfig();

    // Every day is read first and timed after, runs interleaved across days, and the digests come
    // last, so that no day's timing pays for another day's reading or digest garbage.
    const inputs: { input: DayInput; decodeCpuMs: number }[] = [];
    for (const date of dates) {
      decodeCpuMs = 0;
      const input: DayInput = {
        runId: 'bench-validate',
        date,
        referenceTimeMs,
        interactions: await read(interactions.get(date) ?? []),
        products: await snapshot(products, date),
        users: await snapshot(users, date),
        config,
      };
      inputs.push({ input, decodeCpuMs });
    }
    const cpu = inputs.map((): number[] => []);
    const wall = inputs.map((): number[] => []);
    for (let run = 0; run < runs; run++)
      inputs.forEach(({ input }, d) => {
        const timed = cpuTimed(() => validateAndCleanDay(input));
        cpu[d]?.push(timed.cpuMs);
        wall[d]?.push(timed.wallMs);
      });

    const table: (string | number)[][] = [
      ['day', 'raw events', 'cpu µs/event', 'wall ms', 'events/s', 'decode share', 'digest'],
    ];
    let totalRaw = 0;
    let totalCpuMs = 0;
    let totalDecodeMs = 0;
    inputs.forEach(({ input, decodeCpuMs: decodeMs }, d) => {
      const result = validateAndCleanDay(input);
      const raw = result.report.counts.raw;
      const cpuMs = median(cpu[d] ?? []);
      totalRaw += raw;
      totalCpuMs += cpuMs;
      totalDecodeMs += decodeMs;
      table.push([
        input.date,
        raw,
        ((cpuMs * 1000) / raw).toFixed(2),
        Math.round(median(wall[d] ?? [])),
        Math.round(raw / (cpuMs / 1000)),
        `${((100 * decodeMs) / (decodeMs + cpuMs)).toFixed(1)}%`,
        createHash('sha256').update(JSON.stringify(result)).digest('hex').slice(0, 16),
      ]);
    });
    table.push([
      'all',
      totalRaw,
      ((totalCpuMs * 1000) / totalRaw).toFixed(2),
      '',
      Math.round(totalRaw / (totalCpuMs / 1000)),
      `${((100 * totalDecodeMs) / (totalDecodeMs + totalCpuMs)).toFixed(1)}%`,
      '',
    ]);
    console.log(formatTable(table));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runCli(main);
