/**
 * The fold sharded by user (architecture.md): outputs do not depend on the shard count N, and
 * equal the unsharded fold's. Random lakes mix valid records with every kind of fault.
 */
import fc from 'fast-check';

import { MemoryLake } from '../../adapters/memory-lake';
import { decodeParquet, encodeParquet } from '../../adapters/parquet';
import type { PipelineConfig } from '../../domain/config';
import { type CleanDayData, foldDay } from '../../domain/features/fold';
import { fnv1a, userShard } from '../../domain/features/shards';
import { emptyState } from '../../domain/features/state';
import { outputKeys } from '../../domain/lake-layout';
import { planRun } from '../../domain/pipeline/plan';
import { validateAndStageDay } from '../../domain/pipeline/validate-clean-day';
import type { Table } from '../../domain/table';
import { compareCodePoints } from '../../domain/text';
import { addDays } from '../../domain/time';
import { anyConfig, memoryDeps, readTrainingRows, runInMemory } from '../support/memory-pipeline';
import { type RandomLake, randomLake } from '../support/random-lake';
import { stagedCleanDay } from '../support/staged-days';

const SHARD_COUNTS = [1, 3, 16] as const;
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const fullRun = (lake: RandomLake, config: PipelineConfig, shardCount: number) =>
  runInMemory(lake.files, {
    startDate: lake.dates[0] as string,
    endDate: lake.dates[lake.dates.length - 1] as string,
    config,
    referenceTimeMs: lake.referenceTimeMs,
    shardCount,
  });

/** Every training-row and item-feature file of a run's output, key → bytes. */
async function sharedOutputs(output: MemoryLake, runId: string, asOf: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const prefix of [outputKeys.datasetPrefix(runId), outputKeys.itemFeatures(asOf)])
    for (const o of await output.list(prefix)) out.set(o.key, base64(await output.read(o.key)));
  return out;
}

/** The clean days of a lake, validated and cleaned as the pipeline does, then the unsharded fold's rows. */
async function singleFoldRows(lake: RandomLake, config: PipelineConfig): Promise<Record<string, unknown>[]> {
  const deps = memoryDeps(new MemoryLake('input', lake.files), new MemoryLake('scratch'));
  const startDate = lake.dates[0] as string;
  const plan = await planRun(deps, {
    runId: 'reference',
    mode: 'full',
    startDate,
    endDate: lake.dates[lake.dates.length - 1] as string,
    referenceTimeMs: lake.referenceTimeMs,
    config,
    shardCount: 1,
    codeVersion: 'test',
  });
  await Promise.all(plan.days.map((date) => validateAndStageDay(deps, plan, date)));
  const days: CleanDayData[] = await Promise.all(
    plan.days.map((date) => stagedCleanDay(deps.output, plan.params, date)),
  );
  const before = await deps.output.read(outputKeys.stagedProductsBeforeStart('reference'));
  const users = await deps.output.read(outputKeys.stagedUsersBeforeStart('reference', 0));
  const parse = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;
  const state = emptyState(startDate, parse(before), parse(users));
  const rows: Record<string, unknown>[] = [];
  for (const day of days) {
    const table = foldDay(state, day, config, true) as Table;
    if (table.rowCount > 0) rows.push(...(await decodeParquet(encodeParquet(table))));
  }
  return rows;
}

describe('user shards (architecture.md, "the fold sharded by user")', () => {
  it('FNV-1a is the 32-bit FNV-1a of the UTF-8 bytes', () => {
    // Reference values of the FNV-1a test suite (32-bit).
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    // Non-ASCII ids hash their UTF-8 bytes; a lone surrogate counts as U+FFFD, as TextEncoder writes it.
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (id) => {
        let hash = 0x811c9dc5;
        for (const byte of new TextEncoder().encode(id)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
        expect(fnv1a(id)).toBe(hash);
      }),
    );
  });

  it("N = 1, 3 and 16 give the same training rows and item features byte for byte, the same user rows, and the unsharded fold's rows", async () => {
    await fc.assert(
      fc.asyncProperty(randomLake({ minDays: 1, maxDays: 6 }), anyConfig, async (lake, config) => {
        const runs = await Promise.all(SHARD_COUNTS.map((n) => fullRun(lake, config, n)));
        const asOf = addDays(lake.dates[lake.dates.length - 1] as string, 1);
        const [one, ...others] = await Promise.all(
          runs.map((r) => sharedOutputs(r.output, r.params.runId, asOf)),
        );
        expect(one?.size).toBeGreaterThan(0);
        for (const other of others) expect(other).toEqual(one);

        const userRows = await Promise.all(
          runs.map(async (r, i) => {
            const n = SHARD_COUNTS[i] as number;
            const parts = await r.output.list(outputKeys.userFeaturesPrefix(asOf));
            expect(parts.map((p) => p.key)).toEqual(
              Array.from({ length: n }, (_, k) => outputKeys.userFeatures(asOf, k)),
            );
            const rows: Record<string, unknown>[] = [];
            for (const [k, part] of parts.entries()) {
              const inPart = await decodeParquet(await r.output.read(part.key));
              const ids = inPart.map((u) => String(u.user_id));
              expect(ids).toEqual([...ids].sort(compareCodePoints));
              for (const id of ids) expect(userShard(id, n)).toBe(k);
              rows.push(...inPart);
            }
            return rows.sort((a, b) => compareCodePoints(String(a.user_id), String(b.user_id)));
          }),
        );
        for (const rows of userRows.slice(1)) expect(rows).toEqual(userRows[0]);

        const sharded = (await readTrainingRows(runs[1] as (typeof runs)[number])).map(
          ({ split: _split, ...row }) => row,
        );
        expect(sharded).toEqual(await singleFoldRows(lake, config));
      }),
      { numRuns: 8 },
    );
  });
});
