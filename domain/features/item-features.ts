import type { CleanProduct } from '../schemas/clean';
import { DAY_MS } from '../time';
import type { ItemAggregate, ItemState } from './state';

/** Trending windows in days before T: recent `[T-7d, T)`, baseline `[T-35d, T-7d)`. */
export const TRENDING = { recentDays: 7, baselineDays: 35, baselineWeeks: 4 } as const;

/** The aggregate columns of an item (what training rows carry as `item_*`). */
export interface ItemAggregates {
  readonly popularity_score: number;
  readonly conversion_rate: number | null;
  readonly avg_rating: number | null;
  readonly price_percentile: number | null;
  readonly recency_score: number;
  readonly category_popularity: number | null;
  readonly trending_score: number;
}

/** Item features as of T (features.md §4). */
export interface ItemFeatures extends ItemAggregates {
  readonly category: string;
  readonly subcategory: string;
  readonly brand: string;
  readonly price: number | null;
  readonly catalog_avg_rating: number | null;
  readonly num_reviews: number | null;
}

const NO_HISTORY: ItemAggregate = {
  views: 0,
  purchases: 0,
  ratingSum: 0,
  ratingCount: 0,
  lastPurchase: null,
  viewsByDay: new Map(),
};

/**
 * Price percentile per product among the active, priced products of its category: mean 1-based
 * ascending rank (ties share it) divided by the count.
 */
export function pricePercentiles(products: readonly CleanProduct[]): Map<string, number> {
  const byCategory = new Map<string, CleanProduct[]>();
  for (const p of products) {
    if (!p.is_active || p.price === null) continue;
    const list = byCategory.get(p.category);
    if (list === undefined) byCategory.set(p.category, [p]);
    else list.push(p);
  }
  const out = new Map<string, number>();
  for (const list of byCategory.values()) {
    list.sort((a, b) => (a.price as number) - (b.price as number));
    for (let i = 0; i < list.length;) {
      let j = i;
      while (j + 1 < list.length && list[j + 1]?.price === list[i]?.price) j++;
      // Ranks i+1 .. j+1 tie: each gets their mean.
      const rank = (i + 1 + (j + 1)) / 2;
      for (let k = i; k <= j; k++) out.set((list[k] as CleanProduct).product_id, rank / list.length);
      i = j + 1;
    }
  }
  return out;
}

/** Views of an item in the day window `[T - fromDays, T - toDays)`. */
function viewsInWindow(agg: ItemAggregate, asOfDay: number, fromDays: number, toDays: number): number {
  let sum = 0;
  for (const [day, views] of agg.viewsByDay)
    if (day >= asOfDay - fromDays && day < asOfDay - toDays) sum += views;
  return sum;
}

/** The aggregate features of one item as of `asOfMs`. */
export function itemAggregates(
  product: CleanProduct,
  agg: ItemAggregate,
  percentile: number | null,
  categoryViews: number,
  totalViews: number,
  asOfMs: number,
): ItemAggregates {
  const asOfDay = Math.floor(asOfMs / DAY_MS);
  const recent = viewsInWindow(agg, asOfDay, TRENDING.recentDays, 0);
  const baseline =
    viewsInWindow(agg, asOfDay, TRENDING.baselineDays, TRENDING.recentDays) / TRENDING.baselineWeeks;
  return {
    popularity_score: agg.views / Math.max(1, (asOfMs - product.created_at) / DAY_MS),
    conversion_rate: agg.views === 0 ? null : agg.purchases / agg.views,
    avg_rating: agg.ratingCount === 0 ? null : agg.ratingSum / agg.ratingCount,
    price_percentile: percentile,
    recency_score: agg.lastPurchase === null ? 0 : 1 / ((asOfMs - agg.lastPurchase) / DAY_MS + 1),
    category_popularity: totalViews === 0 ? null : categoryViews / totalViews,
    trending_score: (recent + 1) / (baseline + 1),
  };
}

/**
 * Item features as of T for every active product of the snapshot for T - 1 (cold items included),
 * keyed by product id. Empty when there is no such snapshot.
 */
export function itemFeaturesAsOf(state: ItemState, asOfMs: number): Map<string, ItemFeatures> {
  const out = new Map<string, ItemFeatures>();
  if (state.snapshot === null) return out;
  const percentiles = pricePercentiles(state.snapshot);
  for (const p of state.snapshot) {
    if (!p.is_active) continue;
    const aggregates = itemAggregates(
      p,
      state.aggregates.get(p.product_id) ?? NO_HISTORY,
      percentiles.get(p.product_id) ?? null,
      state.categoryViews.get(p.category) ?? 0,
      state.totalViews,
      asOfMs,
    );
    out.set(p.product_id, {
      category: p.category,
      subcategory: p.subcategory,
      brand: p.brand,
      price: p.price,
      catalog_avg_rating: p.avg_rating,
      num_reviews: p.num_reviews,
      ...aggregates,
    });
  }
  return out;
}
