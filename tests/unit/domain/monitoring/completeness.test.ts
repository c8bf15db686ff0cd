import {
  completenessAlert,
  featureNullLimit,
  nullShare,
  nullShareFindings,
  nullShareOk,
} from '../../../../domain/monitoring/completeness';
import { defaultMonitoringConfig } from '../../../../domain/monitoring/config';
import { rejectedShare, validationAlert } from '../../../../domain/monitoring/validation-rate';
import type { ValidationReport } from '../../../../domain/validation/report';

const context = { run_id: 'r1', raised_at: '2024-02-01T02:00:00.000Z' };

describe('completeness', () => {
  it('counts null and missing values', () => {
    expect(nullShare([1, null, undefined, 'x'])).toBe(0.5);
    expect(nullShare([])).toBe(0);
  });

  it('alerts on a spike of nulls in a checked raw field; rating is measured, not checked', () => {
    const limits = defaultMonitoringConfig().rawNullShare as Record<string, number | null>;
    expect(limits).toEqual({ rating: null, device_type: 0.5, page_context: 0.5 });
    const findings = nullShareFindings(
      'interactions',
      { rating: 0.95, device_type: 0.7, page_context: 0.5 },
      (f) => limits[f] ?? null,
    );
    expect(findings).toEqual([
      { dataset: 'interactions', field: 'device_type', observed: 0.7, threshold: 0.5 },
    ]);
    expect(completenessAlert('2024-01-08', findings, context)).toEqual({
      check: 'completeness',
      date: '2024-01-08',
      raised_at: '2024-02-01T02:00:00.000Z',
      severity: 'warning',
      message: 'null share over the limit on 2024-01-08: interactions.device_type 0.7000 > 0.5',
      observed: 0.7,
      threshold: 0.5,
      run_id: 'r1',
      findings,
    });
  });

  it('checks a share strictly against its limit, and not at all without a limit or a share', () => {
    expect([
      nullShareOk(0.5, 0.5),
      nullShareOk(0.51, 0.5),
      nullShareOk(0.9, null),
      nullShareOk(null, 0.5),
    ]).toEqual([true, false, null, null]);
  });

  it('gives a feature the feature limit unless it is sparse', () => {
    const config = defaultMonitoringConfig();
    expect(featureNullLimit(config, 'items', 'price')).toBe(0.5);
    expect(featureNullLimit(config, 'items', 'avg_rating')).toBeNull();
    expect(featureNullLimit(config, 'users', 'avg_rating')).toBe(0.5);
  });

  it('raises nothing without findings, and skips columns that cannot be null', () => {
    expect(nullShareFindings('items', { price: 0.2, category: null }, () => 0.5)).toEqual([]);
    expect(completenessAlert('2024-01-08', [], context)).toBeNull();
  });
});

describe('validation failure rate', () => {
  const counts = (raw: number, rejected: number) =>
    ({
      raw,
      rejected: { malformed_json: rejected - 1, duplicate: 1 },
    }) as unknown as ValidationReport['counts'];

  it('is the rejected share of raw records over every reason code', () => {
    expect(rejectedShare(counts(100, 25))).toBe(0.25);
    expect(rejectedShare({ raw: 0, rejected: {} } as unknown as ValidationReport['counts'])).toBe(0);
  });

  it('alerts (critical) above the limit only', () => {
    expect(validationAlert('2024-01-08', 0.2, 0.2, context)).toBeNull();
    expect(validationAlert('2024-01-08', 0.25, 0.2, context)).toMatchObject({
      check: 'validation',
      severity: 'critical',
      message: 'rejected share on 2024-01-08: 0.2500 > 0.2',
      observed: 0.25,
      threshold: 0.2,
    });
  });
});

describe('sparse features', () => {
  it('are measured but never alerted on by default (no rating, no views, no purchase are normal)', () => {
    const config = defaultMonitoringConfig();
    expect(config.sparseFeatures).toEqual(
      expect.arrayContaining(['items.avg_rating', 'users.diversity_score']),
    );
    expect(config.sparseFeatures).not.toContain('items.price');
  });
});
