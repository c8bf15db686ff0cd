import type { CleanUser } from '../schemas/clean';
import { compareCodePoints } from '../text';
import { DAY_MS, WEEK_MS } from '../time';
import type { UserAggregate } from './state';

/** User features as of T (features.md §3). */
export interface UserFeatures {
  readonly total_interactions: number;
  readonly total_purchases: number;
  readonly avg_session_duration: number;
  readonly favorite_category: string;
  readonly avg_price_point: number | null;
  readonly recency_days: number;
  readonly frequency_score: number;
  readonly monetary_value: number;
  readonly diversity_score: number | null;
  readonly age_group: string | null;
  readonly gender: string | null;
  readonly location: string | null;
  readonly customer_segment: string | null;
  readonly tenure_days: number | null;
}

/** The category with the most interactions; ties go to the smallest key in code-point order. */
export function favoriteCategory(counts: ReadonlyMap<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const [category, count] of counts) {
    if (count > bestCount || (count === bestCount && compareCodePoints(category, best) < 0)) {
      best = category;
      bestCount = count;
    }
  }
  return best;
}

/** Features as of `asOfMs` of a user with history; `profile` is the user's row of the snapshot for T - 1. */
export function userFeatures(
  agg: UserAggregate,
  profile: CleanUser | undefined,
  asOfMs: number,
): UserFeatures {
  return {
    total_interactions: agg.total,
    total_purchases: agg.purchases,
    avg_session_duration: agg.sessionDurationMs / 1000 / agg.sessionCount,
    favorite_category: favoriteCategory(agg.categoryCounts),
    avg_price_point: agg.pricedPurchaseCount === 0 ? null : agg.pricedPurchaseSum / agg.pricedPurchaseCount,
    recency_days: (asOfMs - agg.lastTimestamp) / DAY_MS,
    frequency_score: agg.total / Math.max(1, (asOfMs - agg.firstTimestamp) / WEEK_MS),
    monetary_value: agg.monetary,
    diversity_score: agg.purchases === 0 ? null : agg.purchaseCategories.size / agg.purchases,
    age_group: profile?.age_group ?? null,
    gender: profile?.gender ?? null,
    location: profile?.location ?? null,
    customer_segment: profile?.customer_segment ?? null,
    tenure_days: profile === undefined ? null : (asOfMs - profile.join_date) / DAY_MS,
  };
}
