/**
 * `npm run bench:parquet -- [--rows 250000] [--users 50000] [--items 5000] [--runs 5]`
 * Builds a realistic training-row table (one part of `--rows` rows, the 40 columns of
 * `TRAINING_ROW_COLUMNS`, filled through `TableBuilder` as the pipeline does) and user and item
 * feature tables, then times `encodeParquet`: the training table's columns grouped by type, the
 * whole training table, and each feature table. Medians of `--runs` runs, in milliseconds of wall
 * and CPU time.
 */
import { encodeParquet } from '../adapters/parquet';
import {
  ITEM_FILE_COLUMNS,
  TableBuilder,
  TRAINING_ROW_COLUMNS,
  USER_FILE_COLUMNS,
} from '../domain/features/columns';
import type { ColumnSpec } from '../domain/features/columns';
import type { ColumnType, Table } from '../domain/table';
import { mulberry32 } from './lib/generate/random';
import { type CliSpec, type FlagSpec, formatTable, parseCli, positiveInt, runCli } from './lib/cli';

const BENCH_PARQUET_CLI = {
  command: 'npm run bench:parquet --',
  summary: 'Times the Parquet encoder on a realistic training part and the feature tables (wall and CPU ms).',
  flags: {
    rows: { type: 'string', placeholder: 'n', description: 'training rows', default: '250000' },
    users: { type: 'string', placeholder: 'n', description: 'user feature rows', default: '50000' },
    items: { type: 'string', placeholder: 'n', description: 'item feature rows', default: '5000' },
    runs: { type: 'string', placeholder: 'n', description: 'runs per measurement (median)', default: '5' },
  },
  examples: ['npm run bench:parquet -- --runs 7'],
} as const satisfies CliSpec<Record<string, FlagSpec>>;

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/** Value pools of the low-cardinality string columns, as the generator's lakes have them. */
const POOLS: Record<string, readonly (string | null)[]> = {
  interaction_type: ['view', 'view', 'view', 'view', 'add_to_cart', 'purchase', 'rating'],
  device_type: ['mobile', 'desktop', 'tablet'],
  page_context: ['home', 'search', 'category', 'product', 'cart'],
  category: ['electronics', 'books', 'home', 'fashion', 'sports', 'toys', 'beauty', 'garden'],
  age_group: ['18-24', '25-34', '35-44', '45-54', '55+', null],
  gender: ['M', 'F', 'Other', null],
  location: ['berlin', 'paris', 'london', 'madrid', 'rome', 'vienna', null],
  customer_segment: ['new', 'regular', 'vip', 'churn_risk'],
};

const id = (prefix: string, n: number): string => `${prefix}_${String(n).padStart(6, '0')}`;

/** A generator of one column's values by its name and type: ids, pools, counts, ratios. */
function valueSource(
  spec: ColumnSpec,
  rnd: () => number,
  entities: number,
  keyed: boolean,
): (row: number) => unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const name = spec.name.replace(/^(user_|item_)(?=.)/, '');
  const maybeNull = (v: unknown): unknown => (spec.nullable && rnd() < 0.1 ? null : v);
  if (spec.name === 'interaction_id') return (r) => `e_${r.toString(36).padStart(8, '0')}`;
  if (spec.name === 'session_id')
    return (r) =>
      `s_${Math.floor(r / 6)
        .toString(36)
        .padStart(7, '0')}`;
  if (spec.name === 'user_id' || spec.name === 'product_id') {
    const prefix = spec.name[0]!;
    // A feature file holds one row per key; training rows draw keys at random.
    return keyed ? (r) => id(prefix, r) : () => id(prefix, Math.floor(rnd() * entities));
  }
  if (name === 'favorite_category' || name === 'subcategory')
    return () => `${pick(POOLS.category!)}${name === 'subcategory' ? `/${Math.floor(rnd() * 6)}` : ''}`;
  if (name === 'brand') return () => `brand-${Math.floor(rnd() * 200)}`;
  const pool = POOLS[name];
  if (pool) return () => pick(pool);
  switch (spec.type) {
    case 'TIMESTAMP':
      return (r) => T0 + Math.floor((r / 250_000) * 30 * DAY_MS + rnd() * 1000);
    case 'INT64':
      return () => maybeNull(Math.floor(rnd() * 500));
    case 'INT32':
      return () => Math.floor(rnd() * (name === 'time_of_day' ? 24 : 7));
    case 'BOOLEAN':
      return () => rnd() < 0.3;
    case 'DOUBLE':
      if (name === 'rating') return () => (rnd() < 0.9 ? null : 1 + Math.floor(rnd() * 5));
      return () => maybeNull(rnd() * 100);
    case 'STRING':
      return () => maybeNull(`v${Math.floor(rnd() * 50)}`);
  }
}

/** A table of `rows` rows over `specs`, filled row by row through the pipeline's builder; `keyed`: one row per id. */
function buildTable(specs: readonly ColumnSpec[], rows: number, entities: number, keyed: boolean): Table {
  const rnd = mulberry32(rows);
  const sources = specs.map((s) => valueSource(s, rnd, entities, keyed));
  const builder = new TableBuilder(specs);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < sources.length; c++) builder.set(c, sources[c]!(r));
    builder.endRow();
  }
  return builder.take();
}

/**
 * The median wall and CPU time (all threads, GC included) of encoding `table` `runs` times, and
 * the file size. CPU time is the steadier figure on a shared machine.
 */
function timeEncode(table: Table, runs: number): { ms: number; cpuMs: number; bytes: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    bytes = encodeParquet(table).byteLength;
    const used = process.cpuUsage(startCpu);
    cpu.push((used.user + used.system) / 1000);
    wall.push(performance.now() - start);
  }
  const median = (xs: number[]): number => Math.round(xs.sort((a, b) => a - b)[Math.floor(runs / 2)]!);
  return { ms: median(wall), cpuMs: median(cpu), bytes };
}

async function main(): Promise<void> {
  const flags = parseCli(BENCH_PARQUET_CLI, process.argv.slice(2));
  const rows = positiveInt('rows', flags.rows, 250_000);
  const users = positiveInt('users', flags.users, 50_000);
  const items = positiveInt('items', flags.items, 5_000);
  const runs = positiveInt('runs', flags.runs, 5);

  const training = buildTable(TRAINING_ROW_COLUMNS, rows, users, false);
  const out: (string | number)[][] = [['table', 'columns', 'rows', 'ms', 'cpu ms', 'MB']];
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
  const types = [...new Set(training.columns.map((c) => c.type))] as ColumnType[];
  for (const type of types) {
    const columns = training.columns.filter((c) => c.type === type);
    const { ms, cpuMs, bytes } = timeEncode({ columns, rowCount: training.rowCount }, runs);
    out.push([`training ${type}`, columns.length, rows, ms, cpuMs, mb(bytes)]);
  }
  const all = timeEncode(training, runs);
  out.push(['training (total)', training.columns.length, rows, all.ms, all.cpuMs, mb(all.bytes)]);
  for (const [name, specs, count] of [
    ['user features', USER_FILE_COLUMNS, users],
    ['item features', ITEM_FILE_COLUMNS, items],
  ] as const) {
    const { ms, cpuMs, bytes } = timeEncode(buildTable(specs, count, count, true), runs);
    out.push([name, specs.length, count, ms, cpuMs, mb(bytes)]);
  }
  console.log(formatTable(out));
}

runCli(main);
