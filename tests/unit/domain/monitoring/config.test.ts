import { defaultConfig } from '../../../../domain/config';
import {
  MONITORING_DEFAULTS,
  MonitoringConfig,
  defaultMonitoringConfig,
  runThresholds,
} from '../../../../domain/monitoring/config';

describe('MonitoringConfig', () => {
  it('defaults to MONITORING_DEFAULTS, a fresh sparse-feature list each time', () => {
    const config = defaultMonitoringConfig();
    expect(config).toEqual(MONITORING_DEFAULTS);
    config.sparseFeatures.push('items.price');
    expect(defaultMonitoringConfig().sparseFeatures).not.toContain('items.price');
  });

  it('has no validation-rate limit of its own: that is the pipeline config’s maxRejectedShare', () => {
    expect(() => MonitoringConfig.parse({ maxRejectedShare: 0.1 })).toThrow();
    expect(MONITORING_DEFAULTS).not.toHaveProperty('maxRejectedShare');
  });

  it('rejects a share limit outside 0..1 and a non-positive freshness age', () => {
    expect(() => MonitoringConfig.parse({ maxVolumeDrop: 1.5 })).toThrow();
    expect(() => MonitoringConfig.parse({ freshnessMaxAgeHours: 0 })).toThrow();
    expect(MonitoringConfig.parse({ freshnessMaxAgeHours: 2 }).freshnessMaxAgeHours).toBe(2);
  });
});

describe('runThresholds', () => {
  it('takes the run checks of the monitoring config and maxRejectedShare from the pipeline config', () => {
    const thresholds = runThresholds(MonitoringConfig.parse({ psiAlert: 0.3 }), {
      ...defaultConfig(),
      maxRejectedShare: 0.05,
    });
    expect(thresholds.maxRejectedShare).toBe(0.05);
    expect(thresholds.psiAlert).toBe(0.3);
    expect(thresholds).not.toHaveProperty('freshnessMaxAgeHours');
  });

  it('keeps the field order of the stored summaries', () => {
    expect(Object.keys(runThresholds(defaultMonitoringConfig(), defaultConfig()))).toEqual([
      'volumeWindowDays',
      'minPreviousDays',
      'maxVolumeDrop',
      'rawNullShare',
      'featureNullShare',
      'sparseFeatures',
      'maxRejectedShare',
      'psiBins',
      'psiEpsilon',
      'psiModerate',
      'psiAlert',
    ]);
  });
});
