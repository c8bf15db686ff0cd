/**
 * The product catalog: 10 categories with subcategories, brands and price ranges (popularity is
 * sampling.ts's). A few products are created mid-range, a few turn inactive, prices drift every
 * day; the daily snapshot lists the products created by then.
 */
import { DAY_MS } from './calendar';
import { type FaultCounts, forceNullPrice, messProduct, PRICE_MODE, type ProductDraft } from './faults';
import { pad, round2 } from './format';

/** The categories: names, subcategories, brands and the [low, high] price range. */
export const CATEGORIES = [
  {
    name: 'Electronics',
    subs: ['Phones', 'Laptops', 'Audio', 'Cameras', 'Accessories'],
    brands: ['Voltix', 'Nimbus', 'Auralink', 'Pixelon', 'Corelite'],
    price: [15, 1500],
  },
  {
    name: 'Home & Kitchen',
    subs: ['Cookware', 'Furniture', 'Decor', 'Appliances'],
    brands: ['Hearthly', 'Nordhaus', 'Casa Verde', 'Kitchora'],
    price: [8, 900],
  },
  {
    name: 'Fashion',
    subs: ['Men', 'Women', 'Shoes', 'Accessories'],
    brands: ['Loomis', 'Urbanthread', 'Stride & Co', 'Velour'],
    price: [9, 300],
  },
  {
    name: 'Beauty',
    subs: ['Skincare', 'Makeup', 'Fragrance', 'Haircare'],
    brands: ['Lumière', 'Purelle', 'Glowra'],
    price: [5, 150],
  },
  {
    name: 'Sports & Outdoors',
    subs: ['Fitness', 'Camping', 'Cycling', 'Team Sports'],
    brands: ['Peakform', 'Trailmark', 'Velocita'],
    price: [10, 800],
  },
  {
    name: 'Books',
    subs: ['Fiction', 'Non-Fiction', 'Children', 'Comics'],
    brands: ['Inkwell Press', 'Paperleaf'],
    price: [4, 60],
  },
  {
    name: 'Toys & Games',
    subs: ['Board Games', 'Puzzles', 'Action Figures', 'Educational'],
    brands: ['Playnest', 'Brickbox'],
    price: [6, 200],
  },
  {
    name: 'Grocery',
    subs: ['Snacks', 'Beverages', 'Pantry', 'Organic'],
    brands: ['Harvest Lane', 'Goodgrain'],
    price: [2, 40],
  },
  {
    name: 'Health',
    subs: ['Vitamins', 'Personal Care', 'Medical Supplies'],
    brands: ['Vitalis', 'CareWell'],
    price: [3, 120],
  },
  {
    name: 'Automotive',
    subs: ['Parts', 'Tools', 'Car Care', 'Electronics'],
    brands: ['Torqline', 'Roadie'],
    price: [5, 600],
  },
] as const;
const COLORS = ['black', 'white', 'red', 'blue', 'green', 'grey', 'beige'] as const;

/** Every product, as columns indexed by product (0-based; the last `created` ones are created mid-range). */
export interface Catalog {
  readonly size: number;
  /** Products created inside the range: the last ones. */
  readonly created: number;
  readonly id: readonly string[];
  /** Day the product appears in the snapshots, -1 when it exists before the range. */
  readonly createdDay: Int32Array;
  readonly createdMs: Float64Array;
  /** First day the product is inactive (-1: always, `days + 1`: never). */
  readonly inactiveFrom: Int32Array;
  /** Today's price (drifts day to day). */
  readonly price: Float64Array;
  /** How the price is written, a PRICE_MODE value. */
  readonly priceMode: Uint8Array;
  /** The fields that never change, in the snapshot line's order. */
  readonly record: readonly Record<string, unknown>[];
  readonly createdIso: readonly string[];
}

/** Draws the `size` products of a `days`-day lake from `startMs`, with their faults unless `faults` is null. */
export function buildCatalog(
  size: number,
  startMs: number,
  days: number,
  rng: () => number,
  faults: FaultCounts | null,
): Catalog {
  const created = days >= 2 ? Math.round(size * 0.06) : 0;
  const id: string[] = [];
  const createdDay = new Int32Array(size);
  const createdMs = new Float64Array(size);
  const inactiveFrom = new Int32Array(size);
  const price = new Float64Array(size);
  const priceMode = new Uint8Array(size);
  const record: Record<string, unknown>[] = [];
  const createdIso: string[] = [];
  for (let i = 0; i < size; i++) {
    id.push(`p_${pad(i + 1, 6)}`);
    const cat = CATEGORIES[Math.floor(rng() * CATEGORIES.length)]!;
    const sub = cat.subs[Math.floor(rng() * cat.subs.length)]!;
    const brand = cat.brands[Math.floor(rng() * cat.brands.length)]!;
    const [lo, hi] = cat.price;
    price[i] = round2(Math.exp(Math.log(lo) + rng() * (Math.log(hi) - Math.log(lo))));
    const newIdx = i - (size - created);
    if (newIdx >= 0) {
      const day = 1 + Math.floor((newIdx * (days - 1)) / created);
      createdDay[i] = day;
      createdMs[i] = startMs + day * DAY_MS + Math.floor(rng() * 6 * 3600) * 1000 + 1000;
    } else {
      createdDay[i] = -1;
      createdMs[i] = startMs - Math.floor(1 + rng() * 720 * 86_400) * 1000;
    }
    const rInactive = rng();
    inactiveFrom[i] =
      rInactive < 0.02 ? -1 : rInactive < 0.05 && days >= 2 ? 1 + Math.floor(rng() * (days - 1)) : days + 1;
    const numReviews = Math.floor(Math.pow(rng(), 3) * 2000);
    const draft: ProductDraft = {
      category: cat.name,
      subcategory: sub,
      brand,
      description: `${brand} ${sub.toLowerCase()} "${cat.name}" item #${i + 1}`,
      attributes: { color: COLORS[Math.floor(rng() * COLORS.length)], weight_kg: round2(0.1 + rng() * 5) },
    };
    if (faults !== null) priceMode[i] = messProduct(draft, cat.name, brand, rng, faults);
    record.push({
      product_id: id[i],
      name: `${brand} ${sub} ${100 + (i % 900)}`,
      category: draft.category,
      subcategory: draft.subcategory,
      brand: draft.brand,
      description: draft.description,
      attributes: draft.attributes,
      // Drawn after the faults: the seed's sequence of draws is part of the lake.
      avg_rating: numReviews === 0 ? null : round2(2.5 + rng() * 2.5),
      num_reviews: numReviews,
    });
    createdIso.push(new Date(createdMs[i]!).toISOString());
  }
  if (faults !== null) forceNullPrice(priceMode, faults);
  return { size, created, id, createdDay, createdMs, inactiveFrom, price, priceMode, record, createdIso };
}

/** The day-to-day price changes: 3% of the products move by -20% to +15% (floor 0.99). */
export function driftPrices(catalog: Catalog, rng: () => number): void {
  const { price } = catalog;
  for (let i = 0; i < catalog.size; i++) {
    if (rng() < 0.03) price[i] = Math.max(0.99, round2(price[i]! * (0.8 + rng() * 0.35)));
  }
}

/** The product snapshot lines of day `d`: every product created by then, with today's price and status. */
export function productSnapshotLines(catalog: Catalog, d: number): string[] {
  const { createdDay, priceMode, price, record, createdIso, inactiveFrom } = catalog;
  const lines: string[] = [];
  for (let i = 0; i < catalog.size; i++) {
    if (createdDay[i]! > d) continue;
    const mode = priceMode[i]!;
    lines.push(
      JSON.stringify({
        ...record[i],
        price: mode === PRICE_MODE.null ? null : mode === PRICE_MODE.string ? price[i]!.toFixed(2) : price[i],
        created_at: createdIso[i],
        is_active: inactiveFrom[i]! > d,
      }),
    );
  }
  return lines;
}
