/**
 * `npm run generate -- [--out ./lake] [--days 30] …`: writes the sample lake (see
 * lib/generate/generate-lake.ts for the data and lib/generate/faults.ts for the fault table) under a
 * local directory, each object atomically (temp file + rename). Existing objects with the same
 * keys are replaced; other files under --out are left alone. `--help` lists the flags.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { rawKeys } from '../domain/lake-layout';
import type { SnapshotDataset } from '../domain/snapshots/snapshot-query';
import { addDays } from '../domain/time';
import { type CliSpec, type FlagSpec, parseCli, runCli, UsageError } from './lib/cli';
import { SNAPSHOT_FILE } from './lib/generate/snapshots';
import { loadSnapshotTable } from './lib/postgres-sample';
import { parseDay } from './lib/generate/calendar';
import { FAULT_KINDS } from './lib/generate/faults';
import { generateLake, type GenerateOptions, type GenerateSummary } from './lib/generate/generate-lake';

function mb(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** The generator's defaults: the sample lake `npm start` creates. */
export const DEFAULT_SAMPLE: Required<GenerateOptions> = {
  days: 30,
  users: 5000,
  products: 2000,
  eventsPerDay: 10_000,
  seed: 7,
  startDate: '2024-01-01',
  clean: false,
  gzip: true,
  objectsPerDay: 2,
};

/** The last day's product and user snapshot lines, which the sample databases hold instead of the lake. */
export interface DatabaseSnapshots {
  readonly date: string;
  readonly text: Readonly<Record<SnapshotDataset, string>>;
}

/** The key of the generator's snapshot object of the lake's last day, per dataset. */
function lastDayKeys(opts: GenerateOptions): { date: string; keys: Record<SnapshotDataset, string> } {
  const date = addDays(opts.startDate, opts.days - 1);
  return {
    date,
    keys: {
      products: rawKeys.object('products', date, SNAPSHOT_FILE),
      users: rawKeys.object('users', date, SNAPSHOT_FILE),
    },
  };
}

/**
 * Takes the last day's snapshots out of the objects a sink receives (the rest go to `sink`), and
 * keeps, per dataset, the latest snapshot up to that day: what the databases hold on the last day
 * (when its snapshot was skipped, the one before: the sync did not run, the data did not change).
 */
function holdingBackLastDay(
  opts: GenerateOptions,
  sink: (key: string, body: string | Uint8Array) => void,
): { sink: (key: string, body: string | Uint8Array) => void; held: () => DatabaseSnapshots } {
  const { date, keys } = lastDayKeys(opts);
  const text: Record<SnapshotDataset, string> = { products: '', users: '' };
  const snapshotOf = (key: string): SnapshotDataset | null =>
    !key.endsWith(`/${SNAPSHOT_FILE}`)
      ? null
      : key.startsWith('raw/products/')
        ? 'products'
        : key.startsWith('raw/users/')
          ? 'users'
          : null;
  return {
    sink: (key, body) => {
      const dataset = snapshotOf(key);
      if (dataset !== null)
        text[dataset] = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
      if (key !== keys.products && key !== keys.users) sink(key, body);
    },
    held: () => ({ date, text }),
  };
}

/** The last day's snapshots of the lake `opts` describe, generated in memory (nothing written). */
export function sampleDatabaseSnapshots(opts: GenerateOptions): DatabaseSnapshots {
  const holding = holdingBackLastDay(opts, () => undefined);
  generateLake(opts, holding.sink);
  return holding.held();
}

/**
 * Loads the last day's snapshots into the products table of `urls.products` and the users table of
 * `urls.users` (tables as the default snapshot mapping reads them), replacing them.
 */
export async function loadSampleDatabases(
  snapshots: DatabaseSnapshots,
  urls: Readonly<Record<SnapshotDataset, string>>,
  log: (line: string) => void,
): Promise<void> {
  for (const dataset of ['products', 'users'] as const) {
    const loaded = await loadSnapshotTable(urls[dataset], dataset, snapshots.text[dataset]);
    const skipped = loaded.skipped === 0 ? '' : ` (${loaded.skipped} lines no table row can hold left out)`;
    log(
      `loaded ${loaded.rows.toLocaleString('en-US')} ${dataset} of ${snapshots.date} into the ${dataset} table${skipped}`,
    );
  }
}

/**
 * Generates a lake under the local directory `out`, each object written atomically, printing a
 * line per day and a summary to `log`. With `holdBackLastDay`, the last day's product and user
 * snapshots are returned instead of written: the sample databases hold them, and the snapshot
 * sync writes them from there.
 */
export function writeSampleLake(
  out: string,
  opts: GenerateOptions,
  log: (line: string) => void,
  holdBackLastDay = false,
): GenerateSummary & { database: DatabaseSnapshots | null } {
  const root = resolve(out);
  const madeDirs = new Set<string>();
  const write = (key: string, body: string | Uint8Array): void => {
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
  const holding = holdBackLastDay ? holdingBackLastDay(opts, write) : null;
  const sink = holding?.sink ?? write;
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
  return { ...summary, database: holding?.held() ?? null };
}

/** Bounds of the integer flags, and the generator option each one sets. */
const INT_FLAGS = {
  days: { key: 'days', min: 1, max: 3660 },
  users: { key: 'users', min: 10, max: 10_000_000 },
  products: { key: 'products', min: 10, max: 10_000_000 },
  'events-per-day': { key: 'eventsPerDay', min: 0, max: 100_000_000 },
  seed: { key: 'seed', min: 0, max: 4_294_967_295 },
  'objects-per-day': { key: 'objectsPerDay', min: 1, max: 1000 },
} as const;
type IntFlag = keyof typeof INT_FLAGS;

/** An integer flag's help line: what it means, its bounds and its default. */
function intFlag(flag: IntFlag, description: string): FlagSpec {
  const { key, min, max } = INT_FLAGS[flag];
  return {
    type: 'string',
    description: `${description}, ${min} to ${max}`,
    default: String(DEFAULT_SAMPLE[key]),
    placeholder: 'n',
  };
}

const SPEC = {
  command: 'npm run generate --',
  summary:
    'Writes a deterministic synthetic lake (raw interactions, product and user snapshots, with the ' +
    'faults of the data contract unless --clean) under a local directory: the same flags give the ' +
    'same lake, byte for byte.',
  flags: {
    out: {
      type: 'string',
      description: 'Directory to write the lake under',
      default: './lake',
      placeholder: 'dir',
    },
    days: intFlag('days', 'Days to generate, from --start-date'),
    users: intFlag('users', 'Users (some join mid-range)'),
    products: intFlag('products', 'Products (some are created mid-range)'),
    'events-per-day': intFlag('events-per-day', 'Session events per day (faults come on top)'),
    seed: intFlag('seed', 'Random seed'),
    'objects-per-day': intFlag('objects-per-day', 'Interaction objects per day partition'),
    'start-date': {
      type: 'string',
      description: 'First day, YYYY-MM-DD (UTC)',
      default: DEFAULT_SAMPLE.startDate,
      placeholder: 'date',
    },
    clean: { type: 'boolean', description: 'No faults: every line is a valid record' },
    'no-gzip': {
      type: 'boolean',
      description: 'Write every object uncompressed (else the second part of every other day is gzipped)',
    },
    'to-postgres': {
      type: 'string',
      placeholder: 'url',
      description:
        "Load the last day's catalog and users into this PostgreSQL database's products and users tables " +
        "(replaced) instead of that day's snapshot files (npm run sync writes those)",
    },
  },
  examples: [
    'npm run generate -- --out ./lake',
    'npm run generate -- --out /tmp/lake --days 5 --events-per-day 2000 --seed 7',
    'npm run generate -- --out /tmp/clean --days 3 --clean --no-gzip',
    'npm run generate -- --out ./lake --to-postgres postgres://postgres@localhost/shop',
  ],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

/** Parsed CLI options: the generator's options plus the output directory. */
interface CliOptions extends Required<GenerateOptions> {
  out: string;
  toPostgres: string | undefined;
}

/** Parses and validates argv (without the node/script prefix); throws UsageError naming the flag. */
function parseOptions(argv: readonly string[]): CliOptions {
  const values = parseCli(SPEC, argv);
  const opts: CliOptions = {
    ...DEFAULT_SAMPLE,
    out: values.out ?? './lake',
    toPostgres: values['to-postgres'],
    startDate: values['start-date'] ?? DEFAULT_SAMPLE.startDate,
    clean: values.clean === true,
    gzip: values['no-gzip'] !== true,
  };
  for (const flag of Object.keys(INT_FLAGS) as IntFlag[]) {
    const { key, min, max } = INT_FLAGS[flag];
    const raw = values[flag];
    if (raw === undefined) continue;
    const text = raw.trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got "${raw}"`);
    opts[key] = n;
  }
  if (!Number.isFinite(parseDay(opts.startDate)))
    throw new UsageError(`--start-date must be a real calendar date YYYY-MM-DD, got "${opts.startDate}"`);
  if (opts.out.trim() === '') throw new UsageError('--out must be a non-empty directory path');
  if (opts.toPostgres !== undefined && !/^postgres(ql)?:\/\//.test(opts.toPostgres))
    throw new UsageError('--to-postgres must be a postgres:// URL');
  return opts;
}

if (require.main === module)
  runCli(async () => {
    const opts = parseOptions(process.argv.slice(2));
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const { database } = writeSampleLake(opts.out, opts, log, opts.toPostgres !== undefined);
    if (database !== null && opts.toPostgres !== undefined)
      await loadSampleDatabases(database, { products: opts.toPostgres, users: opts.toPostgres }, log);
  });
