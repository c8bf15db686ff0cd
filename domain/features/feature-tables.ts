import { compareCodePoints } from '../text';
import type { Table } from '../table';
import { dateMs } from '../time';
import {
  ITEM_FEATURE_COLUMNS,
  ITEM_FILE_COLUMNS,
  TableBuilder,
  USER_FEATURE_COLUMNS,
  USER_FILE_COLUMNS,
} from './columns';
import { profileIndex, userAsOf } from './fold';
import { type ItemFeatures, itemFeaturesAsOf } from './item-features';
import type { ItemState, UserState } from './state';
import type { UserFeatures } from './user-features';

/** User features as of the state's T for every user with history, sorted by user id. */
export function userFeaturesTable(state: UserState): Table {
  const asOfMs = dateMs(state.asOf);
  const profiles = profileIndex(state.profiles);
  const builder = new TableBuilder(USER_FILE_COLUMNS);
  for (const id of [...state.aggregates.keys()].sort(compareCodePoints)) {
    const f = (userAsOf(state, id, profiles, asOfMs) as { features: UserFeatures }).features;
    builder.set(0, id);
    USER_FEATURE_COLUMNS.forEach((c, i) =>
      builder.set(i + 1, (f as unknown as Record<string, unknown>)[c.name]),
    );
    builder.endRow();
  }
  return builder.take();
}

/** Item features as of the state's T for every active product of the snapshot for T - 1, sorted by id. */
export function itemFeaturesTable(state: ItemState): Table {
  const items = itemFeaturesAsOf(state, dateMs(state.asOf));
  const builder = new TableBuilder(ITEM_FILE_COLUMNS);
  for (const id of [...items.keys()].sort(compareCodePoints)) {
    const f = items.get(id) as ItemFeatures;
    builder.set(0, id);
    ITEM_FEATURE_COLUMNS.forEach((c, i) =>
      builder.set(i + 1, (f as unknown as Record<string, unknown>)[c.name]),
    );
    builder.endRow();
  }
  return builder.take();
}
