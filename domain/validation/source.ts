import { isBlank } from '../text';
import type { RejectionCode, RemovalCode } from './codes';

/** One raw object of a partition, already split into lines (see `adapters/jsonl.ts`). */
export interface SourceObject {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lines: readonly string[];
}

/** Which raw dataset a record came from. */
export type Dataset = 'interactions' | 'products' | 'users';

/** A record that validation rejected or cleaning removed: what quarantine keeps ("nothing is lost"). */
export interface QuarantineEntry {
  readonly dataset: Dataset;
  readonly reason: RejectionCode | RemovalCode;
  readonly field: string | null;
  readonly source_key: string;
  readonly line_number: number;
  readonly raw_line: string;
}

/** A line that is empty or only whitespace is not a record (data-contract.md §5). */
export function isBlankLine(line: string): boolean {
  return isBlank(line);
}

/** Parses a line as a JSON object; null when it is not JSON or not an object (`malformed_json`). */
export function parseJsonObject(line: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return value as Record<string, unknown>;
}

/** A required string: present, a string, and not blank after trimming (records.ts `requiredString`). */
export function isRequiredText(value: unknown): boolean {
  return typeof value === 'string' && !isBlank(value);
}

/** A nullable string: missing, null or a string (records.ts `nullableString`). */
export function isNullableText(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}
