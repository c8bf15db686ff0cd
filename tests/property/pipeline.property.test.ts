/**
 * Properties of whole pipeline runs on small random lakes (data-contract.md §3-5, features.md
 * §1, §6-7), run in memory. Random lakes mix valid records with every kind of fault.
 */
import fc from 'fast-check';

import { MemoryLake } from '../../adapters/memory-lake';
import { type PipelineConfig, defaultConfig } from '../../domain/config';
import { ValidationFailedError } from '../../domain/errors';
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
  PRODUCT_CREATED_AT,
  type RandomLake,
  interactionObjects,
  randomLake,
  reshuffleInteractions,
  withoutDate,
} from '../support/random-lake';

const DAY_MS = 86_400_000;
const RUNS = 50;
const sum = (record: Record<string, number>): number => Object.values(record).reduce((a, b) => a + b, 0);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const run = (lake: RandomLake, config: PipelineConfig, output?: MemoryLake): Promise<MemoryRun> =>
  runInMemory(lake.files, {
    startDate: lake.dates[0] as string,
    endDate: lake.dates[lake.dates.length - 1] as string,
    config,
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

  it('is point-in-time correct: day-D user and item aggregates count only clean interactions before D', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake(), anyConfig, async (lake, config) => {
        const rows = await readTrainingRows(await run(lake, config));
        for (const row of rows) {
          const t = msOf(row.timestamp);
          const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
          const before = rows.filter((r) => msOf(r.timestamp) < dayStart);
          const mine = before.filter((r) => r.user_id === row.user_id);
          const purchases = mine.filter((r) => r.interaction_type === 'purchase').length;
          if (mine.length === 0) {
            expect(row.user_total_interactions).toBeNull();
            expect(row.user_total_purchases).toBeNull();
          } else {
            expect(row.user_total_interactions).toBe(BigInt(mine.length));
            expect(row.user_total_purchases).toBe(BigInt(purchases));
          }
          if (row.item_popularity_score === null) continue;
          const item = before.filter((r) => r.product_id === row.product_id);
          const views = item.filter((r) => r.interaction_type === 'view').length;
          const bought = item.filter((r) => r.interaction_type === 'purchase').length;
          const created = Date.parse(PRODUCT_CREATED_AT[row.product_id as keyof typeof PRODUCT_CREATED_AT]);
          const age = Math.max(1, (dayStart - created) / DAY_MS);
          expect(row.item_popularity_score as number).toBeCloseTo(views / age, 12);
          if (views === 0) expect(row.item_conversion_rate).toBeNull();
          else expect(row.item_conversion_rate as number).toBeCloseTo(bought / views, 12);
          const ratings = item.map((r) => r.rating).filter((x): x is number => typeof x === 'number');
          if (ratings.length === 0) expect(row.item_avg_rating).toBeNull();
          else
            expect(row.item_avg_rating as number).toBeCloseTo(
              ratings.reduce((a, b) => a + b, 0) / ratings.length,
              12,
            );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('future data does not change the past: adding day E+1 leaves every row of S..E unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake({ minDays: 2, maxDays: 4 }), anyConfig, async (lake, config) => {
        const extra = lake.dates[lake.dates.length - 1] as string;
        const past = withoutDate(lake, extra);
        const [short, ignoring, long] = await Promise.all([
          run(past, config),
          // The same days S..E on the lake that already holds day E+1: its partitions are not read.
          runInMemory(lake.files, {
            startDate: past.dates[0] as string,
            endDate: past.dates[past.dates.length - 1] as string,
            config,
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
