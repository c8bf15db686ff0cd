import type { z } from 'zod';
import { RawProduct, RawUser } from '../schemas/records';
import type { QuarantineEntry, SourceObject } from './source';
import { isBlankLine, parseJsonObject } from './source';

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

function validateSnapshot<S extends typeof RawProduct | typeof RawUser>(
  dataset: 'products' | 'users',
  schema: S,
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
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        rejected.push({ ...base, reason: 'schema_violation', field: firstIssueField(parsed.error) });
        return;
      }
      const id = (parsed.data as Record<string, string>)[keyField] as string;
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
      winners.set(id, { record: parsed.data as z.infer<S>, key: object.key, lineNumber: index + 1, line });
    });
  }
  const records = new Map<string, z.infer<S>>();
  for (const [id, w] of winners) records.set(id, w.record);
  return { records, raw, rejected };
}

/** Validates a product dump (codes 1-2, then duplicate product ids: last line wins). */
export function validateProductSnapshot(objects: readonly SourceObject[]): ValidatedSnapshot<RawProduct> {
  return validateSnapshot('products', RawProduct, 'product_id', objects);
}

/** Validates a user dump (codes 1-2, then duplicate user ids: last line wins). */
export function validateUserSnapshot(objects: readonly SourceObject[]): ValidatedSnapshot<RawUser> {
  return validateSnapshot('users', RawUser, 'user_id', objects);
}
