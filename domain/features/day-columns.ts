import type { CleanInteraction } from '../schemas/clean';
import type { InteractionType } from '../schemas/records';
import type { EventDayAttributes, InteractionFeatures } from './interaction-features';
import type { UserFeatures } from './user-features';

/**
 * Clean interactions of one day stored column-wise, sorted by (`timestamp`, `interaction_id`): the
 * form they travel in between stages (cheaper to serialise and parse than one object per row) and
 * the form the fold and the training rows read.
 */
export interface InteractionColumns {
  readonly interaction_id: string[];
  readonly user_id: string[];
  readonly product_id: string[];
  readonly interaction_type: InteractionType[];
  readonly session_id: string[];
  readonly timestamp: number[];
  readonly rating: (number | null)[];
  readonly device_type: string[];
  readonly page_context: string[];
}

/** The column names, in the order of `CleanInteraction`'s fields. */
export const INTERACTION_FIELDS = [
  'interaction_id',
  'user_id',
  'product_id',
  'interaction_type',
  'session_id',
  'timestamp',
  'rating',
  'device_type',
  'page_context',
] as const satisfies readonly (keyof CleanInteraction & keyof InteractionColumns)[];

/** Columns with no rows. */
export function emptyInteractionColumns(): InteractionColumns {
  return {
    interaction_id: [],
    user_id: [],
    product_id: [],
    interaction_type: [],
    session_id: [],
    timestamp: [],
    rating: [],
    device_type: [],
    page_context: [],
  };
}

/** Rows to columns. */
export function interactionColumns(rows: readonly CleanInteraction[]): InteractionColumns {
  const cols = emptyInteractionColumns();
  for (const r of rows) appendInteraction(cols, r);
  return cols;
}

/** Appends one interaction to the columns. */
export function appendInteraction(cols: InteractionColumns, r: CleanInteraction): void {
  cols.interaction_id.push(r.interaction_id);
  cols.user_id.push(r.user_id);
  cols.product_id.push(r.product_id);
  cols.interaction_type.push(r.interaction_type);
  cols.session_id.push(r.session_id);
  cols.timestamp.push(r.timestamp);
  cols.rating.push(r.rating);
  cols.device_type.push(r.device_type);
  cols.page_context.push(r.page_context);
}

/** The number of rows. */
export function rowCount(cols: InteractionColumns): number {
  return cols.interaction_id.length;
}

/** Products' event-day attributes, by product id. */
export type EventDayProducts = ReadonlyMap<string, EventDayAttributes>;

/** Interaction features column-wise, one value per row of the day. */
export type InteractionFeatureColumns = {
  readonly [K in keyof InteractionFeatures]: InteractionFeatures[K][];
};

/** What the user fold emits for a day's training rows (the item features are joined later). */
export interface UserDayRows {
  /** The interaction features of each row, aligned with the day's interactions. */
  readonly features: InteractionFeatureColumns;
  /** Features as of D of the day's users that have history before D (others have none). */
  readonly users: ReadonlyMap<string, UserFeatures>;
}
