import { LEAKAGE_THRESHOLDS, checkLeakage } from '../../../../domain/model/leakage';

const measured = (auc: number | null, n = 5000) => ({ auc, positives: n, negatives: 10 * n });
const clean = { validation: measured(0.7), test: measured(0.69), featureAucs: [{ name: 'f', auc: 0.6 }] };

describe('checkLeakage', () => {
  it('passes a model that scores on test about as on validation', () => {
    expect(checkLeakage(clean)).toEqual({ suspected: false, reasons: [] });
  });

  it('flags a test AUC near 1', () => {
    const verdict = checkLeakage({ ...clean, validation: measured(0.985), test: measured(0.99) });
    expect(verdict.suspected).toBe(true);
    expect(verdict.reasons).toEqual([
      `test AUC 0.9900 ≥ ${LEAKAGE_THRESHOLDS.nearPerfectAuc}: near perfect, some column nearly determines the label`,
    ]);
  });

  it('flags test far above validation when the gap exceeds both 0.05 and 3 standard errors', () => {
    const verdict = checkLeakage({ ...clean, validation: measured(0.7), test: measured(0.8) });
    expect(verdict.suspected).toBe(true);
    expect(verdict.reasons[0]).toMatch(/^test AUC 0\.8000 is 0\.1000 above validation AUC 0\.7000/);
  });

  it('does not flag the same gap on splits so small that it is noise', () => {
    // 20 positives and 200 negatives: each AUC has a standard error near 0.06.
    const small = checkLeakage({ ...clean, validation: measured(0.7, 20), test: measured(0.8, 20) });
    expect(small).toEqual({ suspected: false, reasons: [] });
  });

  it('does not flag a gap under 0.05 however large the splits', () => {
    const verdict = checkLeakage({ ...clean, validation: measured(0.7, 1e6), test: measured(0.745, 1e6) });
    expect(verdict.suspected).toBe(false);
  });

  it('names a single column that separates the label in either direction', () => {
    const verdict = checkLeakage({
      ...clean,
      featureAucs: [
        { name: 'leaky', auc: 0.995 },
        { name: 'inverted', auc: 0.01 },
        { name: 'fine', auc: 0.3 },
        { name: 'undefined', auc: null },
      ],
    });
    expect(verdict.reasons).toEqual([
      'feature "leaky" alone has validation AUC 0.9950 (≥ 0.98 either way): it carries the label',
      'feature "inverted" alone has validation AUC 0.0100 (≥ 0.98 either way): it carries the label',
    ]);
  });

  it('skips the AUC checks when a split lacks a class', () => {
    expect(checkLeakage({ ...clean, validation: measured(null), test: measured(null) }).suspected).toBe(
      false,
    );
  });
});
