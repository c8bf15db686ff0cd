import { z } from 'zod';
import { parseTimestamp } from '../time';

/**
 * Raw record schemas, version 1 (data-contract.md §2). These zod schemas are the single source
 * of the record shapes: `data/schemas/v1.json` is generated from them (`npm run schemas`).
 * Field order matters: when several fields violate the schema, the report names the first in
 * this order.
 */
export const SCHEMA_VERSION = 1 as const;

/** `interaction_type` values, checked after trim + lowercase. */
export const INTERACTION_TYPES = ['view', 'add_to_cart', 'purchase'] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

/** The one `interaction_type` rule (data-contract.md §3): trim + lowercase, then the enum; null when outside it. */
export function parseInteractionType(value: string): InteractionType | null {
  // Nearly every value is already canonical: skip the trimmed and lowercased copies.
  if (value === 'view' || value === 'add_to_cart' || value === 'purchase') return value;
  const type = value.trim().toLowerCase();
  return (INTERACTION_TYPES as readonly string[]).includes(type) ? (type as InteractionType) : null;
}

/** The interaction type of a record that passed `RawInteraction`, whose schema already checked it parses. */
export function interactionTypeOf(record: Pick<RawInteraction, 'interaction_type'>): InteractionType {
  return parseInteractionType(record.interaction_type) as InteractionType;
}

/** `gender` values, matched exactly. */
export const GENDERS = ['M', 'F', 'Other'] as const;

const isNonBlank = (s: string): boolean => s.trim() !== '';
const requiredString = z
  .string()
  .refine(isNonBlank, { message: 'must be a non-empty string' })
  .describe('Required; must not be empty after trimming.');
const nullableString = z.string().nullable().optional();
const isoTimestamp = z
  .string()
  .refine((s) => parseTimestamp(s) !== null, { message: 'must be an ISO-8601 timestamp' })
  .describe('YYYY-MM-DDTHH:mm:ss[.fraction][Z|±hh:mm]; no zone means UTC.');
const nullableNumber = z.number().nullable().optional();
/** A plain decimal literal such as `19.99` (after trimming): what a numeric-string price may hold. */
export const DECIMAL_LITERAL = /^-?\d+(\.\d+)?$/;
const isInteractionType = (s: string): boolean => parseInteractionType(s) !== null;
const isJsonObjectString = (s: string): boolean => {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};
const jsonObject = z.record(z.string(), z.unknown());
const objectOrJsonString = z
  .union([
    jsonObject,
    // A blank string is a missing value (data-contract.md §5), any other string must hold an object.
    z
      .string()
      .refine((s) => isNonBlank(s) === false || isJsonObjectString(s), { message: 'must be a JSON object' }),
  ])
  .nullable()
  .optional();

/** A raw interaction event (one JSONL line of `raw/interactions/`). Unknown fields pass through. */
export const RawInteraction = z.looseObject({
  interaction_id: requiredString,
  user_id: requiredString,
  product_id: requiredString,
  interaction_type: z
    .string()
    .refine(isInteractionType, { message: 'must be view, add_to_cart or purchase' })
    .describe('view | add_to_cart | purchase, compared after trim + lowercase.'),
  timestamp: requiredString.describe(
    'YYYY-MM-DDTHH:mm:ss[.fraction][Z|±hh:mm]; a bad value is rejected as bad_timestamp, not schema_violation.',
  ),
  session_id: requiredString,
  rating: nullableNumber,
  device_type: nullableString,
  page_context: nullableString,
});
export type RawInteraction = z.infer<typeof RawInteraction>;

/** A raw product of a daily catalog dump (`raw/products/`). */
export const RawProduct = z.looseObject({
  product_id: requiredString,
  name: requiredString,
  category: requiredString,
  subcategory: nullableString,
  brand: nullableString,
  price: z
    .union([
      z.number(),
      z.string().refine((s) => DECIMAL_LITERAL.test(s.trim()), { message: 'must be a decimal' }),
    ])
    .nullable()
    .optional(),
  description: nullableString,
  attributes: objectOrJsonString,
  avg_rating: nullableNumber,
  num_reviews: z.number().int().nullable().optional(),
  created_at: isoTimestamp,
  is_active: z.boolean(),
});
export type RawProduct = z.infer<typeof RawProduct>;

/** A raw user profile of a daily user dump (`raw/users/`). */
export const RawUser = z.looseObject({
  user_id: requiredString,
  age_group: nullableString,
  // Matched exactly; a blank string counts as null like every nullable string.
  gender: z
    .union([z.enum(GENDERS), z.string().refine((s) => !isNonBlank(s), { message: 'must be M, F or Other' })])
    .nullable()
    .optional(),
  location: nullableString,
  join_date: isoTimestamp,
  customer_segment: nullableString,
  preferences: objectOrJsonString,
});
export type RawUser = z.infer<typeof RawUser>;

/** The fields each schema declares, in contract order (the rest are `extra_field`s). */
export const INTERACTION_FIELDS: ReadonlySet<string> = new Set(Object.keys(RawInteraction.shape));
