import { defaultConfig } from '../../../../domain/config';
import {
  MAX_EVENT_AGE_MS,
  MAX_EVENT_LEAD_MS,
  isWithinArrivalWindow,
} from '../../../../domain/ingest/arrival-window';

describe('isWithinArrivalWindow', () => {
  const arrival = Date.parse('2024-01-16T10:00:00Z');
  test.each([
    ['7 days before', arrival - 7 * 86_400_000, true],
    ['7 days and 1 ms before', arrival - 7 * 86_400_000 - 1, false],
    ['5 minutes after', arrival + 5 * 60_000, true],
    ['5 minutes and 1 ms after', arrival + 5 * 60_000 + 1, false],
    ['the epoch', 0, false],
    ['2099', Date.parse('2099-01-01T00:00:00Z'), false],
  ])('%s → %s', (_name, eventMs, inside) => expect(isWithinArrivalWindow(eventMs, arrival)).toBe(inside));

  test('the lead is the default future tolerance, so a record ingestion trusts is not rejected as future', () => {
    expect(MAX_EVENT_LEAD_MS).toBe(defaultConfig().futureToleranceMs);
    expect(MAX_EVENT_AGE_MS).toBe(7 * 86_400_000);
  });
});
