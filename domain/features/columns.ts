import type { Column, ColumnType, Table } from '../table';

/** A column's name, type and nullability: the schema of an output file. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

const col = (name: string, type: ColumnType, nullable = true): ColumnSpec => ({ name, type, nullable });

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
] as const;

/** Item aggregate columns (features.md §4, `popularity_score` ... `trending_score`). */
export const ITEM_AGGREGATE_COLUMNS = [
  col('popularity_score', 'DOUBLE', false),
  col('conversion_rate', 'DOUBLE'),
  col('avg_rating', 'DOUBLE'),
  col('price_percentile', 'DOUBLE'),
  col('recency_score', 'DOUBLE', false),
  col('category_popularity', 'DOUBLE'),
  col('trending_score', 'DOUBLE', false),
] as const;

/** Item feature columns after the key, in file order. */
export const ITEM_FEATURE_COLUMNS = [
  col('category', 'STRING', false),
  col('subcategory', 'STRING', false),
  col('brand', 'STRING', false),
  col('price', 'DOUBLE'),
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
] as const;

const prefixed = (prefix: string, specs: readonly ColumnSpec[]): ColumnSpec[] =>
  specs.map((s) => col(`${prefix}${s.name}`, s.type, true));

/** Training row columns, in file order (features.md §6). */
export const TRAINING_ROW_COLUMNS: readonly ColumnSpec[] = [
  col('interaction_id', 'STRING', false),
  col('user_id', 'STRING', false),
  col('product_id', 'STRING', false),
  col('session_id', 'STRING', false),
  col('timestamp', 'TIMESTAMP', false),
  col('interaction_type', 'STRING', false),
  col('rating', 'DOUBLE'),
  col('device_type', 'STRING', false),
  col('page_context', 'STRING', false),
  ...INTERACTION_FEATURE_COLUMNS,
  ...prefixed('user_', USER_FEATURE_COLUMNS),
  ...prefixed('item_', ITEM_AGGREGATE_COLUMNS),
  col('item_category', 'STRING', false),
  col('item_subcategory', 'STRING', false),
  col('item_brand', 'STRING', false),
  col('item_price', 'DOUBLE'),
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
