/**
 * Faults, injected unless `clean` (rates are per event of the day; "≥1" = forced once in the lake
 * when the rate rounds to 0). Expected outcome = what the pipeline should do with the record.
 *
 * | fault kind (summary key) | how it appears in the raw data | expected outcome |
 * | --- | --- | --- |
 * | malformed_json | truncated line, a JSON array line, `"rating":NaN`, trailing comma | rejected malformed_json |
 * | schema_violation | missing user_id, blank product_id, type `click`, rating `"5"`, numeric user_id | rejected schema_violation |
 * | bad_timestamp | `YYYY-02-30T10:00:00Z`, `YYYY-MM-DD 10:00:00`, `YYYY-MM-DDT10:00Z` (no seconds) | rejected bad_timestamp |
 * | future_timestamp | one year after the range (half of them ten years after, future under any wall clock) | rejected future_timestamp |
 * | wrong_partition | timestamp of the previous day (next day on the first day) | rejected wrong_partition |
 * | unknown_user | ghost user id, or a user who only joins later | rejected unknown_user |
 * | unknown_product | ghost product id, or a product created later | rejected unknown_product |
 * | duplicate_id | the same line re-sent (same interaction_id) | rejected duplicate |
 * | duplicate_double_fire | same user/product/type/session/timestamp, new interaction_id | rejected duplicate |
 * | naive_timestamp | timestamp without zone (`…T10:00:00.123`) | warning naive_timestamp |
 * | extra_field | `experiment_id` / `app_version` field | warning extra_field |
 * | rating_out_of_range | rating 0 or 7 | warning, rating → null |
 * | null_device_type | device_type null, missing or blank | warning, → `unknown` |
 * | null_page_context | page_context null, missing or blank | warning, → `unknown` |
 * | stale_snapshot | no product snapshot on day 10, no user snapshot on day 20 (clamped in short lakes) | warning stale_snapshot |
 * | before_join_date | event earlier on the day than the user's join_date | warning before_join_date |
 * | before_product_created | event earlier on the day than the product's created_at | warning before_product_created |
 * | inactive_product | events on products with is_active false in the day's snapshot | removed inactive_product |
 * | bot_traffic | every 4th day a crawler (> 300 views, no cart), every 4th day a burst (> 60 events in 60 s), one day > 1000 events (if ≥ 20k events/day) | removed bot_traffic |
 * | messy_text | device ` Mobile `/`Ｍobile`/`Smart-TV`/`DESKTOP`, page ` Search `/`HOME`, type `View`/` purchase `/`ADD_TO_CART` | NFKC/trim/lowercase; odd device → `other` |
 * | offset_timestamp | `±hh:mm` offsets instead of `Z` (same instant) | converted to UTC |
 * | long_fraction | 6-digit fractional seconds | truncated to ms |
 * | blank_line | empty / whitespace-only lines | not records |
 * | product_null_price | price null | imputed (category median) |
 * | product_string_price | price `"19.99"` | parsed as decimal |
 * | product_string_attributes | attributes as a JSON string | parsed |
 * | product_null_subcategory / product_null_brand | null | → `unknown` |
 * | product_messy_category | `electronics`, `Electronics `, `ＥLECTRONICS`, `Home  & Kitchen`, brand case | same key after cleaning |
 * | user_null_field | null age_group / location / customer_segment, gender null, preferences as JSON string | → `unknown`; gender stays null |
 * | snapshot_duplicate | a product line repeated with a new price; a user line repeated | last line wins |
 * | snapshot_rejected | a truncated product line; a user line with gender `male` | snapshot codes 1-2 |
 *
 * This module holds the kinds, their counters and the faults made inside one record (products,
 * users, snapshots, normal events); day-faults.ts adds the injected records and the bots.
 */
import { withOffset } from './calendar';
import { pad, round2 } from './format';

/** Every fault kind the generator can inject, as counted in `GenerateSummary.faults`. */
export const FAULT_KINDS = [
  'malformed_json',
  'schema_violation',
  'bad_timestamp',
  'future_timestamp',
  'wrong_partition',
  'unknown_user',
  'unknown_product',
  'duplicate_id',
  'duplicate_double_fire',
  'naive_timestamp',
  'extra_field',
  'rating_out_of_range',
  'null_device_type',
  'null_page_context',
  'stale_snapshot',
  'before_join_date',
  'before_product_created',
  'inactive_product',
  'bot_traffic',
  'messy_text',
  'offset_timestamp',
  'long_fraction',
  'blank_line',
  'product_null_price',
  'product_string_price',
  'product_string_attributes',
  'product_null_subcategory',
  'product_null_brand',
  'product_messy_category',
  'user_null_field',
  'snapshot_duplicate',
  'snapshot_rejected',
] as const;

/** One injected fault kind. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Injections so far, per fault kind. */
export type FaultCounts = Record<FaultKind, number>;

/** Zero injections of every kind. */
export function emptyFaults(): FaultCounts {
  const out = {} as FaultCounts;
  for (const k of FAULT_KINDS) out[k] = 0;
  return out;
}

// ---- Snapshots ------------------------------------------------------------------------------

/** Day indexes (0-based) where a snapshot is skipped, clamped into short lakes. */
const STALE_PRODUCT_DAY = 9;
const STALE_USER_DAY = 19;

/** The snapshot days the faults touch; -1 when a fault has no day (clean or too short a lake). */
export interface SnapshotFaultDays {
  /** Day whose product snapshot is skipped (stale_snapshot). */
  readonly skipProduct: number;
  /** Day whose user snapshot is skipped (stale_snapshot). */
  readonly skipUser: number;
  /** Day whose product snapshot carries the duplicate and the rejected line. */
  readonly productLines: number;
  /** Day whose user snapshot carries the duplicate and the rejected line. */
  readonly userLines: number;
}

/** `day`, or the day before it when that is the day to avoid. */
function avoidDay(day: number, avoid: number): number {
  return day === avoid ? Math.max(0, day - 1) : day;
}

/** Where the snapshot faults of a `days`-day lake go. */
export function snapshotFaultDays(days: number, faulty: boolean): SnapshotFaultDays {
  // Never day 0, which has no earlier snapshot to fall back on.
  const skipProduct = faulty && days >= 2 ? Math.min(STALE_PRODUCT_DAY, days - 1) : -1;
  const skipUser = faulty && days >= 3 ? Math.min(STALE_USER_DAY, days - 2) : -1;
  // The duplicate and rejected lines go into a snapshot that is written (never the stale day).
  return {
    skipProduct,
    skipUser,
    productLines: faulty ? avoidDay(Math.min(5, days - 1), skipProduct) : -1,
    userLines: faulty ? avoidDay(Math.min(6, days - 1), skipUser) : -1,
  };
}

/** Appends to a product snapshot a blank line, its first product re-sent with a new price, and a truncated line. */
export function addProductSnapshotFaults(lines: string[], faults: FaultCounts): void {
  if (lines.length === 0) return;
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  if (typeof first.price === 'number') first.price = round2(first.price * 0.9);
  lines.push('', JSON.stringify(first), lines[1 % lines.length]!.slice(0, 40));
  faults.snapshot_duplicate++;
  faults.snapshot_rejected++;
}

/** Appends to a user snapshot its second user again, a blank line, and its first user with gender `male`. */
export function addUserSnapshotFaults(lines: string[], faults: FaultCounts): void {
  if (lines.length <= 1) return;
  const bad = JSON.parse(lines[0]!) as Record<string, unknown>;
  bad.gender = 'male';
  lines.push(lines[1]!, '   ', JSON.stringify(bad));
  faults.snapshot_duplicate++;
  faults.snapshot_rejected++;
}

// ---- Catalog records ------------------------------------------------------------------------

/** The fields of a product record the catalog faults change. */
export interface ProductDraft {
  category: string;
  subcategory: string | null;
  brand: string | null;
  description: string | null;
  attributes: unknown;
}

/** How a product's price is written: a number, null, or a numeric string. */
export const PRICE_MODE = { number: 0, null: 1, string: 2 } as const;

/** Full-width form of the first ASCII letter (NFKC folds it back). */
function fullWidthFirst(s: string): string {
  const c = s.charCodeAt(0);
  return c >= 0x21 && c <= 0x7e ? String.fromCharCode(c + 0xfee0) + s.slice(1) : s;
}

/**
 * Draws the faults of one product (messy category or brand, null or string price, string
 * attributes, null subcategory or brand) into `draft`; returns the product's price mode.
 */
export function messProduct(
  draft: ProductDraft,
  categoryName: string,
  brand: string,
  rng: () => number,
  faults: FaultCounts,
): number {
  let priceMode: number = PRICE_MODE.number;
  const r = rng();
  if (r < 0.05) {
    const variants = [
      categoryName.toLowerCase(),
      `${categoryName} `,
      fullWidthFirst(categoryName.toUpperCase()),
      categoryName.replace(' ', '  '),
    ];
    draft.category = variants[Math.floor(rng() * variants.length)]!;
    faults.product_messy_category++;
  } else if (r < 0.07) {
    draft.brand = ` ${brand.toUpperCase()}`;
    faults.product_messy_category++;
  }
  const r2 = rng();
  if (r2 < 0.015) {
    priceMode = PRICE_MODE.null;
    faults.product_null_price++;
  } else if (r2 < 0.045) {
    priceMode = PRICE_MODE.string;
    faults.product_string_price++;
  }
  const r3 = rng();
  if (r3 < 0.03) {
    draft.attributes = JSON.stringify(draft.attributes);
    faults.product_string_attributes++;
  } else if (r3 < 0.05) {
    draft.subcategory = null;
    faults.product_null_subcategory++;
  } else if (r3 < 0.07) {
    draft.brand = null;
    faults.product_null_brand++;
  } else if (r3 < 0.1) {
    draft.description = null;
    draft.attributes = null;
  }
  return priceMode;
}

/** Gives the first product a null price when no draw did, so every lake has one (≥1). */
export function forceNullPrice(priceMode: Uint8Array, faults: FaultCounts): void {
  if (priceMode.length === 0 || faults.product_null_price > 0) return;
  priceMode[0] = PRICE_MODE.null;
  faults.product_null_price++;
}

/** A user record as the snapshot writes it (key order is the line's field order). */
export interface UserRecord {
  user_id: string | undefined;
  age_group: string | null;
  gender: string | null;
  location: string | null;
  join_date: string;
  customer_segment: string | null;
  preferences: unknown;
}

/**
 * Draws the faults of user `index` into `user`: a null field or string preferences, a messy
 * location; every 17th user's join_date carries a `+02:00` offset (same instant, not counted).
 */
export function messUser(
  user: UserRecord,
  index: number,
  joinMs: number,
  rng: () => number,
  faults: FaultCounts,
): void {
  const f = rng();
  if (f < 0.04) user.age_group = null;
  else if (f < 0.08) user.location = null;
  else if (f < 0.11) user.customer_segment = null;
  else if (f < 0.15) user.preferences = JSON.stringify(user.preferences);
  else if (f < 0.2) user.preferences = null;
  else if (f < 0.23 && user.location !== null) {
    user.location = ` ${user.location.toLowerCase().replace(' ', '  ')}`;
    faults.messy_text++;
  }
  if (f < 0.2) faults.user_null_field++;
  if (index % 17 === 0) user.join_date = withOffset(joinMs, 120);
}

// ---- Normal events --------------------------------------------------------------------------

/** The parts of one interaction line an inline fault may change (reused from event to event). */
export interface EventParts {
  /** `"view"`-style JSON of the type. */
  typeJson: string;
  /** `,"device_type":…`, or '' for a missing field. */
  device: string;
  /** `,"page_context":…`, or '' for a missing field. */
  page: string;
  /** The timestamp text, or undefined for the plain UTC `Z` form. */
  ts: string | undefined;
  /** The rating JSON. */
  rating: string;
  /** Extra fields, `,"name":value`. */
  extra: string;
}

/** Inline (per normal event) faults: cumulative thresholds on one uniform draw. */
const INLINE = [
  ['null_device_type', 0.02],
  ['null_page_context', 0.02],
  ['messy_text', 0.014],
  ['offset_timestamp', 0.008],
  ['long_fraction', 0.008],
  ['naive_timestamp', 0.002],
  ['extra_field', 0.003],
  ['rating_out_of_range', 0.001],
] as const satisfies readonly (readonly [FaultKind, number])[];
const INLINE_CUM = new Float64Array(INLINE.length);
{
  let acc = 0;
  for (let i = 0; i < INLINE.length; i++) INLINE_CUM[i] = acc += INLINE[i]![1];
}
const INLINE_TOTAL = INLINE_CUM[INLINE.length - 1]!;

/** Messy spellings of the types view, add_to_cart and purchase, by type index. */
const MESSY_TYPE_JSON = ['"View"', '" ADD_TO_CART"', '" purchase "'] as const;
const MESSY_DEVICE_PART = [
  ',"device_type":" Mobile "',
  ',"device_type":"Ｍobile"',
  ',"device_type":"Smart-TV"',
  ',"device_type":"DESKTOP"',
  ',"device_type":"tablet  "',
] as const;
const NULL_DEVICE_PART = [',"device_type":null', '', ',"device_type":"   "'] as const;
const MESSY_PAGE_PART = [
  ',"page_context":" Search "',
  ',"page_context":"HOME"',
  ',"page_context":"Product_Page"',
] as const;
const NULL_PAGE_PART = [',"page_context":null', '', ',"page_context":""'] as const;
const EXTRA_PART = [',"experiment_id":"exp_checkout_v2"', ',"app_version":"5.12.0"'] as const;

/**
 * Draws whether the normal event of `type` at time `t` carries an inline fault and, if so, writes
 * it into `parts`.
 */
export function injectInlineFault(
  parts: EventParts,
  type: number,
  t: number,
  isoAt: (ms: number) => string,
  rng: () => number,
  faults: FaultCounts,
): void {
  const f = rng();
  if (f >= INLINE_TOTAL) return;
  let kind = 0;
  while (INLINE_CUM[kind]! <= f) kind++;
  const pick = rng();
  switch (INLINE[kind]![0]) {
    case 'null_device_type':
      parts.device = NULL_DEVICE_PART[Math.floor(pick * NULL_DEVICE_PART.length)]!;
      break;
    case 'null_page_context':
      parts.page = NULL_PAGE_PART[Math.floor(pick * NULL_PAGE_PART.length)]!;
      break;
    case 'messy_text':
      if (pick < 0.5) parts.device = MESSY_DEVICE_PART[Math.floor(pick * 2 * MESSY_DEVICE_PART.length)]!;
      else if (pick < 0.75)
        parts.page = MESSY_PAGE_PART[Math.floor((pick - 0.5) * 4 * MESSY_PAGE_PART.length)]!;
      else parts.typeJson = MESSY_TYPE_JSON[type]!;
      break;
    case 'offset_timestamp':
      parts.ts = withOffset(t, pick < 0.5 ? 120 : -330);
      break;
    case 'long_fraction':
      parts.ts = `${isoAt(t).slice(0, 23)}${pad(Math.floor(pick * 1000), 3)}Z`;
      break;
    case 'naive_timestamp':
      parts.ts = isoAt(t).slice(0, pick < 0.5 ? 23 : 19);
      break;
    case 'extra_field':
      parts.extra = EXTRA_PART[pick < 0.5 ? 0 : 1];
      break;
    case 'rating_out_of_range':
      parts.rating = pick < 0.5 ? '0' : '7';
      break;
  }
  faults[INLINE[kind]![0]]++;
}
