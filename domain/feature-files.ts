import { outputKeys } from './lake-layout';
import type { Lake } from './ports';

/**
 * The feature files as of T (features.md §7): item features in one file, user features in one part
 * per user shard (each sorted by `user_id`). Readers list the user parts rather than assume N.
 */

/** A feature dataset. */
export type FeatureDataset = 'users' | 'items';

/** The keys of a dataset's feature files as of `asOf`, in part order (empty when none exist). */
export async function featureFileKeys(lake: Lake, dataset: FeatureDataset, asOf: string): Promise<string[]> {
  const prefix = dataset === 'users' ? outputKeys.userFeaturesPrefix(asOf) : outputKeys.itemFeatures(asOf);
  return (await lake.list(prefix))
    .map((o) => o.key)
    .filter((key) => key.endsWith('.parquet'))
    .sort();
}

/** Every row of a dataset's feature files as of `asOf`, part after part. */
export async function readFeatureRows(
  lake: Lake,
  dataset: FeatureDataset,
  asOf: string,
  decode: (bytes: Uint8Array) => Promise<Record<string, unknown>[]>,
): Promise<Record<string, unknown>[]> {
  const keys = await featureFileKeys(lake, dataset, asOf);
  const parts = await Promise.all(keys.map(async (key) => decode(await lake.read(key))));
  return parts.flat();
}
