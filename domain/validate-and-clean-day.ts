import { cleanDay } from './cleaning/interactions';
import { cleanProducts, cleanUsers } from './cleaning/snapshots';
import type { PipelineConfig } from './config';
import type { CleanInteraction, CleanProduct, CleanUser } from './schemas/clean';
import { SCHEMA_VERSION } from './schemas/records';
import { formatTimestamp, timestampMs } from './time';
import { compareCodePoints } from './text';
import { REJECTION_CODES, REMOVAL_CODES, WARNING_CODES, zeroCounts } from './validation/codes';
import {
  type ReferenceData,
  checkInteractionLines,
  countWarnings,
  candidateEntry,
  removeDuplicates,
} from './validation/interactions';
import {
  type SnapshotSummary,
  type ThresholdCheck,
  type ValidationReport,
  share,
  sortedRecord,
  statusOf,
  thresholdCheck,
} from './validation/report';
import {
  type ValidatedSnapshot,
  validateProductSnapshot,
  validateUserSnapshot,
} from './validation/snapshots';
import type { QuarantineEntry, SourceObject } from './validation/source';

/** The raw objects of the snapshot chosen for a day: the latest dated on or before it. */
export interface SnapshotInput {
  readonly date: string;
  readonly objects: readonly SourceObject[];
}

/** Everything stage 1-2 needs for one day, already read from the lake. */
export interface DayInput {
  readonly runId: string;
  readonly date: string;
  readonly referenceTimeMs: number;
  readonly interactions: readonly SourceObject[];
  readonly products: SnapshotInput | null;
  readonly users: SnapshotInput | null;
  readonly config: PipelineConfig;
}

/** The outcome of validating and cleaning one day. */
export interface ValidatedCleanDay {
  readonly report: ValidationReport;
  /** Every rejected or removed record, sorted by dataset, source key and line. */
  readonly quarantine: QuarantineEntry[];
  /** Clean interactions sorted by (timestamp, interaction_id). */
  readonly interactions: CleanInteraction[];
  /** The day's cleaned snapshots (null when missing). */
  readonly products: CleanProduct[] | null;
  readonly users: CleanUser[] | null;
}

function summarizeSnapshot<T>(
  input: SnapshotInput | null,
  date: string,
  v: ValidatedSnapshot<T>,
): SnapshotSummary {
  const rejected = { malformed_json: 0, schema_violation: 0, duplicate: 0 };
  for (const r of v.rejected) rejected[r.reason as keyof typeof rejected]++;
  return {
    date: input?.date ?? null,
    stale: input !== null && input.date !== date,
    objects: (input?.objects ?? []).map(({ key, size }) => ({ key, size })),
    raw: v.raw,
    valid: v.records.size,
    rejected,
  };
}

function compareQuarantine(a: QuarantineEntry, b: QuarantineEntry): number {
  return (
    compareCodePoints(a.dataset, b.dataset) ||
    compareCodePoints(a.source_key, b.source_key) ||
    a.line_number - b.line_number
  );
}

/**
 * Validates and cleans one day (data-contract.md §3-4): snapshots first (they decide the
 * referential checks), then every interaction line gets exactly one outcome, then cleaning.
 * Pure: the result depends only on the input, never on the order objects were listed in.
 */
export function validateAndCleanDay(input: DayInput): ValidatedCleanDay {
  const { date, config } = input;
  const byKey = (a: { key: string }, b: { key: string }): number => compareCodePoints(a.key, b.key);
  const products = validateProductSnapshot([...(input.products?.objects ?? [])].sort(byKey));
  const users = validateUserSnapshot([...(input.users?.objects ?? [])].sort(byKey));
  const refs: ReferenceData = {
    users: new Map([...users.records].map(([id, u]) => [id, { joinedMs: timestampMs(u.join_date) }])),
    products: new Map(
      [...products.records].map(([id, p]) => [
        id,
        { createdMs: timestampMs(p.created_at), isActive: p.is_active },
      ]),
    ),
  };

  const checks = checkInteractionLines(
    date,
    [...input.interactions].sort(byKey),
    refs,
    input.referenceTimeMs + config.futureToleranceMs,
  );
  const { valid, duplicates } = removeDuplicates(checks.candidates);
  const cleaned = cleanDay(valid, (id) => refs.products.get(id)?.isActive === true, config);

  const rejected = zeroCounts(REJECTION_CODES);
  const schemaFields = new Map<string, number>();
  for (const r of checks.rejected) {
    rejected[r.reason as keyof typeof rejected]++;
    if (r.reason === 'schema_violation' && r.field !== null)
      schemaFields.set(r.field, (schemaFields.get(r.field) ?? 0) + 1);
  }
  rejected.duplicate = duplicates.length;
  const warnings = zeroCounts(WARNING_CODES);
  const extraFields = new Map<string, number>();
  countWarnings(valid, warnings, extraFields);
  const productSummary = summarizeSnapshot(input.products, date, products);
  const userSummary = summarizeSnapshot(input.users, date, users);
  warnings.stale_snapshot = (productSummary.stale ? 1 : 0) + (userSummary.stale ? 1 : 0);
  const removed = zeroCounts(REMOVAL_CODES);
  removed.inactive_product = cleaned.inactive.length;
  removed.bot_traffic = cleaned.bots.length;

  let nullRating = 0;
  for (const c of valid) if (c.record.rating === null || c.record.rating === undefined) nullRating++;
  // The null_* warnings count exactly the valid records whose field is null (`isNullText`).
  const nullShare = {
    rating: share(nullRating, valid.length),
    device_type: share(warnings.null_device_type, valid.length),
    page_context: share(warnings.null_page_context, valid.length),
  };

  const errors: string[] = [];
  if (input.products === null) errors.push(`no product snapshot on or before ${date} (raw/products/)`);
  if (input.users === null) errors.push(`no user snapshot on or before ${date} (raw/users/)`);
  const rejectedTotal = checks.rejected.length + duplicates.length;
  const thresholds: ThresholdCheck[] = [
    thresholdCheck('rejected_share', config.maxRejectedShare, share(rejectedTotal, checks.raw)),
    ...config.nullCheckedFields.map((f) =>
      thresholdCheck(`null_share.${f}`, config.maxNullShare, nullShare[f]),
    ),
    thresholdCheck(
      'products_rejected_share',
      config.maxSnapshotRejectedShare,
      share(products.rejected.length, products.raw),
    ),
    thresholdCheck(
      'users_rejected_share',
      config.maxSnapshotRejectedShare,
      share(users.rejected.length, users.raw),
    ),
  ];
  const snapshotRejections = { products: products.rejected.length, users: users.rejected.length };
  const report: ValidationReport = {
    schema_version: SCHEMA_VERSION,
    date,
    status: statusOf(thresholds, errors, [rejected, warnings, snapshotRejections]),
    counts: { raw: checks.raw, valid: valid.length, clean: cleaned.interactions.length, rejected, removed },
    warnings,
    null_share: nullShare,
    thresholds,
    run_id: input.runId,
    reference_time: formatTimestamp(input.referenceTimeMs),
    inputs: {
      interactions: input.interactions.map(({ key, size }) => ({ key, size })).sort(byKey),
    },
    snapshots: { products: productSummary, users: userSummary },
    schema_violation_fields: sortedRecord(schemaFields),
    extra_fields: sortedRecord(extraFields),
    errors,
  };

  const quarantine: QuarantineEntry[] = [...checks.rejected, ...products.rejected, ...users.rejected];
  for (const c of duplicates) quarantine.push(candidateEntry(c, 'duplicate', 'interaction_id'));
  for (const c of cleaned.inactive) quarantine.push(candidateEntry(c, 'inactive_product', 'product_id'));
  for (const c of cleaned.bots) quarantine.push(candidateEntry(c, 'bot_traffic', 'user_id'));
  quarantine.sort(compareQuarantine);

  return {
    report,
    quarantine,
    interactions: cleaned.interactions,
    products: input.products === null ? null : cleanProducts(products.records.values()),
    users: input.users === null ? null : cleanUsers(users.records.values()),
  };
}
