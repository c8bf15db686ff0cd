/** Outcome codes of validation and cleaning (data-contract.md §3-4), in the order they are checked. */

/** Rejection reasons, first applicable wins. */
export const REJECTION_CODES = [
  'malformed_json',
  'schema_violation',
  'bad_timestamp',
  'future_timestamp',
  'wrong_partition',
  'unknown_user',
  'unknown_product',
  'duplicate',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Cleaning removals. */
export const REMOVAL_CODES = ['inactive_product', 'bot_traffic'] as const;
export type RemovalCode = (typeof REMOVAL_CODES)[number];

/** Checks that count but do not reject. */
export const WARNING_CODES = [
  'naive_timestamp',
  'extra_field',
  'rating_out_of_range',
  'null_device_type',
  'null_page_context',
  'stale_snapshot',
  'before_join_date',
  'before_product_created',
] as const;
export type WarningCode = (typeof WARNING_CODES)[number];

/** A zeroed counter for every code of a list, so reports always name every code. */
export function zeroCounts<C extends string>(codes: readonly C[]): Record<C, number> {
  const out = {} as Record<C, number>;
  for (const c of codes) out[c] = 0;
  return out;
}
