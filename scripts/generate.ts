/**
 * CLI for the sample-lake generator (see generate-lake.ts for the data and the fault table):
 *
 *   npm run generate -- --out ./lake --days 30 --users 5000 --products 2000 \
 *     --events-per-day 10000 --seed 7 [--start-date 2024-01-01] [--clean] [--no-gzip] [--objects-per-day 2]
 *
 * Writes each object atomically (temp file + rename). Existing objects with the same keys are
 * replaced; other files under --out are left alone. Exit 2 on bad flags, 1 on any other error.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FAULT_KINDS,
  generateLake,
  parseDay,
  type GenerateOptions,
  type GenerateSummary,
} from './generate-lake';

/** A bad command line; the message names the flag. */
export class UsageError extends Error {}

/** Parsed CLI options: the generator's options plus the output directory. */
export interface CliOptions extends GenerateOptions {
  out: string;
}

const INT_FLAGS = {
  days: { key: 'days', min: 1, max: 3660, def: 30 },
  users: { key: 'users', min: 10, max: 10_000_000, def: 5000 },
  products: { key: 'products', min: 10, max: 10_000_000, def: 2000 },
  'events-per-day': { key: 'eventsPerDay', min: 0, max: 100_000_000, def: 10_000 },
  seed: { key: 'seed', min: 0, max: 4_294_967_295, def: 7 },
  'objects-per-day': { key: 'objectsPerDay', min: 1, max: 1000, def: 2 },
} as const;
type IntFlag = keyof typeof INT_FLAGS;

/** Parses and validates argv (without the node/script prefix); throws UsageError naming the flag. */
export function parseCliArgs(argv: string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        days: { type: 'string' },
        users: { type: 'string' },
        products: { type: 'string' },
        'events-per-day': { type: 'string' },
        seed: { type: 'string' },
        'objects-per-day': { type: 'string' },
        'start-date': { type: 'string' },
        clean: { type: 'boolean' },
        'no-gzip': { type: 'boolean' },
      },
    }));
  } catch (err) {
    // parseArgs' messages name the flag; keep their first line only (one-line errors).
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const ints = {} as Record<(typeof INT_FLAGS)[IntFlag]['key'], number>;
  for (const flag of Object.keys(INT_FLAGS) as IntFlag[]) {
    const spec = INT_FLAGS[flag];
    const raw = values[flag];
    if (raw === undefined) {
      ints[spec.key] = spec.def;
      continue;
    }
    const text = String(raw).trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
      throw new UsageError(
        `--${flag} must be an integer from ${spec.min} to ${spec.max}, got "${String(raw)}"`,
      );
    }
    ints[spec.key] = n;
  }
  const startDate = String(values['start-date'] ?? '2024-01-01');
  if (!Number.isFinite(parseDay(startDate))) {
    throw new UsageError(`--start-date must be a real calendar date YYYY-MM-DD, got "${startDate}"`);
  }
  const out = String(values.out ?? './lake');
  if (out.trim() === '') throw new UsageError('--out must be a non-empty directory path');
  return { out, ...ints, startDate, clean: values.clean === true, gzip: values['no-gzip'] !== true };
}

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** The generator's defaults: the sample lake `npm start` creates. */
export const DEFAULT_SAMPLE: GenerateOptions = {
  days: 30,
  users: 5000,
  products: 2000,
  eventsPerDay: 10_000,
  seed: 7,
  startDate: '2024-01-01',
  clean: false,
  gzip: true,
};

/**
 * Generates a lake under the local directory `out`, each object written atomically, printing a
 * line per day and a summary to `log`.
 */
export function writeSampleLake(
  out: string,
  opts: GenerateOptions,
  log: (line: string) => void,
): GenerateSummary {
  const root = resolve(out);
  const madeDirs = new Set<string>();
  const sink = (key: string, body: string | Uint8Array): void => {
    const file = join(root, ...key.split('/'));
    const dir = dirname(file);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, body);
    renameSync(tmp, file);
  };
  const t0 = performance.now();
  const summary = generateLake(opts, sink, (day) => {
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    log(
      `${day.date}  ${day.events.toLocaleString('en-US')} events  ${day.objects} objects  ${mb(day.bytes)}  (${secs} s)`,
    );
  });
  const secs = (performance.now() - t0) / 1000;
  const rate = Math.round(summary.events / Math.max(secs, 1e-3));
  log(
    `done: ${summary.events.toLocaleString('en-US')} events, ${summary.objects} objects, ${mb(summary.bytes)} in ` +
      `${secs.toFixed(2)} s (${rate.toLocaleString('en-US')} events/s) -> ${root}${opts.clean ? ' [clean]' : ''}`,
  );
  if (!opts.clean) {
    const parts = FAULT_KINDS.filter((k) => summary.faults[k] > 0).map((k) => `${k}=${summary.faults[k]}`);
    log(`faults: ${parts.join(' ')}`);
  }
  return summary;
}

function main(): void {
  let opts: CliOptions;
  try {
    opts = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`generate: ${(err as Error).message}\n`);
    process.exit(2);
  }
  try {
    writeSampleLake(opts.out, opts, (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`generate: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) main();
