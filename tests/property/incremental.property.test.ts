import { outputKeys } from '../../domain/lake-layout';
import fc from 'fast-check';
import { addDays } from '../../domain/time';
import { type RandomLake, randomLake } from '../support/random-lake';
import { anyConfig, runInMemory } from '../support/memory-pipeline';
import type { MemoryLake } from '../../adapters/memory-lake';
import { shardNumbers } from '../../domain/features/shards';
import type { PipelineConfig } from '../../domain/config';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** The features and state as of T with N user shards: what a daily run must reproduce exactly. */
const asOfOutputs = (asOf: string, shards: number): string[] => [
  ...shardNumbers(shards).flatMap((k) => [
    outputKeys.userFeatures(asOf, k),
    outputKeys.userAffinity(asOf, k),
    outputKeys.userState(asOf, k),
  ]),
  outputKeys.itemFeatures(asOf),
  outputKeys.itemState(asOf),
  outputKeys.stateMeta(asOf),
];

async function full(lake: RandomLake, config: PipelineConfig, endIndex: number, shardCount = 4) {
  return runInMemory(lake.files, {
    startDate: lake.dates[0] as string,
    endDate: lake.dates[endIndex] as string,
    config,
    referenceTimeMs: lake.referenceTimeMs,
    shardCount,
  });
}

/** A daily run for `endDate` from the state left in `output` (the run's S is the lake's first day). */
function dailyRun(lake: RandomLake, config: PipelineConfig, endDate: string, output: MemoryLake) {
  return runInMemory(lake.files, {
    startDate: lake.dates[0] as string,
    endDate,
    config,
    referenceTimeMs: lake.referenceTimeMs,
    mode: 'incremental',
    output,
  });
}

/** The error a run rejects with, or null when it succeeds. */
const failureOf = (run: Promise<unknown>): Promise<Error | null> =>
  run.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe('incremental runs (features.md §8)', () => {
  it('a full run over S..k then one daily run per day up to E equals a full run over S..E, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(
        randomLake({ minDays: 2, maxDays: 10 }),
        anyConfig,
        fc.nat(),
        fc.constantFrom(1, 3),
        async (lake, config, cut, shards) => {
          const last = lake.dates.length - 1;
          const k = cut % last; // the full run ends on day k < E
          const reference = await full(lake, config, last, shards);
          const daily = await full(lake, config, k, shards);
          for (let d = k + 1; d <= last; d++)
            await dailyRun(lake, config, lake.dates[d] as string, daily.output);
          const asOf = addDays(lake.dates[last] as string, 1);
          for (const key of asOfOutputs(asOf, shards))
            expect({ key, bytes: text(await daily.output.read(key)) }).toEqual({
              key,
              bytes: text(await reference.output.read(key)),
            });
        },
      ),
      { numRuns: 10 },
    );
  });

  it('refuses, naming the fix, when the state is missing or was built with another config, start or shard count', async () => {
    await fc.assert(
      fc.asyncProperty(randomLake({ minDays: 3, maxDays: 3 }), anyConfig, async (lake, config) => {
        const [s, d1, d2] = lake.dates as [string, string, string];
        const first = await full(lake, config, 0);
        const daily = (options: {
          startDate?: string;
          endDate: string;
          config?: PipelineConfig;
          shardCount?: number;
        }) =>
          runInMemory(lake.files, {
            startDate: options.startDate ?? s,
            endDate: options.endDate,
            config: options.config ?? config,
            referenceTimeMs: lake.referenceTimeMs,
            mode: 'incremental',
            output: first.output,
            ...(options.shardCount === undefined ? {} : { shardCount: options.shardCount }),
          });
        await expect(daily({ endDate: d2 })).rejects.toThrow(/no state as of .*run a full run/);
        await expect(daily({ endDate: d1, config: { ...config, sessionGapMs: 60_000 } })).rejects.toThrow(
          /meta\.json was written with another configuration .*run a full run/,
        );
        await expect(daily({ endDate: d1, startDate: d1 })).rejects.toThrow(/starts at .*run a full run/);
        await expect(daily({ endDate: d1, shardCount: 3 })).rejects.toThrow(
          /meta\.json has 4 user shards, this run asks for 3 .*run a full run/,
        );
        await expect(daily({ endDate: d1 })).resolves.toBeDefined();
      }),
      { numRuns: 5 },
    );
  });

  it('refuses a damaged state file, naming the file and the fix, and leaves it as it was', async () => {
    await fc.assert(
      fc.asyncProperty(
        randomLake({ minDays: 2, maxDays: 4 }),
        anyConfig,
        fc.constantFrom('items', 'shard', 'meta'),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        async (lake, config, file, keep) => {
          const [, d1] = lake.dates as [string, string];
          const first = await full(lake, config, 0, 2);
          const key =
            file === 'items'
              ? outputKeys.itemState(d1)
              : file === 'shard'
                ? outputKeys.userState(d1, 1)
                : outputKeys.stateMeta(d1);
          const whole = await first.output.read(key);
          const truncated = whole.slice(0, Math.max(1, Math.floor(whole.length * keep)));
          await first.output.write(key, truncated);
          const error = await failureOf(dailyRun(lake, config, d1, first.output));
          expect(error?.message).toContain(first.output.uriOf(key));
          expect(error?.message).toMatch(/run a full run/);
          expect(await first.output.read(key)).toEqual(truncated);
        },
      ),
      { numRuns: 6 },
    );
  });

  it("refuses a foreign state file (another shard's, another day's, another format), naming it", async () => {
    await fc.assert(
      fc.asyncProperty(
        randomLake({ minDays: 3, maxDays: 3 }),
        anyConfig,
        fc.constantFrom('other-shard', 'other-day', 'other-format'),
        async (lake, config, foreign) => {
          const [, d1, d2] = lake.dates as [string, string, string];
          const first = await full(lake, config, 0, 2);
          await dailyRun(lake, config, d1, first.output);
          const key = outputKeys.userState(d2, 0);
          const replacement =
            foreign === 'other-shard'
              ? await first.output.read(outputKeys.userState(d2, 1))
              : foreign === 'other-day'
                ? await first.output.read(outputKeys.userState(d1, 0))
                : JSON.stringify({ users: [], items: [] });
          await first.output.write(key, replacement);
          const error = await failureOf(dailyRun(lake, config, d2, first.output));
          expect(error?.message).toContain(first.output.uriOf(key));
          expect(error?.message).toMatch(/run a full run/);
        },
      ),
      { numRuns: 6 },
    );
  });
});
