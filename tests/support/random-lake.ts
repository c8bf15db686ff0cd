/**
 * fast-check arbitraries for raw lakes in the contract layout (data-contract.md §1-2): runs of
 * 1-16 days (uniformly many) from start dates that make them cross a month end, the 2023 year
 * end and 2024-02-29; dozens of users and products with a few hot ones, so histories, repeated ids,
 * double-fired events, sessions, ties and bots happen; plain and gzip objects; interaction
 * lines that mix valid records with every reason code and warning; snapshots that go stale,
 * change the catalog from day to day and list inactive products.
 */
import fc from 'fast-check';

import { decodeLines, gzip } from '../../adapters/jsonl';

const DAY_MS = 86_400_000;

/**
 * Run start dates: the plain month, and starts whose weeks cross the 2023 year end, the January
 * month end, 2024-02-29 and the February month end.
 */
export const START_DATES = [
  '2024-01-01',
  '2023-12-20',
  '2023-12-29',
  '2024-01-24',
  '2024-02-19',
  '2024-02-27',
];

const ids = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);

/** Users that may appear in user snapshots; `u-ghost` never does (an `unknown_user`). */
export const USERS = ids('u', 36);
/** Products that may appear in product snapshots; `p-ghost` never does (an `unknown_product`). */
export const PRODUCTS = ids('p', 30);
/** The first few of each pool carry most of the traffic, so users build histories and trip bot rules. */
const HOT = 4;
const SESSIONS = ['s1', 's2', 's3', 's4'] as const;
const INTERACTION_IDS = ids('i', 60);

/**
 * `created_at` spellings, dealt to products in turn and fixed across snapshots, so tests can
 * recompute `popularity_score` from training rows: old, at 23:59, in other zones, and inside
 * the runs (events before it warn `before_product_created`; ages under a day use 1).
 */
const CREATED_AT = [
  '2023-06-01T00:00:00Z',
  '2024-01-02T06:00:00+06:00',
  '2024-01-02T12:00:00.5Z',
  '2022-12-31T23:59:59.999Z',
  '2023-12-24T18:00:00-05:00',
  '2024-02-29T00:00:00Z',
  '2024-01-28T10:00:00Z',
];

/** `created_at` of every product, as written in every snapshot. */
export const PRODUCT_CREATED_AT: Readonly<Record<string, string>> = Object.fromEntries(
  PRODUCTS.map((id, i) => [id, CREATED_AT[i % CREATED_AT.length] as string]),
);

/** A raw object's body: text, or bytes (gzip objects). */
export type LakeObject = string | Uint8Array;

/** A generated raw lake: the run's dates, its reference time (`--now`) and every object. */
export interface RandomLake {
  readonly dates: readonly string[];
  /** Midnight two days after the last date: late enough for every valid record, early enough for future ones. */
  readonly referenceTimeMs: number;
  readonly files: Map<string, LakeObject>;
}

/** `YYYY-MM-DD` of day `index` after `start` (negative: before it). */
export function dateOf(start: string, index: number): string {
  return new Date(Date.parse(`${start}T00:00:00Z`) + index * DAY_MS).toISOString().slice(0, 10);
}

const midnightOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);

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

/** A timestamp on the day starting at `dayMs` (epoch ms of its midnight). */
const timestampText = (dayMs: number) =>
  fc
    .record({
      offset: offsetInDay,
      zone: fc.constantFrom(0, 0, 0, 120, -300, 330),
      shape: fc.constantFrom('ms', 'ms', 'sec', 'micro', 'naive'),
    })
    .map(({ offset, zone, shape }) => formatTs(dayMs + offset, shape === 'naive' ? 0 : zone, shape));

/** An id from a pool: half the time one of its hot first few, rarely one no snapshot lists. */
const pick = (pool: readonly string[], ghost: string) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...pool.slice(0, HOT)), weight: 8 },
    { arbitrary: fc.constantFrom(...pool), weight: 8 },
    { arbitrary: fc.constant(ghost), weight: 1 },
  );

/** A record that passes the schema (ids may still be unknown, timestamps may still be naive). */
const validInteraction = (dayMs: number) =>
  fc
    .record({
      interaction_id: fc.constantFrom(...INTERACTION_IDS),
      user_id: pick(USERS, 'u-ghost'),
      product_id: pick(PRODUCTS, 'p-ghost'),
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
      timestamp: timestampText(dayMs),
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
const faultyLine = (dayMs: number, referenceTimeMs: number, base: Json) =>
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
    // In another day's partition (on the last days, past the reference time: future).
    fc
      .constantFrom(-8, -1, 1, 2)
      .chain((shift) => timestampText(dayMs + shift * DAY_MS))
      .map((timestamp) => JSON.stringify({ ...base, timestamp })),
    // One second past the reference time + 5 minutes.
    fc.constant(JSON.stringify({ ...base, timestamp: new Date(referenceTimeMs + 301_000).toISOString() })),
  );

/** How a line is derived from an earlier record of the same day. */
const echo = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('exact', 'doubleFire', 'sameId', 'sameIdOtherLine'),
  newId: fc.constantFrom(...INTERACTION_IDS),
  ms: fc.integer({ min: 0, max: 999 }),
});

/** The interaction lines of the day starting at `dayMs`, in file order. */
export const interactionLines = (dayMs: number, referenceTimeMs: number) =>
  fc
    .tuple(
      fc.array(fc.tuple(validInteraction(dayMs), fc.nat({ max: 7 })), { maxLength: 24 }),
      fc.array(echo, { maxLength: 4 }),
    )
    .chain(([records, echoes]) => {
      const lines: fc.Arbitrary<string>[] = records.map(([r, roll]) =>
        roll === 0 ? faultyLine(dayMs, referenceTimeMs, r) : fc.constant(JSON.stringify(r)),
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
          lines.push(timestampText(dayMs).map((timestamp) => JSON.stringify({ ...r, timestamp })));
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
      is_active: fc.constantFrom(true, true, true, true, true, true, true, false),
      extra: fc.constantFrom(null, null, 'x'),
    })
    .map(({ extra, subcategory, ...p }) => {
      const out: Json = {
        product_id: id,
        name: `Product ${id}`,
        ...p,
        created_at: PRODUCT_CREATED_AT[id],
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
      join_date: fc.constantFrom(
        '2023-01-01T00:00:00Z',
        '2024-01-02T00:00:00Z',
        '2023-05-05T10:00:00',
        '2023-12-25T00:00:00Z',
        '2024-02-29T12:00:00+01:00',
      ),
      customer_segment: fc.constantFrom(null, 'vip', 'new'),
      preferences: fc.constantFrom(null, { newsletter: true }, '{"a":1}'),
    })
    .map((u) => JSON.stringify({ user_id: id, ...u }));

/** How many ids at the end of a pool a snapshot may leave out (they come and go). */
const OPTIONAL_TAIL = 3;

/**
 * A full-dump snapshot: the pool, some of its last few ids left out (so they come and go),
 * sometimes a garbage line, sometimes a re-listed key (the last line wins).
 */
const snapshotLines = (pool: readonly string[], line: (id: string) => fc.Arbitrary<string>) =>
  fc.subarray(pool.slice(-OPTIONAL_TAIL)).chain((optional) => {
    const ids = [...pool.slice(0, -OPTIONAL_TAIL), ...optional];
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

/** Splits lines into 0-3 objects of one partition, with or without a final newline, some gzipped. */
const objectsOf = (prefix: string, lines: readonly string[]) =>
  fc
    .record({
      cuts: fc.array(fc.nat(), { maxLength: 2 }),
      finalNewline: fc.boolean(),
      names: fc.constantFrom(['part-0', 'part-1', 'part-2'], ['b', 'a', 'c']),
      zipped: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    })
    .map(({ cuts, finalNewline, names, zipped }) => {
      if (lines.length === 0) return [] as [string, LakeObject][];
      const bounds = [...new Set([0, ...cuts.map((c) => c % (lines.length + 1)), lines.length])].sort(
        (a, b) => a - b,
      );
      const out: [string, LakeObject][] = [];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const text = lines.slice(bounds[i], bounds[i + 1]).join('\n') + (finalNewline ? '\n' : '');
        const name = `${prefix}${names[i] ?? `part-${i}`}.jsonl`;
        out.push(zipped[i] === true ? [`${name}.gz`, gzip(text)] : [name, text]);
      }
      return out;
    });

/** Options for `randomLake`. */
export interface RandomLakeOptions {
  readonly minDays?: number;
  readonly maxDays?: number;
}

/**
 * A raw lake: interactions for each day, product and user snapshots on day 1 (always), on later
 * days sometimes (else they are stale), and sometimes one dated the day before.
 */
export function randomLake(options: RandomLakeOptions = {}): fc.Arbitrary<RandomLake> {
  const { minDays = 1, maxDays = 16 } = options;
  return fc
    .tuple(fc.constantFrom(...START_DATES), fc.noBias(fc.integer({ min: minDays, max: maxDays })))
    .chain(([start, days]) => {
      const dates = Array.from({ length: days }, (_, i) => dateOf(start, i));
      const referenceTimeMs = midnightOf(dateOf(start, days + 1));
      const day = (i: number) =>
        fc
          .record({
            interactions: interactionLines(midnightOf(dateOf(start, i)), referenceTimeMs),
            products:
              i === 0
                ? snapshotLines(PRODUCTS, productLine)
                : fc.option(snapshotLines(PRODUCTS, productLine), { freq: 3 }),
            users:
              i === 0
                ? snapshotLines(USERS, userLine)
                : fc.option(snapshotLines(USERS, userLine), { freq: 3 }),
          })
          .chain(({ interactions, products, users }) => {
            const date = dateOf(start, i);
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
          .map(([p, u]): [string, LakeObject][] => [
            [`${partitionPrefix('products', dateOf(start, -1))}dump.jsonl.gz`, gzip(`${p.join('\n')}\n`)],
            [`${partitionPrefix('users', dateOf(start, -1))}dump.jsonl`, `${u.join('\n')}\n`],
          ]),
      );
      return fc
        .tuple(fc.tuple(...Array.from({ length: days }, (_, i) => day(i))), before)
        .map(([perDay, pre]) => ({
          dates,
          referenceTimeMs,
          files: new Map([...perDay.flat(), ...(pre ?? [])]),
        }));
    });
}

/** Every line of the day's interaction objects, by object key, as the pipeline splits them. */
export function interactionObjects(lake: RandomLake, date: string): Map<string, string[]> {
  const prefix = partitionPrefix('interactions', date);
  const out = new Map<string, string[]>();
  for (const [key, body] of lake.files)
    if (key.startsWith(prefix))
      out.set(key, decodeLines(key, typeof body === 'string' ? new TextEncoder().encode(body) : body));
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
  const files = new Map<string, LakeObject>();
  for (const [key, body] of lake.files) if (!key.startsWith('raw/interactions/')) files.set(key, body);
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
      const name = `${partitionPrefix('interactions', date)}zz-${count - i}.jsonl`;
      const text = `${bucket.join('\n')}\n`;
      if (bucket.length > 0) {
        if (rand() < 0.3) files.set(`${name}.gz`, gzip(text));
        else files.set(name, text);
      }
    });
  }
  return { ...lake, files };
}

/** The lake without the raw partitions (interactions and snapshots) of the given date. */
export function withoutDate(lake: RandomLake, date: string): RandomLake {
  const files = new Map<string, LakeObject>();
  const drop = (['interactions', 'products', 'users'] as const).map((d) => partitionPrefix(d, date));
  for (const [key, body] of lake.files) if (!drop.some((p) => key.startsWith(p))) files.set(key, body);
  return { ...lake, dates: lake.dates.filter((d) => d !== date), files };
}

/** The lake's raw objects of dates before `date` only (what a run ending the day before may see). */
export function before(lake: RandomLake, date: string): RandomLake {
  const files = new Map<string, LakeObject>();
  for (const [key, body] of lake.files) {
    const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(key);
    if (m !== null && `${m[1]}-${m[2]}-${m[3]}` < date) files.set(key, body);
  }
  return { ...lake, dates: lake.dates.filter((d) => d < date), files };
}
