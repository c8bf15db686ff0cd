/**
 * The hand-written hot paths of validation and cleaning against the rules they replace: the
 * timestamp grammar as a regular expression, the zod interaction schema, the text rule without its
 * ASCII shortcut, and the (timestamp, interaction_id) order as a stable `Array#sort`.
 */
import fc from 'fast-check';

import { cleanDay, cleanInteraction, compareInteractions } from '../../domain/cleaning/interactions';
import { defaultConfig } from '../../domain/config';
import { RawInteraction, RawProduct, RawUser } from '../../domain/schemas/records';
import { isBlank, normalizeText } from '../../domain/text';
import { DAY_MS, parseTimestamp } from '../../domain/time';
import {
  type Candidate,
  checkInteractionRecord,
  firstInvalidInteractionField,
} from '../../domain/validation/interactions';
import { firstIssueField, isPlainProduct, isPlainUser } from '../../domain/validation/snapshots';

const RUNS = 10_000;

/** data-contract.md §5's grammar, as the regular expression `parseTimestamp` used to run. */
const GRAMMAR = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$/;

/** The reference rule: the grammar, then a real calendar date and in-range time and offset fields. */
function referenceTimestamp(text: string): { ms: number; naive: boolean } | null {
  const m = GRAMMAR.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year as number, (month as number) - 1, day);
  if (date.getUTCMonth() !== (month as number) - 1 || date.getUTCDate() !== day) return null;
  if ((hour as number) > 23 || (minute as number) > 59 || (second as number) > 59) return null;
  const zone = m[8];
  let offset = 0;
  if (zone !== undefined && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  // `date` is the UTC midnight of the day (it started from the epoch's midnight).
  const ms =
    date.getTime() +
    (((hour as number) * 60 + (minute as number) - offset) * 60 + (second as number)) * 1000 +
    millis;
  return { ms, naive: zone === undefined };
}

const digits = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
/** Mostly digits, sometimes a character that only looks like one. */
const digitsOrNot = (n: number) =>
  fc.oneof(
    { weight: 8, arbitrary: digits(n) },
    {
      weight: 1,
      arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789 a/:٣０'), minLength: 0, maxLength: n + 1 }),
    },
  );
const separator = (usual: string) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(usual) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', 't', 'z', '-', ':', '.', 'T') },
  );

/** Timestamps in and near the grammar: every field and separator right most of the time. */
const nearTimestamp = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1900, max: 2100 }).map(String), digitsOrNot(4)),
    separator('-'),
    fc.oneof(
      fc.integer({ min: 0, max: 13 }).map((n) => String(n).padStart(2, '0')),
      digitsOrNot(2),
    ),
    separator('-'),
    fc.oneof(
      fc.integer({ min: 0, max: 32 }).map((n) => String(n).padStart(2, '0')),
      digitsOrNot(2),
    ),
    separator('T'),
    fc.oneof(
      fc.integer({ min: 0, max: 25 }).map((n) => String(n).padStart(2, '0')),
      digitsOrNot(2),
    ),
    separator(':'),
    fc.oneof(
      fc.integer({ min: 0, max: 61 }).map((n) => String(n).padStart(2, '0')),
      digitsOrNot(2),
    ),
    separator(':'),
    fc.oneof(
      fc.integer({ min: 0, max: 61 }).map((n) => String(n).padStart(2, '0')),
      digitsOrNot(2),
    ),
    fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 12 }).chain((n) => digits(n).map((d) => `.${d}`)),
      fc.constantFrom('.', ',5', '.5.5', '.x'),
    ),
    fc.oneof(
      fc.constantFrom(
        '',
        'Z',
        'Z',
        'z',
        'ZZ',
        ' Z',
        'Z ',
        '+00:00',
        '-00:00',
        '+0200',
        '+02',
        '+02:00:00',
        '\n',
      ),
      fc
        .tuple(
          fc.constantFrom('+', '-', '−'),
          fc.integer({ min: 0, max: 25 }),
          fc.constantFrom(':', ''),
          fc.integer({ min: 0, max: 61 }),
        )
        .map(([s, h, c, m]) => `${s}${String(h).padStart(2, '0')}${c}${String(m).padStart(2, '0')}`),
    ),
  )
  .map((parts) => parts.join(''));

describe('parseTimestamp equals the grammar and calendar rule', () => {
  test('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(parseTimestamp(text)).toEqual(referenceTimestamp(text));
      }),
      { numRuns: RUNS },
    );
  });

  test('on timestamps in and near the grammar', () => {
    fc.assert(
      fc.property(nearTimestamp, (text) => {
        expect(parseTimestamp(text)).toEqual(referenceTimestamp(text));
      }),
      { numRuns: RUNS },
    );
  });

  test('on every instant, written in every shape of the grammar', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) }),
        fc.constantFrom('', '.5', '.25', '.123', '.123456789'),
        fc.constantFrom('', 'Z', '+05:30', '-12:00', '+00:00'),
        (ms, fraction, zone) => {
          const text = `${new Date(ms).toISOString().slice(0, 19)}${fraction}${zone}`;
          expect(parseTimestamp(text)).toEqual(referenceTimestamp(text));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

/** Field values that the schema accepts, refuses, or accepts only for some fields. */
const fieldValue = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    '',
    ' ',
    '\u3000',
    'x',
    ' x ',
    'view',
    ' VIEW ',
    'add_to_cart',
    'Purchase',
    'purchases',
    'v iew',
    '2024-01-15T10:00:00Z',
    '2024-02-30T00:00:00Z',
    0,
    -0,
    1,
    5,
    5.5,
    1e308,
    true,
    false,
    [],
    ['view'],
    {},
    { a: 1 },
  ),
  fc.string({ maxLength: 4 }),
  fc.double(),
);

const FIELDS = [
  'interaction_id',
  'user_id',
  'product_id',
  'interaction_type',
  'timestamp',
  'session_id',
  'rating',
  'device_type',
  'page_context',
] as const;

/** A valid record of which some fields are replaced, removed or joined by extra (and `__proto__`) keys. */
const rawObject = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(fieldValue, { nil: undefined })), {
      maxLength: 4,
    }),
    fc.array(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'toString', '0'), fieldValue), {
      maxLength: 2,
    }),
  )
  .map(([changes, extras]) => {
    const base: Record<string, unknown> = {
      interaction_id: 'i1',
      user_id: 'u1',
      product_id: 'p1',
      interaction_type: 'view',
      timestamp: '2024-01-15T10:00:00Z',
      session_id: 's1',
      rating: null,
      device_type: 'mobile',
      page_context: 'home',
    };
    for (const [field, value] of changes) {
      if (value === undefined) delete base[field];
      else base[field] = value;
    }
    // Through JSON text, as lines arrive: `__proto__` becomes an own key, 1e999 becomes Infinity.
    const extra = extras.map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join('');
    const text = JSON.stringify(base);
    const withInfinity = text.replace('"rating":1e+308', '"rating":1e999');
    return text === '{}' ? `{${extra.slice(1)}}` : `${withInfinity.slice(0, -1)}${extra}}`;
  });

/** Same prototype and same own entries (zod's copy lists the schema's keys first). */
function expectSameRecord(actual: object, expected: object): void {
  expect(Object.getPrototypeOf(actual)).toBe(Object.getPrototypeOf(expected));
  const entries = (o: object) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  expect(entries(actual)).toEqual(entries(expected));
}

describe('the hand-written interaction check agrees with the zod schema', () => {
  test('same verdict, same first field, same record', () => {
    const dayStart = Date.UTC(2024, 0, 15);
    fc.assert(
      fc.property(rawObject, (line) => {
        const value = JSON.parse(line) as Record<string, unknown>;
        const parsed = RawInteraction.safeParse(value);
        const field = firstInvalidInteractionField(value);
        expect(field).toBe(parsed.success ? null : firstIssueField(parsed.error));
        const checked = checkInteractionRecord(line, dayStart, Infinity);
        if (parsed.success && parseTimestamp(parsed.data.timestamp) !== null && 'record' in checked)
          expectSameRecord(checked.record, parsed.data);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Snapshot field values: those of interactions plus numeric strings, genders and JSON objects. */
const snapshotValue = fc.oneof(
  fieldValue,
  fc.constantFrom<unknown>(
    '19.99',
    ' 7 ',
    '$1',
    'M',
    'F',
    'Other',
    'm',
    '{"a":1}',
    '[]',
    -0,
    2 ** 53 - 1,
    2 ** 53,
    { constructor: 1 },
    { b: { c: [1] }, 2: 'x' },
  ),
);

/** A valid snapshot record of which some fields are replaced, removed or joined by extra keys, as JSON text. */
const snapshotLine = (base: Record<string, unknown>) =>
  fc
    .tuple(
      fc.array(
        fc.tuple(fc.constantFrom(...Object.keys(base)), fc.option(snapshotValue, { nil: undefined })),
        {
          maxLength: 3,
        },
      ),
      fc.array(fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor'), snapshotValue), {
        maxLength: 2,
      }),
      fc.boolean(),
    )
    .map(([changes, extras, nestedProto]) => {
      const record: Record<string, unknown> = { ...base };
      for (const [field, value] of changes) {
        if (value === undefined) delete record[field];
        else record[field] = value;
      }
      const extra = extras.map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join('');
      const text = JSON.stringify(record).replace(
        '{"b":',
        nestedProto ? '{"__proto__":{"x":1},"b":' : '{"b":',
      );
      return text === '{}' ? `{${extra.slice(1)}}` : `${text.slice(0, -1)}${extra}}`;
    });

const PRODUCT = {
  product_id: 'p1',
  name: 'Lamp',
  category: 'Home',
  subcategory: 'Light',
  brand: null,
  price: 19.99,
  description: 'A lamp',
  attributes: { b: 1 },
  avg_rating: 4.5,
  num_reviews: 3,
  created_at: '2023-06-01T00:00:00Z',
  is_active: true,
};
const USER = {
  user_id: 'u1',
  age_group: '25-34',
  gender: 'F',
  location: 'Berlin',
  join_date: '2023-01-01T00:00:00Z',
  customer_segment: 'vip',
  preferences: { b: 1 },
};

describe('snapshot records accepted without zod are ones zod accepts unchanged', () => {
  test.each([
    ['products', PRODUCT, isPlainProduct, RawProduct],
    ['users', USER, isPlainUser, RawUser],
  ] as const)('%s', (_, base, isPlain, schema) => {
    let plain = 0;
    fc.assert(
      fc.property(snapshotLine(base), (line) => {
        const value = JSON.parse(line) as Record<string, unknown>;
        if (!isPlain(value)) return;
        plain++;
        const parsed = schema.safeParse(value);
        expect(parsed.success).toBe(true);
        if (parsed.success) {
          expectSameRecord(value, parsed.data);
          expect(value).toEqual(parsed.data);
        }
      }),
      { numRuns: RUNS },
    );
    // The fast path must stay the common one.
    expect(plain).toBeGreaterThan(RUNS / 10);
  });
});

describe('isBlank equals trimming to the empty string', () => {
  test('on arbitrary and whitespace-heavy strings', () => {
    const spaces = fc.string({
      unit: fc.constantFrom(' ', '\t', '\n', '\u00a0', '\ufeff', '\u2028', '\u3000', '\u0085', 'x', '{'),
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.oneof(spaces, fc.string({ unit: 'binary', maxLength: 4 })), (s) => {
        expect(isBlank(s)).toBe(s.trim() === '');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('normalizeText equals the text rule without its ASCII shortcut', () => {
  const rule = (s: string): string => s.normalize('NFKC').trim().replace(/\s+/g, ' ');
  test('on arbitrary and mostly-ASCII strings', () => {
    const ascii = fc.string({ unit: fc.constantFrom(...'ab Z~!\t\u00a0\u3000ｍ\u0000\u007f'), maxLength: 8 });
    fc.assert(
      fc.property(fc.oneof(ascii, fc.string({ unit: 'binary', maxLength: 8 })), (s) => {
        expect(normalizeText(s)).toBe(rule(s));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('cleanDay orders kept records like a stable sort by (timestamp, interaction_id)', () => {
  const config = defaultConfig();
  const T0 = Date.UTC(2024, 0, 15, 8);
  /** Candidates of a few users with colliding timestamps and ids (`a` and ` a` clean to one id). */
  const candidates = fc.array(
    fc.record({
      id: fc.constantFrom('a', ' a', 'b', 'c', 'a\u00a0', '\u{1F600}', '\uFFFF'),
      user: fc.constantFrom('u1', 'u2', ' u1'),
      offset: fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: DAY_MS - 1 })),
      type: fc.constantFrom('view', 'purchase'),
    }),
    { maxLength: 40 },
  );
  test('users in order of first appearance, then the sort', () => {
    fc.assert(
      fc.property(candidates, (specs) => {
        const valid = specs.map(({ id, user, offset, type }, i): Candidate => {
          const timestampMs = T0 + offset;
          const record = RawInteraction.parse({
            interaction_id: id,
            user_id: user,
            product_id: 'p1',
            interaction_type: type,
            timestamp: new Date(timestampMs).toISOString(),
            session_id: 's1',
          });
          return {
            record,
            timestampMs,
            naive: false,
            sourceKey: 'k',
            lineNumber: i + 1,
            line: JSON.stringify(record),
            user: { joinedMs: 0 },
            product: { createdMs: 0, isActive: true },
          };
        });
        const cleaned = valid.map(cleanInteraction);
        const users = [...new Set(cleaned.map((c) => c.user_id))];
        const grouped = users.flatMap((u) => cleaned.filter((c) => c.user_id === u));
        expect(cleanDay(valid, () => true, config).interactions).toEqual(grouped.sort(compareInteractions));
      }),
      { numRuns: 2_000 },
    );
  });
});
