import { InvalidArgumentError } from '../errors';
import type { FeatureState } from '../features/state';
import type { FeatureStore, PublishResult } from './ports';
import { recordsFromState, userAffinityVectors } from './records';

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
 * The Publish step: stores the features as of the state's T (every user with history, every
 * active product of the T - 1 snapshot) in the online store. `asOf` must be the state's T.
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
