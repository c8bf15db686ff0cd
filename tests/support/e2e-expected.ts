/**
 * The e2e oracle: expected features recomputed from the spec (features.md §2-§6,
 * data-contract.md §2 and §4) using only the training rows and the raw snapshots, never the
 * domain code. Also the spec's column lists and a Parquet schema assertion, read with hyparquet.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

/** A training / feature row as hyparquet decodes it. */
export type Row = Record<string, unknown>;

/** One day in ms (features.md §3: days of 86,400 s). */
export const DAY_MS = 86_400_000;
const SESSION_GAP_MS = 30 * 60 * 1000;
const TYPE_WEIGHT: Record<string, number> = { view: 1, add_to_cart: 3, purchase: 5 };

function asyncBuffer(bytes: Uint8Array): AsyncBuffer {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { byteLength: buffer.byteLength, slice: (start, end) => buffer.slice(start, end) };
}

/** Parquet footer, read with hyparquet. */
export function parquetMeta(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
}

/** All rows of a Parquet file, read with hyparquet (INT64 → bigint, TIMESTAMP → Date). */
export async function readParquetRows(bytes: Uint8Array): Promise<Row[]> {
  return parquetReadObjects({ file: asyncBuffer(bytes), compressors });
}

/** Number from a decoded value (bigint or number), or null. */
export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  throw new TypeError(`not a number: ${String(v)}`);
}

export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  throw new TypeError(`not a string: ${String(v)}`);
}

/** Epoch ms of a row's timestamp (a Date when read back, as the column is TIMESTAMP). */
export function tsOf(row: Row): number {
  const t = row.timestamp;
  if (!(t instanceof Date)) throw new TypeError(`timestamp is not a Date: ${String(t)}`);
  return t.getTime();
}

/** Code-point order (features.md §9), not UTF-16 code-unit order. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Mismatch collector: keeps the first few, so one failing assertion lists what differs. */
export class Mismatches {
  readonly list: string[] = [];
  count = 0;

  add(what: string): void {
    this.count++;
    if (this.list.length < 15) this.list.push(what);
  }

  /** Equal numbers within a relative 1e-9 (sums may be summed in another order), or both null. */
  close(label: string, actual: unknown, expected: number | null): void {
    const a = num(actual);
    if (a === null || expected === null) {
      if (a !== expected) this.add(`${label}: got ${String(a)}, want ${String(expected)}`);
      return;
    }
    if (Math.abs(a - expected) > 1e-9 * Math.max(1, Math.abs(expected)))
      this.add(`${label}: got ${a}, want ${expected}`);
  }

  same(label: string, actual: unknown, expected: unknown): void {
    const a = typeof actual === 'bigint' ? Number(actual) : actual;
    if (a !== expected) this.add(`${label}: got ${String(a)}, want ${String(expected)}`);
  }
}

/**
 * 1-based session positions (features.md §2): per (user_id, session_id), in (timestamp, id) order,
 * a new session when the gap to the previous event exceeds 30 minutes. `rows` must be sorted.
 * Also returns each session's [first, last] timestamp and user.
 */
export function sessionsOf(rows: readonly Row[]): {
  positions: number[];
  sessions: { user: string; first: number; last: number }[];
} {
  const open = new Map<string, { index: number; last: number; position: number }>();
  const sessions: { user: string; first: number; last: number }[] = [];
  const positions: number[] = [];
  for (const row of rows) {
    const user = str(row.user_id) as string;
    const key = `${user}\u0000${str(row.session_id) as string}`;
    const t = tsOf(row);
    const cur = open.get(key);
    if (cur === undefined || t - cur.last > SESSION_GAP_MS) {
      sessions.push({ user, first: t, last: t });
      open.set(key, { index: sessions.length - 1, last: t, position: 1 });
      positions.push(1);
    } else {
      cur.last = t;
      cur.position++;
      (sessions[cur.index] as { last: number }).last = t;
      positions.push(cur.position);
    }
  }
  return { positions, sessions };
}

/** User features of features.md §3 (without the profile columns). */
export interface ExpectedUser {
  total_interactions: number;
  total_purchases: number;
  avg_session_duration: number;
  favorite_category: string;
  avg_price_point: number | null;
  recency_days: number;
  frequency_score: number;
  monetary_value: number;
  diversity_score: number | null;
  /** For the affinity check: the weighted one-hot sum over the user's interactions. */
  vector: Map<string, number>;
}

/** Event-day dimensions of a row's product (features.md §5), leaving out `unknown` keys. */
export function dimensions(row: Row): string[] {
  const out: string[] = [];
  const c = str(row.item_category);
  const s = str(row.item_subcategory);
  const b = str(row.item_brand);
  if (c !== null && c !== 'unknown') out.push(`c:${c}`);
  if (s !== null && s !== 'unknown') out.push(`s:${s}`);
  if (b !== null && b !== 'unknown') out.push(`b:${b}`);
  return out;
}

/** User features as of `asOfMs` from the sorted rows with timestamp before it (features.md §3). */
export function expectedUserFeatures(history: readonly Row[], asOfMs: number): Map<string, ExpectedUser> {
  interface Acc {
    total: number;
    purchases: number;
    first: number;
    last: number;
    cats: Map<string, number>;
    monetary: number;
    pricedCount: number;
    pricedSum: number;
    purchaseCats: Set<string>;
    vector: Map<string, number>;
    durations: number[];
  }
  const acc = new Map<string, Acc>();
  for (const row of history) {
    const user = str(row.user_id) as string;
    const t = tsOf(row);
    let a = acc.get(user);
    if (a === undefined) {
      a = {
        total: 0,
        purchases: 0,
        first: t,
        last: t,
        cats: new Map(),
        monetary: 0,
        pricedCount: 0,
        pricedSum: 0,
        purchaseCats: new Set(),
        vector: new Map(),
        durations: [],
      };
      acc.set(user, a);
    }
    a.total++;
    a.last = t;
    const category = str(row.item_category) as string;
    a.cats.set(category, (a.cats.get(category) ?? 0) + 1);
    const type = str(row.interaction_type) as string;
    const price = num(row.item_price);
    if (type === 'purchase') {
      a.purchases++;
      a.monetary += price ?? 0;
      if (price !== null) {
        a.pricedCount++;
        a.pricedSum += price;
      }
      a.purchaseCats.add(category);
    }
    const w = TYPE_WEIGHT[type] ?? 0;
    for (const d of dimensions(row)) a.vector.set(d, (a.vector.get(d) ?? 0) + w);
  }
  for (const s of sessionsOf(history).sessions) acc.get(s.user)?.durations.push((s.last - s.first) / 1000);
  const out = new Map<string, ExpectedUser>();
  for (const [user, a] of acc) {
    let favorite = '';
    let best = -1;
    for (const [c, n] of a.cats) {
      if (n > best || (n === best && compareCodePoints(c, favorite) < 0)) {
        favorite = c;
        best = n;
      }
    }
    out.set(user, {
      total_interactions: a.total,
      total_purchases: a.purchases,
      avg_session_duration: a.durations.reduce((x, y) => x + y, 0) / a.durations.length,
      favorite_category: favorite,
      avg_price_point: a.pricedCount === 0 ? null : a.pricedSum / a.pricedCount,
      recency_days: (asOfMs - a.last) / DAY_MS,
      frequency_score: a.total / Math.max(1, (asOfMs - a.first) / (7 * DAY_MS)),
      monetary_value: a.monetary,
      diversity_score: a.purchases === 0 ? null : a.purchaseCats.size / a.purchases,
      vector: a.vector,
    });
  }
  return out;
}

/** Item aggregates computable from the rows alone, as of `asOfMs` (features.md §4). */
export interface ExpectedItem {
  views: number;
  purchases: number;
  conversion_rate: number | null;
  avg_rating: number | null;
  recency_score: number;
  trending_score: number;
}

/** Per-product aggregates plus views per event-day category, from sorted rows before `asOfMs`. */
export function expectedItemAggregates(
  history: readonly Row[],
  asOfMs: number,
): { items: Map<string, ExpectedItem>; viewsByCategory: Map<string, number>; allViews: number } {
  const acc = new Map<
    string,
    {
      views: number;
      recentViews: number;
      baseViews: number;
      purchases: number;
      ratings: number[];
      lastPurchase: number | null;
    }
  >();
  const viewsByCategory = new Map<string, number>();
  let allViews = 0;
  for (const row of history) {
    const p = str(row.product_id) as string;
    let a = acc.get(p);
    if (a === undefined) {
      a = { views: 0, recentViews: 0, baseViews: 0, purchases: 0, ratings: [], lastPurchase: null };
      acc.set(p, a);
    }
    const t = tsOf(row);
    const type = str(row.interaction_type);
    if (type === 'view') {
      a.views++;
      allViews++;
      if (t >= asOfMs - 7 * DAY_MS) a.recentViews++;
      else if (t >= asOfMs - 35 * DAY_MS) a.baseViews++;
      const c = str(row.item_category) as string;
      viewsByCategory.set(c, (viewsByCategory.get(c) ?? 0) + 1);
    }
    if (type === 'purchase') {
      a.purchases++;
      a.lastPurchase = t;
    }
    const rating = num(row.rating);
    if (rating !== null) a.ratings.push(rating);
  }
  const items = new Map<string, ExpectedItem>();
  for (const [p, a] of acc) {
    items.set(p, {
      views: a.views,
      purchases: a.purchases,
      conversion_rate: a.views === 0 ? null : a.purchases / a.views,
      avg_rating: a.ratings.length === 0 ? null : a.ratings.reduce((x, y) => x + y, 0) / a.ratings.length,
      recency_score: a.lastPurchase === null ? 0 : 1 / ((asOfMs - a.lastPurchase) / DAY_MS + 1),
      trending_score: (a.recentViews + 1) / (a.baseViews / 4 + 1),
    });
  }
  return { items, viewsByCategory, allViews };
}

export const COLD_ITEM: ExpectedItem = {
  views: 0,
  purchases: 0,
  conversion_rate: null,
  avg_rating: null,
  recency_score: 0,
  trending_score: 1,
};

export function cosine(u: Map<string, number>, p: readonly string[]): number | null {
  let dot = 0;
  let uu = 0;
  for (const [, v] of u) uu += v * v;
  for (const d of p) dot += u.get(d) ?? 0;
  if (uu === 0 || p.length === 0) return null;
  return dot / (Math.sqrt(uu) * Math.sqrt(p.length));
}

/** The user feature columns of features.md §3 (written out from the spec table). */
export const SPEC_USER_COLUMNS = [
  'total_interactions',
  'total_purchases',
  'avg_session_duration',
  'favorite_category',
  'avg_price_point',
  'recency_days',
  'frequency_score',
  'monetary_value',
  'diversity_score',
  'age_group',
  'gender',
  'location',
  'customer_segment',
  'tenure_days',
] as const;

/** The item aggregates of features.md §4, `popularity_score` ... `trending_score`. */
export const SPEC_ITEM_AGGREGATES = [
  'popularity_score',
  'conversion_rate',
  'avg_rating',
  'price_percentile',
  'recency_score',
  'category_popularity',
  'trending_score',
] as const;

/**
 * Training row columns in the order of features.md §6, written out by hand from its text, with
 * each column's type from the tables of §3-§5 (`rating` is a JSON number → double).
 */
export const SPEC_TRAINING_COLUMNS: readonly (readonly [string, ColumnKind])[] = [
  ['interaction_id', 'string'],
  ['user_id', 'string'],
  ['product_id', 'string'],
  ['session_id', 'string'],
  ['timestamp', 'timestamp'],
  ['interaction_type', 'string'],
  ['rating', 'double'],
  ['device_type', 'string'],
  ['page_context', 'string'],
  ['user_item_affinity', 'double'],
  ['category_match', 'boolean'],
  ['price_match', 'boolean'],
  ['time_of_day', 'int32'],
  ['day_of_week', 'int32'],
  ['session_position', 'int32'],
  ['user_total_interactions', 'int64'],
  ['user_total_purchases', 'int64'],
  ['user_avg_session_duration', 'double'],
  ['user_favorite_category', 'string'],
  ['user_avg_price_point', 'double'],
  ['user_recency_days', 'double'],
  ['user_frequency_score', 'double'],
  ['user_monetary_value', 'double'],
  ['user_diversity_score', 'double'],
  ['user_age_group', 'string'],
  ['user_gender', 'string'],
  ['user_location', 'string'],
  ['user_customer_segment', 'string'],
  ['user_tenure_days', 'double'],
  ['item_popularity_score', 'double'],
  ['item_conversion_rate', 'double'],
  ['item_avg_rating', 'double'],
  ['item_price_percentile', 'double'],
  ['item_recency_score', 'double'],
  ['item_category_popularity', 'double'],
  ['item_trending_score', 'double'],
  ['item_category', 'string'],
  ['item_subcategory', 'string'],
  ['item_brand', 'string'],
  ['item_price', 'double'],
];

/** Key column, then the §3 table. */
export const SPEC_USER_FILE_COLUMNS: readonly (readonly [string, ColumnKind])[] = [
  ['user_id', 'string'],
  ['total_interactions', 'int64'],
  ['total_purchases', 'int64'],
  ['avg_session_duration', 'double'],
  ['favorite_category', 'string'],
  ['avg_price_point', 'double'],
  ['recency_days', 'double'],
  ['frequency_score', 'double'],
  ['monetary_value', 'double'],
  ['diversity_score', 'double'],
  ['age_group', 'string'],
  ['gender', 'string'],
  ['location', 'string'],
  ['customer_segment', 'string'],
  ['tenure_days', 'double'],
];

/** Key column, then the §4 table. */
export const SPEC_ITEM_FILE_COLUMNS: readonly (readonly [string, ColumnKind])[] = [
  ['product_id', 'string'],
  ['category', 'string'],
  ['subcategory', 'string'],
  ['brand', 'string'],
  ['price', 'double'],
  ['catalog_avg_rating', 'double'],
  ['num_reviews', 'int64'],
  ...SPEC_ITEM_AGGREGATES.map((c) => [c, 'double'] as const),
];

/** Logical column kinds of the spec's tables. */
export type ColumnKind = 'string' | 'double' | 'int64' | 'int32' | 'boolean' | 'timestamp';

/** The Parquet schema element a kind must have: physical type and (for some) annotations. */
function physicalOf(kind: ColumnKind): Record<string, unknown> {
  switch (kind) {
    case 'string':
      return { type: 'BYTE_ARRAY', converted_type: 'UTF8' };
    case 'double':
      return { type: 'DOUBLE' };
    case 'int64':
      return { type: 'INT64' };
    case 'int32':
      return { type: 'INT32' };
    case 'boolean':
      return { type: 'BOOLEAN' };
    case 'timestamp':
      return {
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
  }
}

/** Asserts a Parquet file's top-level schema: names in order, physical and logical types, Snappy. */
export function expectParquetSchema(
  bytes: Uint8Array,
  columns: readonly (readonly [string, ColumnKind])[],
): void {
  const meta = parquetMeta(bytes);
  const leaves = meta.schema.slice(1);
  expect(leaves.map((s) => s.name)).toEqual(columns.map(([name]) => name));
  for (const [i, [name, kind]] of columns.entries()) {
    const el = leaves[i];
    expect({ name, ...el }).toMatchObject({ name, ...physicalOf(kind) });
    // Plain INT64 counts carry no converted/logical type (so readers see integers, not timestamps).
    if (kind === 'int64')
      expect({ name, converted: el?.converted_type }).toEqual({ name, converted: undefined });
  }
  for (const rg of meta.row_groups) for (const c of rg.columns) expect(c.meta_data?.codec).toBe('SNAPPY');
}

/** data-contract.md §4 step 1: NFKC, trim, whitespace runs collapsed. */
export function normalise(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ');
}

/** A nullable string field after cleaning: empty after trimming counts as null. */
function nullableText(v: unknown): string | null {
  if (typeof v !== 'string' || v.trim() === '') return null;
  return normalise(v);
}

/** Snapshot lines as objects, the last valid line per key winning (data-contract.md §5). */
function lastLineWins(lines: readonly string[], key: string, valid: (o: Record<string, unknown>) => boolean) {
  const out = new Map<string, Record<string, unknown>>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) continue;
    const r = o as Record<string, unknown>;
    const id = r[key];
    if (typeof id !== 'string' || id.trim() === '' || !valid(r)) continue;
    out.set(id, r);
  }
  return out;
}

export interface CatalogProduct {
  product_id: string;
  category: string;
  subcategory: string;
  brand: string;
  price: number | null;
  imputed: boolean;
  avg_rating: number | null;
  num_reviews: number | null;
  created_at: number;
  is_active: boolean;
  price_percentile: number | null;
}

function priceOf(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim())) return Number(v.trim());
  return null;
}

/** The cleaned catalog of a product snapshot (data-contract.md §2, §4; features.md §4). */
export function expectedCatalog(lines: readonly string[]): Map<string, CatalogProduct> {
  const records = lastLineWins(
    lines,
    'product_id',
    (r) => typeof r.category === 'string' && r.category.trim() !== '' && typeof r.is_active === 'boolean',
  );
  const out = new Map<string, CatalogProduct>();
  for (const [id, r] of records) {
    out.set(id, {
      product_id: id,
      category: normalise(r.category as string).toLowerCase(),
      subcategory: nullableText(r.subcategory)?.toLowerCase() ?? 'unknown',
      brand: nullableText(r.brand)?.toLowerCase() ?? 'unknown',
      price: priceOf(r.price),
      imputed: false,
      avg_rating: typeof r.avg_rating === 'number' ? r.avg_rating : null,
      num_reviews: typeof r.num_reviews === 'number' ? r.num_reviews : null,
      created_at: Date.parse(r.created_at as string),
      is_active: r.is_active as boolean,
      price_percentile: null,
    });
  }
  // Imputation: median of the original non-null prices of active products of the category.
  const byCategory = new Map<string, number[]>();
  for (const p of out.values()) {
    if (!p.is_active || p.price === null) continue;
    byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p.price]);
  }
  for (const p of out.values()) {
    if (p.price !== null) continue;
    const prices = [...(byCategory.get(p.category) ?? [])].sort((a, b) => a - b);
    if (prices.length === 0) continue;
    const mid = Math.floor(prices.length / 2);
    p.price =
      prices.length % 2 === 1
        ? (prices[mid] as number)
        : ((prices[mid - 1] as number) + (prices[mid] as number)) / 2;
    p.imputed = true;
  }
  // price_percentile: mean 1-based rank among active priced products of the category / count.
  for (const p of out.values()) {
    if (p.price === null) continue;
    const peers = [...out.values()].filter(
      (q) => q.is_active && q.category === p.category && q.price !== null,
    );
    const below = peers.filter((q) => (q.price as number) < (p.price as number)).length;
    const equal = peers.filter((q) => q.price === p.price).length;
    // Ranks below+1 .. below+equal share their mean; p itself may be inactive (then not a peer).
    const meanRank = equal === 0 ? below + 1 : below + (equal + 1) / 2;
    p.price_percentile = meanRank / Math.max(1, peers.length);
  }
  return out;
}

export interface Profile {
  age_group: string;
  gender: string | null;
  location: string;
  customer_segment: string;
  join_date: number;
}

/** The cleaned profiles of a user snapshot (data-contract.md §2, §4). */
export function expectedProfiles(lines: readonly string[]): Map<string, Profile> {
  const genders = new Set(['M', 'F', 'Other']);
  const records = lastLineWins(
    lines,
    'user_id',
    (r) =>
      (r.gender === null || r.gender === undefined || genders.has(r.gender as string)) &&
      typeof r.join_date === 'string',
  );
  const out = new Map<string, Profile>();
  for (const [id, r] of records) {
    out.set(id, {
      age_group: nullableText(r.age_group) ?? 'unknown',
      gender: (r.gender as string | null | undefined) ?? null,
      location: nullableText(r.location) ?? 'unknown',
      customer_segment: nullableText(r.customer_segment) ?? 'unknown',
      join_date: Date.parse(r.join_date as string),
    });
  }
  return out;
}
