import type { Column, Table } from '../table';
import { ROW_SOURCE, TableBuilder, TRAINING_ROW_COLUMNS } from './columns';
import { type EventDayProducts, type InteractionColumns, type UserDayRows, rowCount } from './day-columns';
import type { ItemAggregates } from './item-features';

/** One shard's part of a day: its interactions, where each sits in the day, and what its user fold emitted. */
export interface ShardDayRows {
  /** Each row's 0-based position among the day's interactions (all shards), sorted by (timestamp, id). */
  readonly index: readonly number[];
  readonly interactions: InteractionColumns;
  readonly products: EventDayProducts;
  readonly rows: UserDayRows;
}

/** A value holder read by field name (the column spec checks that each name is a field of its source). */
type Fields = Readonly<Record<string, unknown>>;

/**
 * The training rows of day D (features.md §6) from every shard's part and the item features as of
 * D: one row per interaction in the day's (timestamp, interaction_id) order, columns as
 * TRAINING_ROW_COLUMNS says. Row i of the day comes from the shard whose `index` holds i, so the
 * result does not depend on how users were sharded.
 */
export function trainingRowsOfDay(
  parts: readonly ShardDayRows[],
  items: ReadonlyMap<string, ItemAggregates>,
): Table {
  const n = parts.reduce((sum, p) => sum + p.index.length, 0);
  const shardOf = new Int32Array(n).fill(-1);
  const rowOf = new Int32Array(n);
  parts.forEach((part, s) => {
    if (part.index.length !== rowCount(part.interactions))
      throw new RangeError(
        `shard part ${s} has ${part.index.length} positions for ${rowCount(part.interactions)} rows`,
      );
    part.index.forEach((position, j) => {
      if (!(position >= 0 && position < n) || shardOf[position] !== -1)
        throw new RangeError(`row position ${position} of the day is missing or given twice`);
      shardOf[position] = s;
      rowOf[position] = j;
    });
  });
  // Per-row sources looked up once, then read column by column.
  const userOf: (Fields | undefined)[] = new Array(n);
  const itemOf: (Fields | undefined)[] = new Array(n);
  const productOf: (Fields | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const part = parts[shardOf[i] as number] as ShardDayRows;
    const j = rowOf[i] as number;
    const productId = part.interactions.product_id[j] as string;
    userOf[i] = part.rows.users.get(part.interactions.user_id[j] as string) as Fields | undefined;
    itemOf[i] = items.get(productId) as Fields | undefined;
    productOf[i] = part.products.get(productId) as Fields | undefined;
  }
  const columns: Column[] = TRAINING_ROW_COLUMNS.map((spec) => {
    const values: unknown[] = new Array(n);
    const field = spec.field;
    if (spec.source === ROW_SOURCE.interaction || spec.source === ROW_SOURCE.interactionFeatures) {
      // Column-wise sources: row j of shard part s.
      const sources = parts.map(
        (p) =>
          ((spec.source === ROW_SOURCE.interaction ? p.interactions : p.rows.features) as unknown as Fields)[
            field
          ] as unknown[],
      );
      for (let i = 0; i < n; i++)
        values[i] = (sources[shardOf[i] as number] as unknown[])[rowOf[i] as number];
    } else {
      const of =
        spec.source === ROW_SOURCE.user ? userOf : spec.source === ROW_SOURCE.item ? itemOf : productOf;
      for (let i = 0; i < n; i++) values[i] = of[i]?.[field] ?? null;
    }
    return { name: spec.name, type: spec.type, nullable: spec.nullable, values: values as Column['values'] };
  });
  return { columns, rowCount: n };
}

/** A training-row table with no rows (the part file of an empty split). */
export function emptyTrainingRows(): Table {
  return new TableBuilder(TRAINING_ROW_COLUMNS).take();
}
