import { volumeAlert, volumeFigures } from '../../../../domain/monitoring/volume';

const limits = { maxVolumeDrop: 0.2, minPreviousDays: 1 };
const week = [100, 100, 100, 100, 100, 100, 100];
const context = { run_id: 'r1', raised_at: '2024-02-01T02:00:00.000Z' };

describe('volume', () => {
  it('alerts on a 25% drop against the mean of the previous days', () => {
    const figures = volumeFigures(75, week, limits);
    expect(figures).toEqual({ raw: 75, previous_days: 7, previous_mean: 100, drop: 0.25, alert: true });
    expect(volumeAlert('2024-01-08', figures, 0.2, context)).toEqual({
      check: 'volume',
      date: '2024-01-08',
      raised_at: '2024-02-01T02:00:00.000Z',
      severity: 'warning',
      message:
        'raw interactions on 2024-01-08: 75, 25.0% below the mean 100.0 of 7 previous day(s) (limit 20.0%)',
      observed: 0.25,
      threshold: 0.2,
      run_id: 'r1',
      findings: [{ dataset: 'interactions', field: null, observed: 0.25, threshold: 0.2 }],
    });
  });

  it('does not alert on a 15% drop, nor on exactly 20% (the rule is strict)', () => {
    expect(volumeFigures(85, week, limits).alert).toBe(false);
    expect(volumeFigures(80, week, limits).alert).toBe(false);
    expect(volumeFigures(79, week, limits).alert).toBe(true);
    expect(volumeAlert('2024-01-08', volumeFigures(80, week, limits), 0.2, context)).toBeNull();
  });

  it('uses the mean of the days that exist, and needs at least minPreviousDays of them', () => {
    expect(volumeFigures(70, [120, 80], limits)).toMatchObject({ previous_mean: 100, alert: true });
    expect(volumeFigures(0, [], limits)).toEqual({
      raw: 0,
      previous_days: 0,
      previous_mean: null,
      drop: null,
      alert: false,
    });
    expect(volumeFigures(10, [100], { ...limits, minPreviousDays: 2 }).alert).toBe(false);
    expect(volumeFigures(0, [0, 0], limits)).toMatchObject({ drop: null, alert: false });
  });
});
