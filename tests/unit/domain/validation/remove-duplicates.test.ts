import { RawInteraction } from '../../../../domain/schemas/records';
import { type Candidate, removeDuplicates } from '../../../../domain/validation/interactions';

const T0 = Date.parse('2024-01-15T08:00:00.000Z');

function candidate(line: number, fields: Record<string, unknown>, offsetMs = 0): Candidate {
  const record = RawInteraction.parse({
    interaction_id: `i${line}`,
    user_id: 'u1',
    product_id: 'p1',
    interaction_type: 'view',
    timestamp: new Date(T0 + offsetMs).toISOString(),
    session_id: 's1',
    ...fields,
  });
  return {
    record,
    timestampMs: T0 + offsetMs,
    naive: false,
    sourceKey: 'k',
    lineNumber: line,
    line: JSON.stringify(record),
    user: { joinedMs: 0 },
    product: { createdMs: 0, isActive: true },
  };
}

describe('removeDuplicates', () => {
  test('one record per interaction_id: the earliest, then the smallest raw line, then the first', () => {
    const late = candidate(1, { interaction_id: 'x' }, 5000);
    const early = candidate(2, { interaction_id: 'x', session_id: 's2' }, 1000);
    const copy = candidate(3, { interaction_id: 'x', session_id: 's2' }, 1000);
    const day = removeDuplicates([late, early, copy]);
    expect(day.valid).toEqual([early]);
    expect(day.duplicates).toEqual([late, copy]);
  });

  test('one record per client event and second: the smallest interaction_id', () => {
    const b = candidate(1, { interaction_id: 'b' }, 100);
    const a = candidate(2, { interaction_id: 'a', interaction_type: ' VIEW ' }, 900);
    const nextSecond = candidate(3, { interaction_id: 'c' }, 1000);
    const otherSession = candidate(4, { interaction_id: 'd', session_id: 's2' }, 100);
    const day = removeDuplicates([b, a, nextSecond, otherSession]);
    expect(day.valid).toEqual([a, nextSecond, otherSession]);
    expect(day.duplicates).toEqual([b]);
  });

  test('ids holding U+0000 compare by the whole U+0000-joined key, as they always have', () => {
    const left = candidate(1, { interaction_id: 'b', user_id: 'u\u0000p', product_id: 'x' });
    const right = candidate(2, { interaction_id: 'a', user_id: 'u', product_id: 'p\u0000x' });
    const plain = candidate(3, { interaction_id: 'c', user_id: 'u', product_id: 'px' });
    const day = removeDuplicates([left, right, plain]);
    expect(day.valid).toEqual([right, plain]);
    expect(day.duplicates).toEqual([left]);
  });
});
