import { defaultConfig } from '../../../../domain/config';
import { defaultMonitoringConfig, runThresholds } from '../../../../domain/monitoring/config';
import {
  METRIC_NAMES,
  METRIC_NAMESPACE,
  emfDocument,
  monitoringMetrics,
} from '../../../../domain/monitoring/emf';
import type { MonitoringSummary } from '../../../../domain/monitoring/summary';

const T = Date.parse('2024-02-01T02:00:00Z');

describe('EMF documents', () => {
  it('wrap a value in the _aws envelope with CloudWatchMetrics', () => {
    expect(
      emfDocument(
        {
          name: 'FeaturePsi',
          value: 0.3,
          unit: 'None',
          dimensions: { Dataset: 'items', Feature: 'price' },
          properties: { RunId: 'r1' },
        },
        T,
      ),
    ).toEqual({
      _aws: {
        Timestamp: T,
        CloudWatchMetrics: [
          {
            Namespace: 'RecsysFeaturePipeline',
            Dimensions: [['Dataset', 'Feature']],
            Metrics: [{ Name: 'FeaturePsi', Unit: 'None' }],
          },
        ],
      },
      RunId: 'r1',
      Dataset: 'items',
      Feature: 'price',
      FeaturePsi: 0.3,
    });
  });

  it('cover every figure of a run summary', () => {
    const summary: MonitoringSummary = {
      run_id: 'r1',
      as_of: '2024-01-09',
      previous_as_of: { users: null, items: '2024-01-05' },
      raised_at: '2024-02-01T02:00:00.000Z',
      config: runThresholds(defaultMonitoringConfig(), defaultConfig()),
      days: [
        {
          date: '2024-01-08',
          raw: 70,
          rejected_share: 0.1,
          null_share: { rating: 0.9, device_type: 0.8 },
          previous_days: 7,
          previous_mean: 100,
          volume_drop: 0.3,
        },
      ],
      features: [
        { dataset: 'items', feature: 'price', kind: 'numeric', null_share: 0, psi: 2.5, band: 'alert' },
        {
          dataset: 'items',
          feature: 'category',
          kind: 'categorical',
          null_share: null,
          psi: 0,
          band: 'stable',
        },
        { dataset: 'users', feature: 'gender', kind: 'categorical', null_share: 0.25, psi: null, band: null },
      ],
      alerts: [],
    };
    const brief = monitoringMetrics(summary, T).map((d) => {
      const metric = d._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name as string;
      const dims = d._aws.CloudWatchMetrics[0]?.Dimensions[0] ?? [];
      return [metric, dims.map((k) => `${k}=${String(d[k])}`).join(','), d[metric]];
    });
    expect(brief).toEqual([
      ['RawRecords', 'Dataset=interactions', 70],
      ['RejectedShare', 'Dataset=interactions', 0.1],
      ['NullShare', 'Dataset=interactions,Field=rating', 0.9],
      ['NullShare', 'Dataset=interactions,Field=device_type', 0.8],
      ['NullShare', 'Dataset=items,Feature=price', 0],
      ['FeaturePsi', 'Dataset=items,Feature=price', 2.5],
      ['FeaturePsi', 'Dataset=items,Feature=category', 0],
      ['NullShare', 'Dataset=users,Feature=gender', 0.25],
    ]);
    expect(monitoringMetrics(summary, T)[0]).toMatchObject({ RunId: 'r1', Date: '2024-01-08' });
    // The dashboard is checked against these names: every one is emitted, nothing else is.
    const docs = monitoringMetrics(summary, T);
    expect(new Set(brief.map(([metric]) => metric))).toEqual(new Set(Object.values(METRIC_NAMES)));
    expect(docs.every((d) => d._aws.CloudWatchMetrics.every((m) => m.Namespace === METRIC_NAMESPACE))).toBe(
      true,
    );
  });
});
