import { UNKNOWN } from '../cleaning/snapshots';
import type { PipelineConfig } from '../config';
import { DAY_MS } from '../time';

/** A product's attributes on the interaction's own day (keys after cleaning, price after imputation). */
export interface EventDayAttributes {
  readonly category: string;
  readonly subcategory: string;
  readonly brand: string;
  readonly price: number | null;
}

/** What interaction features need of the user as of the row's day; null when the user has no history. */
export interface UserContext {
  readonly favorite_category: string;
  readonly avg_price_point: number | null;
  /** Weighted affinity vector over `c:`/`s:`/`b:` dimensions. */
  readonly affinity: ReadonlyMap<string, number>;
}

/** Interaction features (features.md §5), identical online and offline. */
export interface InteractionFeatures {
  readonly user_item_affinity: number | null;
  readonly category_match: boolean;
  readonly price_match: boolean;
  readonly time_of_day: number;
  readonly day_of_week: number;
  readonly session_position: number | null;
}

/** A product's affinity dimensions, leaving out keys equal to `unknown`. */
export function affinityDimensions(p: EventDayAttributes): string[] {
  const dims: string[] = [];
  if (p.category !== UNKNOWN) dims.push(`c:${p.category}`);
  if (p.subcategory !== UNKNOWN) dims.push(`s:${p.subcategory}`);
  if (p.brand !== UNKNOWN) dims.push(`b:${p.brand}`);
  return dims;
}

/** cosine(u, p) where p is 1 on each of its dimensions; null when either vector is all zero. */
export function affinity(user: ReadonlyMap<string, number>, productDims: readonly string[]): number | null {
  if (productDims.length === 0) return null;
  let userNormSq = 0;
  for (const w of user.values()) userNormSq += w * w;
  if (userNormSq === 0) return null;
  let dot = 0;
  for (const d of productDims) dot += user.get(d) ?? 0;
  return dot / (Math.sqrt(userNormSq) * Math.sqrt(productDims.length));
}

/** UTC day of week with Monday = 0 ... Sunday = 6. */
export function dayOfWeek(ms: number): number {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  return (((Math.floor(ms / DAY_MS) + 3) % 7) + 7) % 7;
}

/** UTC hour 0-23. */
export function hourOfDay(ms: number): number {
  return Math.floor((((ms % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000);
}

/**
 * The interaction features of user `user` (as of the row's day) meeting `product` at `timestamp`.
 * The batch rows and `POST /features/online` both call this one function.
 */
export function interactionFeatures(
  user: UserContext | null,
  product: EventDayAttributes,
  timestamp: number,
  sessionPosition: number | null,
  config: Pick<PipelineConfig, 'priceMatchRatio'>,
): InteractionFeatures {
  const price = product.price;
  const pricePoint = user?.avg_price_point ?? null;
  return {
    user_item_affinity: user === null ? null : affinity(user.affinity, affinityDimensions(product)),
    category_match: user !== null && user.favorite_category === product.category,
    price_match:
      pricePoint !== null &&
      price !== null &&
      Math.abs(pricePoint - price) < config.priceMatchRatio * pricePoint,
    time_of_day: hourOfDay(timestamp),
    day_of_week: dayOfWeek(timestamp),
    session_position: sessionPosition,
  };
}
