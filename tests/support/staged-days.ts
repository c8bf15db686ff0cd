/** Reads a clean day back from what ValidateCleanDay staged (its user shards and item day), for tests. */
import type { CleanDayData } from '../../domain/features/fold';
import { INTERACTION_FIELDS } from '../../domain/features/day-columns';
import { shardNumbers } from '../../domain/features/shards';
import { readJson } from '../../domain/lake-json';
import { outputKeys } from '../../domain/lake-layout';
import type { RunParams } from '../../domain/pipeline/deps';
import type { StagedItemDay, StagedShardDay } from '../../domain/pipeline/staging';
import type { Lake } from '../../domain/ports';
import type { CleanInteraction, CleanUser } from '../../domain/schemas/clean';

/** The day's clean interactions (in day order), its product snapshot and its user snapshot rows. */
export async function stagedCleanDay(
  output: Lake,
  params: Pick<RunParams, 'runId' | 'shardCount'>,
  date: string,
): Promise<CleanDayData> {
  const [item, shards] = await Promise.all([
    readJson<StagedItemDay>(output, outputKeys.stagedItemDay(params.runId, date)),
    Promise.all(
      shardNumbers(params.shardCount).map((k) =>
        readJson<StagedShardDay>(output, outputKeys.stagedShardDay(params.runId, date, k)),
      ),
    ),
  ]);
  const interactions: CleanInteraction[] = [];
  const users: CleanUser[] = [];
  for (const shard of shards) {
    shard.index.forEach((position, j) => {
      const row: Record<string, unknown> = {};
      for (const f of INTERACTION_FIELDS) row[f] = shard.interactions[f][j];
      interactions[position] = row as unknown as CleanInteraction;
    });
    users.push(...shard.users);
  }
  return { date, interactions, products: [...item.snapshot], users };
}
