import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../../../domain/config';
import {
  type DayInput,
  type SnapshotInput,
  validateAndCleanDay,
} from '../../../../domain/validate-and-clean-day';
import { REJECTION_CODES, REMOVAL_CODES, WARNING_CODES } from '../../../../domain/validation/codes';
import type { SourceObject } from '../../../../domain/validation/source';

/**
 * Golden cases of validation (data-contract.md §3, §5): `<case>.input.jsonl` holds the raw
 * interaction lines of day 2024-01-15, `<case>.expected.json` the hand-derived outcome of every
 * line and the day's counts. The snapshots `_products.jsonl` / `_users.jsonl` are shared.
 */
interface GoldenExpectation {
  readonly description: string;
  /** Reference time; default 2024-01-16T00:00:00.000Z (the whole day is in the past). */
  readonly reference_time?: string;
  /** Date of each snapshot, or null when it is missing; default: the day itself. */
  readonly snapshots?: { readonly products: string | null; readonly users: string | null };
  /** One per input line: `valid`, `blank` (not a record) or the rejection code. */
  readonly outcomes: readonly string[];
  /** The field named by each `schema_violation`, by 1-based line number. */
  readonly fields?: Readonly<Record<string, string>>;
  readonly counts: {
    readonly raw: number;
    readonly valid: number;
    readonly clean: number;
    /** Non-zero codes only; every other code must be 0. */
    readonly rejected?: Readonly<Record<string, number>>;
    readonly removed?: Readonly<Record<string, number>>;
  };
  /** Non-zero warnings only; every other warning must be 0. */
  readonly warnings: Readonly<Record<string, number>>;
  readonly extra_fields?: Readonly<Record<string, number>>;
  readonly null_share?: Readonly<Record<string, number>>;
  /** `ok` of the named thresholds. */
  readonly thresholds?: Readonly<Record<string, boolean>>;
  /** Substrings that the day's errors must contain, one per error (default: no error). */
  readonly errors?: readonly string[];
  readonly status: 'passed' | 'warned' | 'failed';
}

const DIR = join(__dirname, '..', '..', '..', 'fixtures', 'validation');
const DATE = '2024-01-15';
const DEFAULT_REFERENCE_TIME = '2024-01-16T00:00:00.000Z';

/** A file as lines: split on `\n` after dropping the final newline. */
function readLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

function partition(date: string): string {
  return `year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}`;
}

function sourceObject(key: string, lines: string[]): SourceObject {
  return { key, size: Buffer.byteLength(lines.join('\n')), etag: `"${key}"`, lines };
}

function snapshot(dataset: 'products' | 'users', date: string | null): SnapshotInput | null {
  if (date === null) return null;
  const lines = readLines(join(DIR, `_${dataset}.jsonl`));
  return { date, objects: [sourceObject(`raw/${dataset}/${partition(date)}/dump.jsonl`, lines)] };
}

/** Expected counters: every code present, the listed ones with their value. */
function fill(
  codes: readonly string[],
  nonZero: Readonly<Record<string, number>> | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[c] = nonZero?.[c] ?? 0;
  return out;
}

const sum = (counts: Readonly<Record<string, number>>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.jsonl'))
  .map((f) => f.slice(0, -'.input.jsonl'.length))
  .sort();

describe('validation golden cases', () => {
  test('the fixture directory holds cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  test.each(cases)('%s', (name) => {
    const expected = JSON.parse(
      readFileSync(join(DIR, `${name}.expected.json`), 'utf8'),
    ) as GoldenExpectation;
    const lines = readLines(join(DIR, `${name}.input.jsonl`));
    const key = `raw/interactions/${partition(DATE)}/${name}.jsonl`;
    const input: DayInput = {
      runId: 'golden',
      date: DATE,
      referenceTimeMs: Date.parse(expected.reference_time ?? DEFAULT_REFERENCE_TIME),
      interactions: [sourceObject(key, lines)],
      products: snapshot('products', expected.snapshots === undefined ? DATE : expected.snapshots.products),
      users: snapshot('users', expected.snapshots === undefined ? DATE : expected.snapshots.users),
      config: defaultConfig(),
    };

    const { report, quarantine } = validateAndCleanDay(input);

    // One outcome per line, read back from quarantine (rejections only; removals keep `valid`).
    const rejectedAt = new Map<number, { reason: string; field: string | null }>();
    for (const q of quarantine) {
      if (q.dataset !== 'interactions' || !(REJECTION_CODES as readonly string[]).includes(q.reason))
        continue;
      expect(q.source_key).toBe(key);
      expect(q.raw_line).toBe(lines[q.line_number - 1]);
      expect(rejectedAt.has(q.line_number)).toBe(false);
      rejectedAt.set(q.line_number, { reason: q.reason, field: q.field });
    }
    const outcomes = lines.map((line, i) =>
      line.trim() === '' ? 'blank' : (rejectedAt.get(i + 1)?.reason ?? 'valid'),
    );
    expect(outcomes).toEqual(expected.outcomes);

    const schemaFields: Record<string, string | null> = {};
    for (const [line, r] of rejectedAt)
      if (r.reason === 'schema_violation') schemaFields[String(line)] = r.field;
    expect(schemaFields).toEqual(expected.fields ?? {});

    // The fixture is self-consistent: its counts follow from its outcomes.
    const perCode = fill(REJECTION_CODES, {});
    for (const o of expected.outcomes) if (o in perCode) perCode[o] = (perCode[o] ?? 0) + 1;
    expect(fill(REJECTION_CODES, expected.counts.rejected)).toEqual(perCode);
    expect(expected.counts.raw).toBe(expected.outcomes.filter((o) => o !== 'blank').length);
    expect(expected.counts.valid).toBe(expected.outcomes.filter((o) => o === 'valid').length);

    expect(report.counts).toEqual({
      raw: expected.counts.raw,
      valid: expected.counts.valid,
      clean: expected.counts.clean,
      rejected: fill(REJECTION_CODES, expected.counts.rejected),
      removed: fill(REMOVAL_CODES, expected.counts.removed),
    });
    // Nothing is lost: raw = valid + Σ rejected, clean = valid − Σ removed.
    expect(report.counts.raw).toBe(report.counts.valid + sum(report.counts.rejected));
    expect(report.counts.clean).toBe(report.counts.valid - sum(report.counts.removed));
    const removedInQuarantine = quarantine.filter((q) =>
      (REMOVAL_CODES as readonly string[]).includes(q.reason),
    );
    expect(removedInQuarantine).toHaveLength(sum(report.counts.removed));

    expect(report.warnings).toEqual(fill(WARNING_CODES, expected.warnings));
    if (expected.extra_fields !== undefined) expect(report.extra_fields).toEqual(expected.extra_fields);
    if (expected.null_share !== undefined)
      for (const [field, value] of Object.entries(expected.null_share))
        expect(report.null_share[field as keyof typeof report.null_share]).toBeCloseTo(value, 12);
    for (const [threshold, ok] of Object.entries(expected.thresholds ?? {}))
      expect({ threshold, ok: report.thresholds.find((t) => t.name === threshold)?.ok }).toEqual({
        threshold,
        ok,
      });

    const errors = expected.errors ?? [];
    expect(report.errors).toHaveLength(errors.length);
    errors.forEach((fragment, i) => expect(report.errors[i]).toContain(fragment));
    expect(report.status).toBe(expected.status);
  });
});
