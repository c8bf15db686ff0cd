import { createDynamoDbClient } from '../../adapters/dynamodb-client';
import { createFeatureStore } from '../../adapters/dynamodb-feature-store';
import { getSettings } from '../../config';
import type { FeatureStore } from '../../domain/online/ports';

let shared: FeatureStore | undefined;

/**
 * The handlers' one online store, built on first use from the settings and kept across
 * invocations. Interim: the composition root (`wiring.ts`) takes this over.
 */
export function sharedFeatureStore(): FeatureStore {
  if (shared === undefined) {
    const settings = getSettings();
    shared = createFeatureStore(
      createDynamoDbClient(settings.online, settings.s3.region),
      settings.online.table,
      settings.online.ttlDays,
    );
  }
  return shared;
}

/** Replaces the handlers' store (tests); `undefined` restores the default. */
export function setFeatureStoreForTests(store: FeatureStore | undefined): void {
  shared = store;
}
