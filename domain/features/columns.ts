import type { CleanInteraction } from '../schemas/clean';
import type { Column, ColumnType, Table } from '../table';
import type { EventDayAttributes, InteractionFeatures } from './interaction-features';
import type { ItemAggregates } from './item-features';
import type { UserFeatures } from './user-features';

/** A column's name, type and nullability: the schema of an output file. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

/** A column spec keeping its name, type and nullability as literal types (for the row types below). */
const col = <const N extends string, const T extends ColumnType, const B extends boolean = true>(
  name: N,
  type: T,
  nullable: B = true as B,
): { readonly name: N; readonly type: T; readonly nullable: B } => ({ name, type, nullable });

/** Specs whose names are fields of `T`: the fold reads each column's value by its name. */
type FieldsOf<T> = readonly { readonly name: keyof T & string }[];

/** The interaction's own columns at the head of a training row (features.md §6). */
const INTERACTION_KEY_COLUMNS = [
  col('interaction_id', 'STRING', false),
  col('user_id', 'STRING', false),
  col('product_id', 'STRING', false),
  col('session_id', 'STRING', false),
  col('timestamp', 'TIMESTAMP', false),
  col('interaction_type', 'STRING', false),
  col('rating', 'DOUBLE'),
  col('device_type', 'STRING', false),
  col('page_context', 'STRING', false),
] as const satisfies FieldsOf<CleanInteraction>;

/** User feature columns after the key, in file order (features.md §3). */
export const USER_FEATURE_COLUMNS = [
  col('total_interactions', 'INT64', false),
  col('total_purchases', 'INT64', false),
  col('avg_session_duration', 'DOUBLE', false),
  col('favorite_category', 'STRING', false),
  col('avg_price_point', 'DOUBLE'),
  col('recency_days', 'DOUBLE', false),
  col('frequency_score', 'DOUBLE', false),
  col('monetary_value', 'DOUBLE', false),
  col('diversity_score', 'DOUBLE'),
  col('age_group', 'STRING'),
  col('gender', 'STRING'),
  col('location', 'STRING'),
  col('customer_segment', 'STRING'),
  col('tenure_days', 'DOUBLE'),
] as const satisfies FieldsOf<UserFeatures>;

/** Item aggregate columns (features.md §4, `popularity_score` ... `trending_score`). */
export const ITEM_AGGREGATE_COLUMNS = [
  col('popularity_score', 'DOUBLE', false),
  col('conversion_rate', 'DOUBLE'),
  col('avg_rating', 'DOUBLE'),
  col('price_percentile', 'DOUBLE'),
  col('recency_score', 'DOUBLE', false),
  col('category_popularity', 'DOUBLE'),
  col('trending_score', 'DOUBLE', false),
] as const satisfies FieldsOf<ItemAggregates>;

/** The product attributes a training row takes from the event-day snapshot (features.md §5). */
const PRODUCT_ATTRIBUTE_COLUMNS = [
  col('category', 'STRING', false),
  col('subcategory', 'STRING', false),
  col('brand', 'STRING', false),
  col('price', 'DOUBLE'),
] as const satisfies FieldsOf<EventDayAttributes>;

/** Item feature columns after the key, in file order. */
export const ITEM_FEATURE_COLUMNS = [
  ...PRODUCT_ATTRIBUTE_COLUMNS,
  col('catalog_avg_rating', 'DOUBLE'),
  col('num_reviews', 'INT64'),
  ...ITEM_AGGREGATE_COLUMNS,
] as const;

/** Interaction feature columns (features.md §5). */
export const INTERACTION_FEATURE_COLUMNS = [
  col('user_item_affinity', 'DOUBLE'),
  col('category_match', 'BOOLEAN', false),
  col('price_match', 'BOOLEAN', false),
  col('time_of_day', 'INT32', false),
  col('day_of_week', 'INT32', false),
  col('session_position', 'INT32', false),
] as const satisfies FieldsOf<InteractionFeatures>;

/** The value type of a column type (TIMESTAMP: epoch ms). */
export type ColumnValue<T extends ColumnType> = T extends 'STRING'
  ? string
  : T extends 'BOOLEAN'
    ? boolean
    : number;

/** A row of the columns `Cols`, named with `Prefix`, every value nullable. */
export type NullableRow<Cols extends readonly ColumnSpec[], Prefix extends string = ''> = {
  readonly [C in Cols[number] as `${Prefix}${C['name']}`]: ColumnValue<C['type']> | null;
};

/** What a training-row value is read from, per row: see `appendRow` in fold.ts. */
export const ROW_SOURCE = {
  /** The cleaned interaction. */
  interaction: 0,
  /** Its interaction features. */
  interactionFeatures: 1,
  /** The user's features as of the day (null for every column when the user has none). */
  user: 2,
  /** The item's features as of the day (likewise). */
  item: 3,
  /** The product's event-day attributes. */
  product: 4,
} as const;
/** One of `ROW_SOURCE`. */
export type RowSource = (typeof ROW_SOURCE)[keyof typeof ROW_SOURCE];

/** A training-row column: its schema plus the source and field its value is read from. */
export interface TrainingColumnSpec extends ColumnSpec {
  readonly source: RowSource;
  readonly field: string;
}

/** `specs` as training columns read from `source`, named `prefix + name`; `nullable` overrides. */
const readFrom = (
  source: RowSource,
  specs: readonly ColumnSpec[],
  prefix = '',
  nullable?: boolean,
): TrainingColumnSpec[] =>
  specs.map((s) => ({
    name: `${prefix}${s.name}`,
    type: s.type,
    nullable: nullable ?? s.nullable,
    source,
    field: s.name,
  }));

/** Training row columns, in file order (features.md §6): the one place that order is written. */
export const TRAINING_ROW_COLUMNS: readonly TrainingColumnSpec[] = [
  ...readFrom(ROW_SOURCE.interaction, INTERACTION_KEY_COLUMNS),
  ...readFrom(ROW_SOURCE.interactionFeatures, INTERACTION_FEATURE_COLUMNS),
  ...readFrom(ROW_SOURCE.user, USER_FEATURE_COLUMNS, 'user_', true),
  ...readFrom(ROW_SOURCE.item, ITEM_AGGREGATE_COLUMNS, 'item_', true),
  ...readFrom(ROW_SOURCE.product, PRODUCT_ATTRIBUTE_COLUMNS, 'item_'),
];

/** User feature file columns. */
export const USER_FILE_COLUMNS: readonly ColumnSpec[] = [
  col('user_id', 'STRING', false),
  ...USER_FEATURE_COLUMNS,
];
/** Item feature file columns. */
export const ITEM_FILE_COLUMNS: readonly ColumnSpec[] = [
  col('product_id', 'STRING', false),
  ...ITEM_FEATURE_COLUMNS,
];

/** Builds a table column by column from rows given as flat value lists in spec order. */
export class TableBuilder {
  /** The column arrays being filled; hot paths push to them directly, then call `endRow`. */
  readonly columns: unknown[][];
  private count = 0;

  constructor(private readonly specs: readonly ColumnSpec[]) {
    this.columns = specs.map(() => []);
  }

  /** Rows appended so far. */
  get rowCount(): number {
    return this.count;
  }

  /** Appends one value to column `index` (call once per column per row, then `endRow`). */
  set(index: number, value: unknown): void {
    (this.columns[index] as unknown[]).push(value);
  }

  /** Closes the current row. */
  endRow(): void {
    this.count++;
  }

  /** The table built so far; the builder starts empty again. */
  take(): Table {
    const columns: Column[] = this.specs.map((s, i) => ({
      name: s.name,
      type: s.type,
      nullable: s.nullable,
      values: this.columns[i] as Column['values'],
    }));
    const table = { columns, rowCount: this.count };
    for (let i = 0; i < this.columns.length; i++) this.columns[i] = [];
    this.count = 0;
    return table;
  }
}
