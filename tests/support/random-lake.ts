/**
 * fast-check arbitraries for small raw lakes in the contract layout (data-contract.md §1-2):
 * 1-4 days from 2024-01-01, ids from small pools so repeated ids, double-fired events, sessions
 * and ties happen, and interaction lines that mix valid records with every kind of fault.
 */
import fc from 'fast-check';

import { decodeLines } from '../../adapters/jsonl';

/** The first day of every generated lake. */
export const START_DATE = '2024-01-01';
const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2024, 0, 1);

/** Users that may appear in user snapshots; `u-ghost` never does (an `unknown_user`). */
export const USERS = ['u1', 'u2', 'u3', 'u4'] as const;
/** Products that may appear in product snapshots; `p-ghost` never does (an `unknown_product`). */
export const PRODUCTS = ['p1', 'p2', 'p3', 'p4'] as const;
const SESSIONS = ['s1', 's2', 's3'] as const;
const INTERACTION_IDS = Array.from({ length: 14 }, (_, i) => `i${String(i).padStart(2, '0')}`);

/**
 * `created_at` is fixed per product across snapshots, so tests can recompute
 * `popularity_score` from training rows: old, created on day 2 (two spellings), and at 23:59.
 */
export const PRODUCT_CREATED_AT: Record<(typeof PRODUCTS)[number], string> = {
  p1: '2023-06-01T00:00:00Z',
  p2: '2024-01-02T06:00:00+06:00',
  p3: '2024-01-02T12:00:00.5Z',
  p4: '2022-12-31T23:59:59.999Z',
};

/** A generated raw lake: the run's dates and every object, key → UTF-8 text. */
export interface RandomLake {
  readonly dates: readonly string[];
  readonly files: Map<string, string>;
}

/** `YYYY-MM-DD` of day `index` after 2024-01-01 (negative: before it). */
export function dateOf(index: number): string {
  return new Date(START_MS + index * DAY_MS).toISOString().slice(0, 10);
}

/** The partition prefix of a dataset on a date, e.g. `raw/interactions/year=2024/month=01/day=02/`. */
export function partitionPrefix(dataset: 'interactions' | 'products' | 'users', date: string): string {
  return `raw/${dataset}/year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}/`;
}

/** ISO text of epoch ms `ms` as seen from a zone `offsetMin` minutes east of UTC, in one of the grammar's shapes. */
function formatTs(ms: number, offsetMin: number, shape: 'ms' | 'sec' | 'micro' | 'naive'): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const zone =
    offsetMin === 0
      ? 'Z'
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  if (shape === 'naive') return local.slice(0, 19);
  if (shape === 'sec') return `${local.slice(0, 19)}${zone}`;
  if (shape === 'micro') return `${local}417${zone}`;
  return `${local}${zone}`;
}

/** Milliseconds into a day, biased to the edges of the day and to one busy hour (sessions, bursts). */
const offsetInDay = fc.oneof(
  fc.constantFrom(0, 1, 999, 1000, 59_999, DAY_MS - 60_000, DAY_MS - 1000, DAY_MS - 1),
  fc.integer({ min: 10 * 3_600_000, max: 10 * 3_600_000 + 3_600_000 }),
  fc.integer({ min: 10 * 3_600_000, max: 10 * 3_600_000 + 120_000 }),
  fc.integer({ min: DAY_MS - 45 * 60_000, max: DAY_MS - 1 }),
  fc.integer({ min: 0, max: 45 * 60_000 }),
  fc.integer({ min: 0, max: DAY_MS - 1 }),
);

const timestampText = (dayIndex: number) =>
  fc
    .record({
      offset: offsetInDay,
      zone: fc.constantFrom(0, 0, 0, 120, -300, 330),
      shape: fc.constantFrom('ms', 'ms', 'sec', 'micro', 'naive'),
    })
    .map(({ offset, zone, shape }) =>
      formatTs(START_MS + dayIndex * DAY_MS + offset, shape === 'naive' ? 0 : zone, shape),
    );

/** A record that passes the schema (ids may still be unknown, timestamps may still be naive). */
const validInteraction = (dayIndex: number) =>
  fc
    .record({
      interaction_id: fc.constantFrom(...INTERACTION_IDS),
      user_id: fc.constantFrom(...USERS, ...USERS, ...USERS, 'u-ghost'),
      product_id: fc.constantFrom(...PRODUCTS, ...PRODUCTS, ...PRODUCTS, 'p-ghost'),
      interaction_type: fc.constantFrom(
        'view',
        'view',
        'view',
        'add_to_cart',
        'purchase',
        ' View ',
        'PURCHASE',
        'add_to_cart\t',
      ),
      timestamp: timestampText(dayIndex),
      session_id: fc.constantFrom(...SESSIONS),
      rating: fc.constantFrom(null, undefined, 1, 3.5, 5, 0, 7),
      device_type: fc.constantFrom(null, undefined, 'mobile', ' Desktop ', 'TABLET', 'smart-tv', ''),
      page_context: fc.constantFrom(null, undefined, 'home', 'Search', 'product_page', '  '),
      extra: fc.constantFrom(null, null, null, { ip: '10.0.0.1' }, { experiment: 'b', ab_bucket: 3 }),
    })
    .map(({ extra, ...r }) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) if (v !== undefined) out[k] = v;
      return extra === null ? out : { ...out, ...extra };
    });

type Json = Record<string, unknown>;

/** A line that validation must reject (or skip, for blanks), built from a valid record. */
const faultyLine = (dayIndex: number, base: Json) =>
  fc.oneof(
    fc.constantFrom(
      '{"interaction_id": "i01"',
      'not json',
      '[1,2,3]',
      'null',
      '42',
      '{"rating": NaN}',
      '"view"',
    ),
    fc.constantFrom('', '   ', '\t'),
    fc
      .record({
        field: fc.constantFrom(
          'interaction_id',
          'user_id',
          'product_id',
          'interaction_type',
          'timestamp',
          'session_id',
        ),
        value: fc.constantFrom(undefined, '', '  ', 7, null, 'click'),
      })
      .map(({ field, value }) => {
        const r: Json = { ...base };
        if (value === undefined) delete r[field];
        else r[field] = value;
        return JSON.stringify(r);
      }),
    fc
      .constantFrom(
        '2024-01-01 10:00:00Z',
        '2024-02-30T00:00:00Z',
        '2024-01-01T24:00:00Z',
        '2024-01-01T10:00Z',
        '2024-01-01t10:00:00z',
        'yesterday',
      )
      .map((timestamp) => JSON.stringify({ ...base, timestamp })),
    // Future (past the reference time + 5 min) or in another day's partition.
    fc
      .constantFrom(-1, 1, 2)
      .chain((shift) => timestampText(dayIndex + shift))
      .map((timestamp) => JSON.stringify({ ...base, timestamp })),
    fc.constant(JSON.stringify({ ...base, timestamp: '2024-02-01T00:05:01Z' })),
  );

/** How a line is derived from an earlier record of the same day. */
const echo = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('exact', 'doubleFire', 'sameId', 'sameIdOtherLine'),
  newId: fc.constantFrom(...INTERACTION_IDS),
  ms: fc.integer({ min: 0, max: 999 }),
});

/** The interaction lines of one day, in file order. */
export const interactionLines = (dayIndex: number) =>
  fc
    .tuple(
      fc.array(fc.tuple(validInteraction(dayIndex), fc.nat({ max: 7 })), { maxLength: 16 }),
      fc.array(echo, { maxLength: 3 }),
    )
    .chain(([records, echoes]) => {
      const lines: fc.Arbitrary<string>[] = records.map(([r, roll]) =>
        roll === 0 ? faultyLine(dayIndex, r) : fc.constant(JSON.stringify(r)),
      );
      for (const e of echoes) {
        const picked = records[e.at % Math.max(1, records.length)];
        if (picked === undefined) continue;
        const r = picked[0];
        const ts = String(r.timestamp);
        // Same second and zone, another millisecond: a double-fired client event.
        const zone = ts.slice(19).replace(/^\.\d+/, '');
        if (e.kind === 'exact') lines.push(fc.constant(JSON.stringify(r)));
        else if (e.kind === 'doubleFire')
          lines.push(
            fc.constant(
              JSON.stringify({
                ...r,
                interaction_id: e.newId,
                timestamp: `${ts.slice(0, 19)}.${String(e.ms).padStart(3, '0')}${zone}`,
              }),
            ),
          );
        else if (e.kind === 'sameId')
          lines.push(timestampText(dayIndex).map((timestamp) => JSON.stringify({ ...r, timestamp })));
        // Same id and instant, other raw text: the smaller line must win.
        else lines.push(fc.constant(JSON.stringify({ ...r, device_type: 'desktop', session_id: 's9' })));
      }
      return lines.length === 0
        ? fc.constant<string[]>([])
        : fc.shuffledSubarray(lines, { minLength: lines.length }).chain((arbs) => fc.tuple(...arbs));
    });

const productLine = (id: string) =>
  fc
    .record({
      category: fc.constantFrom('Electronics', 'electronics ', 'BOOKS', 'Books', 'home  garden'),
      subcategory: fc.constantFrom(null, undefined, 'phones', 'Phones', ''),
      brand: fc.constantFrom(null, 'Acme', 'ACME ', 'Zed'),
      price: fc.oneof(
        fc.constant(null),
        fc.integer({ min: 100, max: 50_000 }).map((c) => c / 100),
        fc.constantFrom('19.99', ' 5 ', '120'),
      ),
      avg_rating: fc.constantFrom(null, 4.5),
      num_reviews: fc.constantFrom(null, 0, 12),
      is_active: fc.constantFrom(true, true, true, true, false),
      extra: fc.constantFrom(null, null, 'x'),
    })
    .map(({ extra, subcategory, ...p }) => {
      const out: Json = {
        product_id: id,
        name: `Product ${id}`,
        ...p,
        created_at: PRODUCT_CREATED_AT[id as (typeof PRODUCTS)[number]],
        description: null,
        attributes: '{"color":"red"}',
      };
      if (subcategory !== undefined) out.subcategory = subcategory;
      if (extra !== null) out.warehouse = extra;
      return JSON.stringify(out);
    });

const userLine = (id: string) =>
  fc
    .record({
      age_group: fc.constantFrom(null, '18-24', '35-44'),
      gender: fc.constantFrom(null, 'M', 'F', 'Other'),
      location: fc.constantFrom(null, 'Berlin', ' paris '),
      join_date: fc.constantFrom('2023-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '2023-05-05T10:00:00'),
      customer_segment: fc.constantFrom(null, 'vip', 'new'),
      preferences: fc.constantFrom(null, { newsletter: true }, '{"a":1}'),
    })
    .map((u) => JSON.stringify({ user_id: id, ...u }));

/**
 * A full-dump snapshot: the pool's first three ids and sometimes the fourth (so it comes and goes),
 * sometimes a garbage line, sometimes a re-listed key (the last line wins).
 */
const snapshotLines = (pool: readonly string[], line: (id: string) => fc.Arbitrary<string>) =>
  fc.subarray(pool.slice(3)).chain((optional) => {
    const ids = [...pool.slice(0, 3), ...optional];
    return fc
      .tuple(
        fc.tuple(...ids.map(line)),
        fc.option(fc.constantFrom(...pool).chain(line), { freq: 3 }),
        fc.constantFrom(null, null, null, '{"product_id":', '{"user_id": 3}', ''),
      )
      .map(([lines, relisted, garbage]) => [
        ...lines,
        ...(garbage === null ? [] : [garbage]),
        ...(relisted === null ? [] : [relisted]),
      ]);
  });

/** Splits lines into 0-3 objects of one partition, with or without a final newline. */
const objectsOf = (prefix: string, lines: readonly string[]) =>
  fc
    .record({
      cuts: fc.array(fc.nat(), { maxLength: 2 }),
      finalNewline: fc.boolean(),
      names: fc.constantFrom(['part-0', 'part-1', 'part-2'], ['b', 'a', 'c']),
    })
    .map(({ cuts, finalNewline, names }) => {
      if (lines.length === 0) return [] as [string, string][];
      const bounds = [...new Set([0, ...cuts.map((c) => c % (lines.length + 1)), lines.length])].sort(
        (a, b) => a - b,
      );
      const out: [string, string][] = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const chunk = lines.slice(bounds[i], bounds[i + 1]);
        out.push([
          `${prefix}${names[i] ?? `part-${i}`}.jsonl`,
          chunk.join('\n') + (finalNewline ? '\n' : ''),
        ]);
      }
      return out;
    });

/** Options for `randomLake`. */
export interface RandomLakeOptions {
  readonly minDays?: number;
  readonly maxDays?: number;
}

/**
 * A small raw lake: interactions for each day, product and user snapshots on day 1 (always),
 * on later days sometimes (else they are stale), and sometimes one dated the day before.
 */
export function randomLake(options: RandomLakeOptions = {}): fc.Arbitrary<RandomLake> {
  const { minDays = 1, maxDays = 4 } = options;
  return fc.integer({ min: minDays, max: maxDays }).chain((days) => {
    const day = (i: number) =>
      fc
        .record({
          interactions: interactionLines(i),
          products:
            i === 0
              ? snapshotLines(PRODUCTS, productLine)
              : fc.option(snapshotLines(PRODUCTS, productLine), { freq: 3 }),
          users:
            i === 0 ? snapshotLines(USERS, userLine) : fc.option(snapshotLines(USERS, userLine), { freq: 3 }),
        })
        .chain(({ interactions, products, users }) => {
          const date = dateOf(i);
          return fc
            .tuple(
              objectsOf(partitionPrefix('interactions', date), interactions),
              objectsOf(partitionPrefix('products', date), products ?? []),
              objectsOf(partitionPrefix('users', date), users ?? []),
            )
            .map((parts) => parts.flat());
        });
    const before = fc.option(
      fc
        .tuple(snapshotLines(PRODUCTS, productLine), snapshotLines(USERS, userLine))
        .map(([p, u]) => [
          [`${partitionPrefix('products', dateOf(-1))}dump.jsonl`, `${p.join('\n')}\n`] as [string, string],
          [`${partitionPrefix('users', dateOf(-1))}dump.jsonl`, `${u.join('\n')}\n`] as [string, string],
        ]),
    );
    return fc
      .tuple(fc.tuple(...Array.from({ length: days }, (_, i) => day(i))), before)
      .map(([perDay, pre]) => ({
        dates: Array.from({ length: days }, (_, i) => dateOf(i)),
        files: new Map([...perDay.flat(), ...(pre ?? [])]),
      }));
  });
}

/** Every line of the day's interaction objects, by object key, as the pipeline splits them. */
export function interactionObjects(lake: RandomLake, date: string): Map<string, string[]> {
  const prefix = partitionPrefix('interactions', date);
  const out = new Map<string, string[]>();
  for (const [key, text] of lake.files)
    if (key.startsWith(prefix)) out.set(key, decodeLines(key, new TextEncoder().encode(text)));
  return out;
}

/** A small deterministic PRNG (mulberry32) for reshuffles driven by a fast-check seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * The same lake with every interaction partition's lines shuffled and redealt into 1-3 objects
 * under new names (snapshots untouched: their line order matters by contract).
 */
export function reshuffleInteractions(lake: RandomLake, seed: number): RandomLake {
  const rand = prng(seed);
  const files = new Map<string, string>();
  for (const [key, text] of lake.files) if (!key.startsWith('raw/interactions/')) files.set(key, text);
  for (const date of lake.dates) {
    const lines = [...interactionObjects(lake, date).values()].flat();
    for (let i = lines.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    }
    const count = 1 + Math.floor(rand() * 3);
    const buckets: string[][] = Array.from({ length: count }, () => []);
    for (const line of lines) (buckets[Math.floor(rand() * count)] as string[]).push(line);
    buckets.forEach((bucket, i) => {
      if (bucket.length > 0)
        files.set(`${partitionPrefix('interactions', date)}zz-${count - i}.jsonl`, `${bucket.join('\n')}\n`);
    });
  }
  return { dates: lake.dates, files };
}

/** The lake without the raw partitions (interactions and snapshots) of the given date. */
export function withoutDate(lake: RandomLake, date: string): RandomLake {
  const files = new Map<string, string>();
  const drop = (['interactions', 'products', 'users'] as const).map((d) => partitionPrefix(d, date));
  for (const [key, text] of lake.files) if (!drop.some((p) => key.startsWith(p))) files.set(key, text);
  return { dates: lake.dates.filter((d) => d !== date), files };
}
