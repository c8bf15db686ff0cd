import { InvalidArgumentError, ObjectNotFoundError } from '../errors';
import type { FeatureState } from '../features/state';
import { outputKeys } from '../pipeline/layout';
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
 * The affinity companion of the user feature file (the vectors are not Parquet columns): a JSON
 * object keyed by user id, kept out of the Parquet partitions so that Spark, Athena and DuckDB reading
 * `features/users/` meet only Parquet files.
 */
export const affinityCompanionKey = (asOf: string): string =>
  `features/user_affinity/as_of=${asOf}/affinity.json`;

/** The companion file's content for a state: `{ "<user_id>": { "c:<category>": weight, ... }, ... }`. */
export function affinityCompanionJson(state: FeatureState): string {
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
  if (state.asOf !== asOf)
    throw new InvalidArgumentError('as_of', asOf, `the state holds features as of ${state.asOf}`);
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
  const [userRows, itemRows, affinity] = await Promise.all([
    outputLake.read(outputKeys.userFeatures(asOf)).then(decode),
    outputLake.read(outputKeys.itemFeatures(asOf)).then(decode),
    outputLake.read(affinityCompanionKey(asOf)).then(
      (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, AffinityVector>,
      (error: unknown) => {
        if (error instanceof ObjectNotFoundError) return {} as Record<string, AffinityVector>;
        throw error;
      },
    ),
  ]);
  return store.publish(
    {
      users: userRows.map((r) => userRecordFromRow(r, affinity[r.user_id as string])),
      items: itemRows.map(itemRecordFromRow),
    },
    asOf,
  );
}
