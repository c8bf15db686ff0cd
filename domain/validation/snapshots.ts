import type { z } from 'zod';
import { RawProduct, RawUser } from '../schemas/records';
import { parseTimestamp } from '../time';
import type { QuarantineEntry, SourceObject } from './source';
import { isBlankLine, isNullableText, isRequiredText, parseJsonObject } from './source';

/** A validated snapshot: the surviving raw record per raw key, plus what was rejected. */
export interface ValidatedSnapshot<T> {
  /** Raw key → record; the last valid line of a key wins. */
  readonly records: Map<string, T>;
  readonly raw: number;
  readonly rejected: QuarantineEntry[];
}

/** The first field a zod error names, in schema order (the contract's "first in the order of §2"). */
export function firstIssueField(error: z.ZodError): string | null {
  const first = error.issues[0]?.path[0];
  return first === undefined ? null : String(first);
}

/** A missing, null or finite number (records.ts `nullableNumber`). */
function isNullableNumber(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && Number.isFinite(value));
}

/** A timestamp field that records.ts `isoTimestamp` accepts. */
function isTimestampText(value: unknown): boolean {
  return typeof value === 'string' && parseTimestamp(value) !== null;
}

/**
 * A missing or null JSON-object field, or an object that zod's `z.record` accepts and copies key
 * for key (no own `constructor` or `__proto__` key to tell it otherwise).
 */
function isNullOrPlainObject(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  return (
    typeof value === 'object' &&
    !Array.isArray(value) &&
    !Object.hasOwn(value, 'constructor') &&
    !Object.hasOwn(value, '__proto__')
  );
}

/**
 * Whether `RawProduct` certainly accepts `value` and returns a copy equal to it, checked without
 * zod for the common shapes (numeric price, object attributes); every other line goes through zod,
 * which names the field of a violation. A test checks the claim on a large random set.
 */
export function isPlainProduct(value: Record<string, unknown>): boolean {
  const reviews = value.num_reviews;
  return (
    !Object.hasOwn(value, '__proto__') &&
    isRequiredText(value.product_id) &&
    isRequiredText(value.name) &&
    isRequiredText(value.category) &&
    isNullableText(value.subcategory) &&
    isNullableText(value.brand) &&
    isNullableNumber(value.price) &&
    isNullableText(value.description) &&
    isNullOrPlainObject(value.attributes) &&
    isNullableNumber(value.avg_rating) &&
    (reviews === undefined || reviews === null || Number.isSafeInteger(reviews)) &&
    isTimestampText(value.created_at) &&
    typeof value.is_active === 'boolean'
  );
}

/** Like `isPlainProduct`, for `RawUser` (gender exactly M, F, Other or null; object preferences). */
export function isPlainUser(value: Record<string, unknown>): boolean {
  const gender = value.gender;
  return (
    !Object.hasOwn(value, '__proto__') &&
    isRequiredText(value.user_id) &&
    isNullableText(value.age_group) &&
    (gender === undefined || gender === null || gender === 'M' || gender === 'F' || gender === 'Other') &&
    isNullableText(value.location) &&
    isTimestampText(value.join_date) &&
    isNullableText(value.customer_segment) &&
    isNullOrPlainObject(value.preferences)
  );
}

function validateSnapshot<S extends typeof RawProduct | typeof RawUser>(
  dataset: 'products' | 'users',
  schema: S,
  isPlain: (value: Record<string, unknown>) => boolean,
  keyField: 'product_id' | 'user_id',
  objects: readonly SourceObject[],
): ValidatedSnapshot<z.infer<S>> {
  const rejected: QuarantineEntry[] = [];
  const winners = new Map<string, { record: z.infer<S>; key: string; lineNumber: number; line: string }>();
  let raw = 0;
  // Objects in key order, lines in file order: the one place where line order decides (last wins).
  for (const object of objects) {
    object.lines.forEach((line, index) => {
      if (isBlankLine(line)) return;
      raw++;
      const base = { dataset, source_key: object.key, line_number: index + 1, raw_line: line };
      const value = parseJsonObject(line);
      if (value === null) {
        rejected.push({ ...base, reason: 'malformed_json', field: null });
        return;
      }
      let record: z.infer<S>;
      if (isPlain(value)) record = value as z.infer<S>;
      else {
        const parsed = schema.safeParse(value);
        if (!parsed.success) {
          rejected.push({ ...base, reason: 'schema_violation', field: firstIssueField(parsed.error) });
          return;
        }
        record = parsed.data as z.infer<S>;
      }
      const id = (record as Record<string, string>)[keyField] as string;
      const previous = winners.get(id);
      if (previous !== undefined) {
        rejected.push({
          dataset,
          reason: 'duplicate',
          field: keyField,
          source_key: previous.key,
          line_number: previous.lineNumber,
          raw_line: previous.line,
        });
      }
      winners.set(id, { record, key: object.key, lineNumber: index + 1, line });
    });
  }
  const records = new Map<string, z.infer<S>>();
  for (const [id, w] of winners) records.set(id, w.record);
  return { records, raw, rejected };
}

/** Validates a product dump (codes 1-2, then duplicate product ids: last line wins). */
export function validateProductSnapshot(objects: readonly SourceObject[]): ValidatedSnapshot<RawProduct> {
  return validateSnapshot('products', RawProduct, isPlainProduct, 'product_id', objects);
}

/** Validates a user dump (codes 1-2, then duplicate user ids: last line wins). */
export function validateUserSnapshot(objects: readonly SourceObject[]): ValidatedSnapshot<RawUser> {
  return validateSnapshot('users', RawUser, isPlainUser, 'user_id', objects);
}
