import {
  REJECTION_CODES,
  REMOVAL_CODES,
  WARNING_CODES,
  zeroCounts,
} from '../../../../domain/validation/codes';
import type { ValidationReport, ValidationStatus } from '../../../../domain/validation/report';
import type { QuarantineEntry } from '../../../../domain/validation/source';

/** A day's validation report with every section filled (a run id and a field that need escaping). */
export function report(status: ValidationStatus = 'warned'): ValidationReport {
  return {
    schema_version: 1,
    date: '2024-01-15',
    status,
    counts: {
      raw: 12345,
      valid: 12000,
      clean: 11900,
      rejected: { ...zeroCounts(REJECTION_CODES), malformed_json: 300, duplicate: 45 },
      removed: { ...zeroCounts(REMOVAL_CODES), bot_traffic: 100 },
    },
    warnings: { ...zeroCounts(WARNING_CODES), naive_timestamp: 7 },
    null_share: { rating: 0.8, device_type: 0.01, page_context: 0.02 },
    thresholds: [
      { name: 'rejected_share', limit: 0.2, observed: 345 / 12345, ok: true },
      { name: 'null_share.device_type', limit: 0.5, observed: 0.01, ok: true },
    ],
    run_id: 'run-<1>',
    reference_time: '2024-02-01T02:00:00.000Z',
    inputs: { interactions: [] },
    snapshots: {
      products: {
        date: '2024-01-15',
        stale: false,
        objects: [],
        raw: 10,
        valid: 10,
        rejected: { malformed_json: 0, schema_violation: 0, duplicate: 0 },
      },
      users: {
        date: null,
        stale: true,
        objects: [],
        raw: 0,
        valid: 0,
        rejected: { malformed_json: 0, schema_violation: 0, duplicate: 0 },
      },
    },
    schema_violation_fields: {},
    extra_fields: { 'x"y': 2 },
    errors: [],
  };
}

/** A quarantined interactions line. */
export const entry = (reason: QuarantineEntry['reason'], line: number, raw: string): QuarantineEntry => ({
  dataset: 'interactions',
  reason,
  field: null,
  source_key: 'raw/interactions/year=2024/month=01/day=15/a.jsonl',
  line_number: line,
  raw_line: raw,
});

/** Raw counts of 2024-01-01 .. 2024-01-30: 1000, 1001, … */
export const days30 = Array.from({ length: 30 }, (_, i) => ({
  date: `2024-01-${String(i + 1).padStart(2, '0')}`,
  raw: 1000 + i,
}));
