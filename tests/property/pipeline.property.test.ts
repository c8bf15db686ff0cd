/**
 * Properties of whole pipeline runs on small random lakes (data-contract.md §3-5, features.md
 * §1, §6-7), run in memory. Random lakes mix valid records with every kind of fault.
 */
import fc from 'fast-check';

import { MemoryLake } from '../../adapters/memory-lake';
import { type PipelineConfig, defaultConfig } from '../../domain/config';
import { decodeParquet } from '../../adapters/parquet';
import { MissingInputError, ValidationFailedError } from '../../domain/errors';
import { ITEM_AGGREGATE_COLUMNS, USER_FEATURE_COLUMNS } from '../../domain/features/columns';
import { addDays } from '../../domain/time';
import { compareCodePoints } from '../../domain/text';
import {
  type MemoryRun,
  type TrainingRow,
  anyConfig,
  compareRows,
  msOf,
  readQuarantine,
  readReport,
  readTrainingRows,
  runInMemory,
} from '../support/memory-pipeline';
import {
  type RandomLake,
  before,
  interactionObjects,
  randomLake,
  reshuffleInteractions,
  withoutDate,
} from '../support/random-lake';

const RUNS = 10;
const LEAKAGE_RUNS = 8;
const sum = (record: Record<string, number>): number => Object.values(record).reduce((a, b) => a + b, 0);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const run = (lake: RandomLake, config: PipelineConfig, output?: MemoryLake): Promise<MemoryRun> =>
  runInMemory(lake.files, {
    startDate: lake.dates[0] as string,
    endDate: lake.dates[lake.dates.length - 1] as string,
    config,
    referenceTimeMs: lake.referenceTimeMs,
    ...(output === undefined ? {} : { output }),
  });

/** Output keys whose bytes must not depend on input order or on re-running. */
const isDataOutput = (key: string): boolean => key.startsWith('features/') || key.startsWith('datasets/');

/** A report without its input lineage (object keys, sizes and ETags legitimately follow the objects). */
const reportCore = async (output: MemoryLake, date: string): Promise<string> => {
  const { inputs: _inputs, ...core } = await readReport(output, date);
  return JSON.stringify(core);
};

/** Quarantined interactions as a sorted multiset of (reason, field, raw line): what survives re-chunking. */
const quarantineBag = async (output: MemoryLake, date: string): Promise<string[]> =>
  (await readQuarantine(output, date))
    .map((q) => JSON.stringify([q.reason, q.field, q.raw_line]))
    .sort(compareCodePoints);

/** The user and item features as of one midnight, keyed by id. */
interface FeaturesAsOf {
  readonly users: Map<string, Record<string, unknown>>;
  readonly items: Map<string, Record<string, unknown>>;
}

const midnight = (date: string): number => Date.parse(`${date}T00:00:00Z`);

/** The rows of a feature file set, keyed by `key`; none when no file was written. */
async function featureRows(output: MemoryLake, prefix: string, key: string) {
  const out = new Map<string, Record<string, unknown>>();
  for (const part of await output.list(prefix))
    for (const r of await decodeParquet(await output.read(part.key))) out.set(String(r[key]), r);
  return out;
}

async function featuresIn(output: MemoryLake, asOf: string): Promise<FeaturesAsOf> {
  return {
    users: await featureRows(output, `features/users/as_of=${asOf}/`, 'user_id'),
    items: await featureRows(output, `features/items/as_of=${asOf}/`, 'product_id'),
  };
}

/**
 * The features as of every D in S..E + 1, each from runs that never saw day D or later: as of S
 * from a run over S - 1 (no interactions, only a snapshot dated S - 1 if the lake has one), then
 * a full run over S and one daily run per later day, each on the lake cut before its next day.
 */
async function featuresAsOfEveryDay(
  lake: RandomLake,
  config: PipelineConfig,
): Promise<Map<string, FeaturesAsOf>> {
  const s = lake.dates[0] as string;
  const out = new Map<string, FeaturesAsOf>();
  const history = await runInMemory(before(lake, s).files, {
    startDate: addDays(s, -1),
    endDate: addDays(s, -1),
    config,
    referenceTimeMs: lake.referenceTimeMs,
  }).then(
    (r) => r.output,
    (e: unknown) => {
      // Without a snapshot dated S - 1 that run cannot start: then nothing is known as of S.
      if (e instanceof MissingInputError) return new MemoryLake('empty');
      throw e;
    },
  );
  out.set(s, await featuresIn(history, s));
  const output = new MemoryLake('chain');
  for (const [index, date] of lake.dates.entries()) {
    await runInMemory(before(lake, addDays(date, 1)).files, {
      startDate: s,
      endDate: date,
      config,
      referenceTimeMs: lake.referenceTimeMs,
      mode: index === 0 ? 'full' : 'incremental',
      output,
    });
    out.set(addDays(date, 1), await featuresIn(output, addDays(date, 1)));
  }
  return out;
}

/** features.md §5 `user_item_affinity`, from the user's clean rows before the row's day. */
function affinityOf(
  history: readonly TrainingRow[],
  row: TrainingRow,
  config: PipelineConfig,
): number | null {
  const dims = (r: Record<string, unknown>): string[] =>
    [`c:${String(r.item_category)}`, `s:${String(r.item_subcategory)}`, `b:${String(r.item_brand)}`].filter(
      (d) => d.slice(2) !== 'unknown',
    );
  const user = new Map<string, number>();
  for (const h of history) {
    const w = config.affinityWeights[h.interaction_type as keyof PipelineConfig['affinityWeights']];
    for (const d of dims(h)) user.set(d, (user.get(d) ?? 0) + w);
  }
  const item = dims(row);
  const norm = Math.sqrt([...user.values()].reduce((a, v) => a + v * v, 0));
  if (norm === 0 || item.length === 0) return null;
  const dot = item.reduce((a, d) => a + (user.get(d) ?? 0), 0);
  return dot / (norm * Math.sqrt(item.length));
}

/** The named fields of a row. */
const pick = (row: Record<string, unknown>, names: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(names.map((n) => [n, row[n]]));

describe('pipeline properties on random lakes', () => {
  it('accounts for every line: raw = valid + Σ rejected, clean = valid − Σ removed, quarantine holds the rest', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake(), anyConfig, async (lake, config) => {
        const { output } = await run(lake, config);
        for (const date of lake.dates) {
          const objects = interactionObjects(lake, date);
          const nonBlank = [...objects.values()].flat().filter((l) => l.trim() !== '').length;
          const { counts } = await readReport(output, date);
          expect(counts.raw).toBe(nonBlank);
          expect(counts.raw).toBe(counts.valid + sum(counts.rejected));
          expect(counts.clean).toBe(counts.valid - sum(counts.removed));
          const quarantine = await readQuarantine(output, date);
          expect(quarantine).toHaveLength(sum(counts.rejected) + sum(counts.removed));
          for (const q of quarantine) {
            // The entry points at its own line: source object and 1-based line number.
            const lines = objects.get(String(q.source_key));
            expect(lines?.[Number(q.line_number) - 1]).toBe(q.raw_line);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is blind to line order and object names/chunking within an interaction partition', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake(), anyConfig, fc.integer(), async (lake, config, seed) => {
        const shuffled = reshuffleInteractions(lake, seed);
        const [a, b] = await Promise.all([run(lake, config), run(shuffled, config)]);
        const dataKeys = a.output.keys().filter(isDataOutput);
        expect(b.output.keys().filter(isDataOutput)).toEqual(dataKeys);
        for (const key of dataKeys)
          expect(Buffer.from(await b.output.read(key))).toEqual(Buffer.from(await a.output.read(key)));
        for (const date of lake.dates) {
          expect(await reportCore(b.output, date)).toBe(await reportCore(a.output, date));
          expect(await quarantineBag(b.output, date)).toEqual(await quarantineBag(a.output, date));
        }
        expect(b.outcome.manifest.outputs).toEqual(a.outcome.manifest.outputs);
      }),
      { numRuns: RUNS },
    );
  });

  it('a re-run with identical parameters into the same output rewrites byte-identical files', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake(), anyConfig, async (lake, config) => {
        const first = await run(lake, config);
        const before = first.output.snapshot();
        const second = await run(lake, config, first.output);
        const after = second.output.snapshot();
        expect([...after.keys()]).toEqual([...before.keys()]);
        for (const [key, bytes] of before) {
          if (/^runs\/[^/]+\/manifest\.json$/.test(key)) continue;
          expect(text(after.get(key) as Uint8Array)).toBe(text(bytes));
        }
        const { stages: _s1, ...m1 } = first.outcome.manifest;
        const { stages: _s2, ...m2 } = second.outcome.manifest;
        expect(m2).toEqual(m1);
        expect(second.outcome.manifest.outputs.map((o) => o.sha256)).toEqual(
          first.outcome.manifest.outputs.map((o) => o.sha256),
        );
      }),
      { numRuns: RUNS },
    );
  });

  it('is point-in-time correct: every feature column of every day-D row equals a recomputation from [S, D) only', async () => {
    let total = 0;
    await fc.assert(
      fc.asyncProperty(randomLake({ maxDays: 8 }), anyConfig, async (lake, config) => {
        const full = await run(lake, config);
        const rows = await readTrainingRows(full);
        const asOf = await featuresAsOfEveryDay(lake, config);
        const sessions = new Map<string, { last: number; position: number }>();
        let checked = 0;
        for (const row of rows) {
          const t = msOf(row.timestamp);
          const date = new Date(t).toISOString().slice(0, 10);
          const { users, items } = asOf.get(date) as FeaturesAsOf;
          const eventDay = (asOf.get(addDays(date, 1)) as FeaturesAsOf).items.get(String(row.product_id));
          const u = users.get(String(row.user_id));
          const i = items.get(String(row.product_id));
          const expected: Record<string, unknown> = {};
          for (const c of USER_FEATURE_COLUMNS) expected[`user_${c.name}`] = u?.[c.name] ?? null;
          for (const c of ITEM_AGGREGATE_COLUMNS) expected[`item_${c.name}`] = i?.[c.name] ?? null;
          // Event-day attributes: the snapshot for day D, which the features as of D + 1 are built from.
          expect(eventDay).toBeDefined();
          for (const c of ['category', 'subcategory', 'brand', 'price'])
            expected[`item_${c}`] = eventDay?.[c] ?? null;
          const at = new Date(t);
          expected.time_of_day = at.getUTCHours();
          expected.day_of_week = (at.getUTCDay() + 6) % 7;
          // Sessions from the clean rows up to this one (rows are in (timestamp, id) order).
          const sessionKey = `${String(row.user_id)}\u0000${String(row.session_id)}`;
          const open = sessions.get(sessionKey);
          const position = open !== undefined && t - open.last <= config.sessionGapMs ? open.position + 1 : 1;
          sessions.set(sessionKey, { last: t, position });
          expected.session_position = position;
          const favorite = u?.favorite_category ?? null;
          expected.category_match = favorite !== null && favorite === row.item_category;
          const pricePoint = (u?.avg_price_point ?? null) as number | null;
          const price = (expected.item_price ?? null) as number | null;
          expected.price_match =
            pricePoint !== null &&
            price !== null &&
            Math.abs(pricePoint - price) < config.priceMatchRatio * pricePoint;
          const affinity = affinityOf(
            rows.filter((r) => r.user_id === row.user_id && msOf(r.timestamp) < midnight(date)),
            row,
            config,
          );
          const { user_item_affinity: actualAffinity, ...actual } = pick(row, [
            ...Object.keys(expected),
            'user_item_affinity',
          ]);
          expect(actual).toEqual(expected);
          if (affinity === null) expect(actualAffinity).toBeNull();
          else expect(actualAffinity as number).toBeCloseTo(affinity, 12);
          checked++;
        }
        let clean = 0;
        for (const date of lake.dates) clean += (await readReport(full.output, date)).counts.clean;
        expect(checked).toBe(rows.length);
        expect(checked).toBe(clean);
        total += checked;
      }),
      { numRuns: LEAKAGE_RUNS },
    );
    expect(total).toBeGreaterThan(0);
  });

  it('future data does not change the past: adding day E+1 leaves every row of S..E unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake({ minDays: 2, maxDays: 8 }), anyConfig, async (lake, config) => {
        const extra = lake.dates[lake.dates.length - 1] as string;
        const past = withoutDate(lake, extra);
        const [short, ignoring, long] = await Promise.all([
          run(past, config),
          // The same days S..E on the lake that already holds day E+1: its partitions are not read.
          runInMemory(lake.files, {
            startDate: past.dates[0] as string,
            endDate: past.dates[past.dates.length - 1] as string,
            config,
            referenceTimeMs: lake.referenceTimeMs,
          }),
          run(lake, config),
        ]);
        for (const key of short.output.keys().filter(isDataOutput))
          expect(text(await ignoring.output.read(key))).toBe(text(await short.output.read(key)));
        const key = (r: TrainingRow): string => `${msOf(r.timestamp)}\u0000${String(r.interaction_id)}`;
        const strip = ({ split: _split, ...r }: TrainingRow): Record<string, unknown> => r;
        const longRows = new Map((await readTrainingRows(long)).map((r) => [key(r), strip(r)]));
        const shortRows = await readTrainingRows(short);
        const cutoff = Date.parse(`${extra}T00:00:00Z`);
        expect([...longRows.values()].filter((r) => msOf(r.timestamp) < cutoff)).toHaveLength(
          shortRows.length,
        );
        for (const r of shortRows) expect(longRows.get(key(r))).toEqual(strip(r));
      }),
      { numRuns: RUNS },
    );
  });

  it('splits exactly: floor(7n/10) train, floor(8n/10) − floor(7n/10) validation, the rest test, in (timestamp, id) order', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake(), anyConfig, async (lake, config) => {
        const result = await run(lake, config);
        const rows = await readTrainingRows(result);
        let n = 0;
        for (const date of lake.dates) n += (await readReport(result.output, date)).counts.clean;
        expect(rows).toHaveLength(n);
        const count = (split: string): number => rows.filter((r) => r.split === split).length;
        const train = Math.floor((7 * n) / 10);
        const validation = Math.floor((8 * n) / 10) - train;
        expect([count('train'), count('validation'), count('test')]).toEqual([
          train,
          validation,
          n - train - validation,
        ]);
        expect(result.outcome.manifest.split?.counts).toEqual({
          train,
          validation,
          test: n - train - validation,
        });
        for (let i = 1; i < rows.length; i++)
          expect(compareRows(rows[i - 1] as TrainingRow, rows[i] as TrainingRow)).toBeLessThan(0);
      }),
      { numRuns: RUNS },
    );
  });

  /** The contract's default limits and looser ones, so random lakes both pass and fail. */
  const thresholds = fc.record({
    maxRejectedShare: fc.constantFrom(0.2, 0.5, 0.7, 1),
    maxNullShare: fc.constantFrom(0.5, 0.8, 1),
    maxSnapshotRejectedShare: fc.constantFrom(0.2, 1),
  });

  it('a day fails exactly when a share strictly exceeds its limit, and then nothing is published', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake(), thresholds, async (lake, limits) => {
        const config = { ...defaultConfig(), ...limits };
        const output = new MemoryLake('output');
        const error: unknown = await run(lake, config, output).then(
          () => null,
          (e: unknown) => e,
        );
        const over = (part: number, whole: number, limit: number): boolean =>
          whole > 0 && part / whole > limit;
        let anyFailed = false;
        for (const date of lake.dates) {
          // Reports are written even when the run fails.
          const { counts, null_share: nulls, snapshots, status } = await readReport(output, date);
          const fails =
            over(sum(counts.rejected), counts.raw, limits.maxRejectedShare) ||
            nulls.device_type > limits.maxNullShare ||
            nulls.page_context > limits.maxNullShare ||
            over(sum(snapshots.products.rejected), snapshots.products.raw, limits.maxSnapshotRejectedShare) ||
            over(sum(snapshots.users.rejected), snapshots.users.raw, limits.maxSnapshotRejectedShare);
          expect(status === 'failed').toBe(fails);
          anyFailed ||= fails;
        }
        if (anyFailed) {
          expect(error).toBeInstanceOf(ValidationFailedError);
          expect(output.keys().filter(isDataOutput)).toEqual([]);
        } else {
          expect(error).toBeNull();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
