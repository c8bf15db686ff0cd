import { compareCodePoints } from '../text';
import type { RejectionCode, RemovalCode, WarningCode } from './codes';

/** Validation status of a day. */
export type ValidationStatus = 'passed' | 'warned' | 'failed';

/** One threshold check: `ok` is false when `observed` exceeds `limit` (strictly). */
export interface ThresholdCheck {
  readonly name: string;
  readonly limit: number;
  readonly observed: number;
  readonly ok: boolean;
}

/**
 * One input object of a report: key and size only. ETags (local: size + mtime; S3: MD5) live in
 * the run manifest, so that the same bytes give the same report on every storage.
 */
export interface InputObjectRef {
  readonly key: string;
  readonly size: number;
}

/** How a snapshot dataset was resolved and validated for the day. */
export interface SnapshotSummary {
  /** Date of the snapshot used (latest on or before the day), or null when there is none. */
  readonly date: string | null;
  readonly stale: boolean;
  readonly objects: readonly InputObjectRef[];
  readonly raw: number;
  readonly valid: number;
  readonly rejected: {
    readonly malformed_json: number;
    readonly schema_violation: number;
    readonly duplicate: number;
  };
}

/** The validation report of one day (data-contract.md §3); the fields up to `thresholds` are the stable core. */
export interface ValidationReport {
  readonly schema_version: number;
  readonly date: string;
  readonly status: ValidationStatus;
  readonly counts: {
    readonly raw: number;
    readonly valid: number;
    readonly clean: number;
    readonly rejected: Record<RejectionCode, number>;
    readonly removed: Record<RemovalCode, number>;
  };
  readonly warnings: Record<WarningCode, number>;
  readonly null_share: {
    readonly rating: number;
    readonly device_type: number;
    readonly page_context: number;
  };
  readonly thresholds: readonly ThresholdCheck[];
  readonly run_id: string;
  readonly reference_time: string;
  readonly inputs: { readonly interactions: readonly InputObjectRef[] };
  readonly snapshots: { readonly products: SnapshotSummary; readonly users: SnapshotSummary };
  /** Fields named by `schema_violation` rejections, with counts. */
  readonly schema_violation_fields: Record<string, number>;
  /** Unknown fields behind the `extra_field` warning, with counts. */
  readonly extra_fields: Record<string, number>;
  /** Why the day failed besides thresholds (a missing snapshot), one line each. */
  readonly errors: readonly string[];
}

/** Compares an observed share with its limit; "exceed" is strict. */
export function thresholdCheck(name: string, limit: number, observed: number): ThresholdCheck {
  return { name, limit, observed, ok: !(observed > limit) };
}

/** `part / whole`, 0 when the whole is empty. */
export function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

/** Status rule: failed on a failed threshold or an error, warned on any rejection or warning, else passed. */
export function statusOf(
  thresholds: readonly ThresholdCheck[],
  errors: readonly string[],
  counters: readonly Record<string, number>[],
): ValidationStatus {
  if (errors.length > 0 || thresholds.some((t) => !t.ok)) return 'failed';
  for (const c of counters) for (const k in c) if ((c[k] as number) > 0) return 'warned';
  return 'passed';
}

/** A map as a plain object with keys in code-point order (stable JSON). */
export function sortedRecord(map: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...map.keys()].sort(compareCodePoints)) out[k] = map.get(k) as number;
  return out;
}
