/**
 * Small hand-made inputs of the Monitor stage: validation reports (just the fields monitoring
 * reads) and user / item feature rows with every feature column, in file order.
 */
import { ITEM_FILE_COLUMNS, USER_FILE_COLUMNS } from '../../../../domain/features/columns';
import type { Column, Table } from '../../../../domain/table';

/** The key of a day's report under the output root. */
export function reportKey(date: string): string {
  return `validation_reports/year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}/report.json`;
}

/** A report as monitoring reads it: raw count, rejected counts and null shares. */
export function reportJson(
  date: string,
  raw: number,
  options: { rejected?: number; deviceTypeNulls?: number } = {},
): string {
  return JSON.stringify({
    schema_version: 1,
    date,
    status: 'passed',
    counts: {
      raw,
      valid: raw - (options.rejected ?? 0),
      clean: raw - (options.rejected ?? 0),
      rejected: { malformed_json: options.rejected ?? 0, duplicate: 0 },
      removed: { inactive_product: 0, bot_traffic: 0 },
    },
    null_share: { rating: 0.9, device_type: options.deviceTypeNulls ?? 0.1, page_context: 0 },
  });
}

const CATEGORIES = ['books', 'electronics', 'home'] as const;

/** 20 users; `avg_price_point` null for 1 in 5, `diversity_score` for 1 in 4. */
export function userRows(): Record<string, unknown>[] {
  return Array.from({ length: 20 }, (_, i) => ({
    user_id: `u${i}`,
    total_interactions: i + 1,
    total_purchases: i % 3,
    avg_session_duration: 60 * (i + 1),
    favorite_category: CATEGORIES[i % 3],
    avg_price_point: i % 5 === 0 ? null : 10 + i,
    recency_days: i,
    frequency_score: (i + 1) / 10,
    monetary_value: 5 * i,
    diversity_score: i % 4 === 0 ? null : i / 20,
    age_group: i % 2 === 0 ? '18-24' : '35-44',
    gender: i % 2 === 0 ? 'F' : 'M',
    location: 'Berlin',
    customer_segment: i % 3 === 0 ? 'vip' : 'new',
    tenure_days: 100 + i,
  }));
}

/**
 * 20 items priced 10..29 × `priceFactor`; `avg_rating` is 4 where not null: null for 1 in 4 items
 * normally, for 3 in 4 with `ratingSpike` (a constant keeps its PSI at 0 either way).
 */
export function itemRows(
  options: { priceFactor?: number; ratingSpike?: boolean } = {},
): Record<string, unknown>[] {
  const factor = options.priceFactor ?? 1;
  return Array.from({ length: 20 }, (_, i) => ({
    product_id: `p${i}`,
    category: CATEGORIES[i % 3],
    subcategory: `sub${i % 4}`,
    brand: i % 2 === 0 ? 'acme' : 'zed',
    price: (10 + i) * factor,
    catalog_avg_rating: 4.5,
    num_reviews: i,
    popularity_score: i / 10,
    conversion_rate: i % 4 === 0 ? null : i / 40,
    avg_rating: (options.ratingSpike === true ? i % 4 !== 0 : i % 4 === 1) ? null : 4,
    price_percentile: i / 20,
    recency_score: 1,
    category_popularity: (i % 3) / 3,
    trending_score: i,
  }));
}

/** Rows as a table of the user or item feature file, for the Parquet encoder. */
export function tableOf(kind: 'users' | 'items', rows: readonly Record<string, unknown>[]): Table {
  const specs = kind === 'users' ? USER_FILE_COLUMNS : ITEM_FILE_COLUMNS;
  return {
    rowCount: rows.length,
    columns: specs.map((s) => ({
      name: s.name,
      type: s.type,
      nullable: s.nullable,
      values: rows.map((r) => r[s.name] ?? null) as Column['values'],
    })),
  };
}
