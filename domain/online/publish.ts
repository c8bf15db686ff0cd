import { readJsonOrNull } from '../lake-json';
import { InvalidArgumentError } from '../errors';
import type { FeatureState, UserState } from '../features/state';
import { featureFileKeys } from '../feature-files';
import { outputKeys, partNumberOf } from '../lake-layout';
import type { Lake } from '../ports';
import type { FeatureStore, PublishResult } from './ports';
import {
  type AffinityVector,
  itemRecordFromRow,
  recordsFromState,
  userAffinityVectors,
  userRecordFromRow,
} from './records';

/**
 * The affinity companion of the user feature file (`outputKeys.userAffinity`; the vectors are not
 * Parquet columns), so that Spark, Athena and DuckDB reading `features/users/` meet only Parquet.
 * The companion file's content for a state: `{ "<user_id>": { "c:<category>": weight, ... }, ... }`. */
export function affinityCompanionJson(state: UserState): string {
  return JSON.stringify(Object.fromEntries(userAffinityVectors(state)));
}

/**
 * Publishes the features of a state held in memory (every user with history, every active product
 * of the T - 1 snapshot); tests compare it with `publishFromLake`. `asOf` must be the state's T.
 */
export async function publishFromState(
  store: FeatureStore,
  state: FeatureState,
  asOf: string,
): Promise<PublishResult> {
  if (state.users.asOf !== asOf)
    throw new InvalidArgumentError('as_of', asOf, `the state holds features as of ${state.users.asOf}`);
  return store.publish(recordsFromState(state), asOf);
}

/** Decodes a feature file (Snappy Parquet) into its rows, one object per row keyed by column. */
export type FeatureFileDecoder = (bytes: Uint8Array) => Promise<Record<string, unknown>[]>;

/**
 * The Publish step of a pipeline run: stores the feature files as of `asOf` from an output root,
 * the user and item files plus the affinity companion (without it users get an empty vector, so
 * `user_item_affinity` is null online).
 */
export async function publishFromLake(
  store: FeatureStore,
  outputLake: Lake,
  asOf: string,
  decode: FeatureFileDecoder,
): Promise<PublishResult> {
  const userKeys = await featureFileKeys(outputLake, 'users', asOf);
  const [userParts, itemRows, affinityParts] = await Promise.all([
    Promise.all(userKeys.map((key) => outputLake.read(key).then(decode))),
    outputLake.read(outputKeys.itemFeatures(asOf)).then(decode),
    Promise.all(
      userKeys.map((key) =>
        readJsonOrNull<Record<string, AffinityVector>>(
          outputLake,
          outputKeys.userAffinity(asOf, partNumberOf(key) ?? 0),
        ),
      ),
    ),
  ]);
  const users = userParts.flatMap((rows, shard) =>
    rows.map((r) => userRecordFromRow(r, affinityParts[shard]?.[r.user_id as string])),
  );
  return store.publish({ users, items: itemRows.map(itemRecordFromRow) }, asOf);
}
