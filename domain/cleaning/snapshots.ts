import type { CleanProduct, CleanUser } from '../schemas/clean';
import type { RawProduct, RawUser } from '../schemas/records';
import { blankToNull, compareCodePoints, normalizeKey, normalizeText } from '../text';
import { parseTimestamp } from '../time';

/** The placeholder that cleaning puts in place of a missing key value. */
export const UNKNOWN = 'unknown';

/** A nullable text field after cleaning's text rule (blank counts as null). */
export function cleanOptionalText(value: string | null | undefined): string | null {
  const v = blankToNull(value);
  return v === null ? null : normalizeText(v);
}

function cleanOptionalKey(value: string | null | undefined): string {
  const v = blankToNull(value);
  return v === null ? UNKNOWN : normalizeKey(v);
}

/** A JSON-object field that may arrive as a JSON string (the schema already checked it holds an object). */
function objectField(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string')
    return value.trim() === '' ? null : (JSON.parse(value) as Record<string, unknown>);
  return value as Record<string, unknown>;
}

/** The numeric value of a price given as a number or a decimal string. */
function priceValue(price: number | string | null | undefined): number | null {
  if (price === null || price === undefined) return null;
  return typeof price === 'number' ? price : Number(price.trim());
}

/** Median of a non-empty list (even count: mean of the two middle values). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Cleans a validated product snapshot (data-contract.md §4.2): text rule, lowercased keys,
 * `unknown` for missing subcategory/brand, and null prices imputed with the median of the
 * original prices of active products of the same category key. Sorted by product id.
 */
export function cleanProducts(records: Iterable<RawProduct>): CleanProduct[] {
  const products = [...records].map((p) => ({
    product_id: normalizeText(p.product_id),
    name: normalizeText(p.name),
    category: normalizeKey(p.category),
    subcategory: cleanOptionalKey(p.subcategory),
    brand: cleanOptionalKey(p.brand),
    price: priceValue(p.price),
    description: cleanOptionalText(p.description),
    attributes: objectField(p.attributes),
    avg_rating: p.avg_rating ?? null,
    num_reviews: p.num_reviews ?? null,
    created_at: (parseTimestamp(p.created_at) as { ms: number }).ms,
    is_active: p.is_active,
  }));
  const pricesByCategory = new Map<string, number[]>();
  for (const p of products) {
    if (!p.is_active || p.price === null) continue;
    const list = pricesByCategory.get(p.category);
    if (list === undefined) pricesByCategory.set(p.category, [p.price]);
    else list.push(p.price);
  }
  const medians = new Map<string, number>();
  for (const [category, prices] of pricesByCategory) medians.set(category, median(prices));
  for (const p of products) if (p.price === null) p.price = medians.get(p.category) ?? null;
  return products.sort((a, b) => compareCodePoints(a.product_id, b.product_id));
}

/** Cleans a validated user snapshot: text rule, `unknown` for missing profile keys. Sorted by user id. */
export function cleanUsers(records: Iterable<RawUser>): CleanUser[] {
  return [...records]
    .map((u) => ({
      user_id: normalizeText(u.user_id),
      age_group: cleanOptionalText(u.age_group) ?? UNKNOWN,
      gender: blankToNull(u.gender),
      location: cleanOptionalText(u.location) ?? UNKNOWN,
      join_date: (parseTimestamp(u.join_date) as { ms: number }).ms,
      customer_segment: cleanOptionalText(u.customer_segment) ?? UNKNOWN,
      preferences: objectField(u.preferences),
    }))
    .sort((a, b) => compareCodePoints(a.user_id, b.user_id));
}
