import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { FAULT_KINDS } from '../../../../../scripts/lib/generate/faults';
import {
  generateLake,
  type GenerateOptions,
  type GenerateSummary,
} from '../../../../../scripts/lib/generate/generate-lake';

type Row = Record<string, unknown>;

interface Lake {
  objects: Map<string, string | Uint8Array>;
  summary: GenerateSummary;
}

const BASE: GenerateOptions = {
  days: 3,
  users: 100,
  products: 60,
  eventsPerDay: 400,
  seed: 7,
  startDate: '2024-01-01',
  clean: false,
  gzip: true,
};

const KEY_RE =
  /^raw\/(?:interactions\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/part-\d{4}\.jsonl(?:\.gz)?|(?:products|users)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/snapshot\.jsonl)$/;
const ZONED_TS = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const EVENT_FIELDS = [
  'interaction_id',
  'user_id',
  'product_id',
  'interaction_type',
  'timestamp',
  'session_id',
  'rating',
  'device_type',
  'page_context',
];
const TYPES = new Set(['view', 'add_to_cart', 'purchase']);

function generate(options: Partial<GenerateOptions>): Lake {
  const objects = new Map<string, string | Uint8Array>();
  const summary = generateLake({ ...BASE, ...options }, (key, body) => {
    expect(objects.has(key)).toBe(false);
    objects.set(key, body);
  });
  return { objects, summary };
}

function text(body: string | Uint8Array, key: string): string {
  if (typeof body === 'string') return body;
  return (key.endsWith('.gz') ? gunzipSync(body) : Buffer.from(body)).toString('utf8');
}

function hashLake(lake: Lake): string {
  const h = createHash('sha256');
  for (const key of [...lake.objects.keys()].sort())
    h.update(key).update('\0').update(lake.objects.get(key)!);
  return h.digest('hex');
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A real calendar date with a valid timestamp grammar (zone optional: naive counts as UTC). */
function parseTs(ts: unknown): number | undefined {
  if (typeof ts !== 'string') return undefined;
  const m = ZONED_TS.exec(ts);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  return Date.parse(m[6] === undefined ? `${ts}Z` : ts);
}

/** The lake indexed by day: raw interaction lines per partition and effective snapshots. */
function index(lake: Lake, days: number) {
  const dates: string[] = [];
  for (let d = 0; d < days; d++) dates.push(new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 10));
  const lines = new Map<string, string[]>();
  const snapshots = {
    products: new Map<string, Map<string, Row>>(),
    users: new Map<string, Map<string, Row>>(),
  };
  const snapshotLines = { products: [] as string[], users: [] as string[] };
  let duplicateKeys = 0;
  for (const [key, body] of lake.objects) {
    const m = KEY_RE.exec(key);
    expect(m).not.toBeNull();
    const date = `${m![1] ?? m![4]}-${m![2] ?? m![5]}-${m![3] ?? m![6]}`;
    const all = text(body, key).split('\n');
    if (all[all.length - 1] === '') all.pop();
    if (key.startsWith('raw/interactions/')) {
      lines.set(date, [...(lines.get(date) ?? []), ...all]);
      continue;
    }
    const kind = key.startsWith('raw/products/') ? 'products' : 'users';
    const idField = kind === 'products' ? 'product_id' : 'user_id';
    const rows = new Map<string, Row>();
    for (const line of all) {
      snapshotLines[kind].push(line);
      const row = tryParse(line);
      if (!isObject(row) || typeof row[idField] !== 'string') continue;
      if (rows.has(row[idField])) duplicateKeys++;
      rows.set(row[idField], row);
    }
    snapshots[kind].set(date, rows);
  }
  const effective = (kind: 'products' | 'users', date: string): Map<string, Row> => {
    const candidates = [...snapshots[kind].keys()].filter((k) => k <= date).sort();
    return snapshots[kind].get(candidates[candidates.length - 1]!)!;
  };
  return { dates, lines, snapshots, snapshotLines, effective, duplicateKeys };
}

describe('generateLake', () => {
  it('is deterministic for a seed and varies with it', () => {
    const a = generate({ days: 4 });
    const b = generate({ days: 4 });
    const c = generate({ days: 4, seed: 8 });
    expect(hashLake(a)).toBe(hashLake(b));
    expect(a.summary).toEqual(b.summary);
    expect(hashLake(c)).not.toBe(hashLake(a));
  });

  it('writes keys in the contract layout, snapshots every day and some gzip objects', () => {
    const { objects, summary } = generate({ days: 4, clean: true });
    const keys = [...objects.keys()];
    for (const key of keys) expect(key).toMatch(KEY_RE);
    expect(keys).toContain('raw/interactions/year=2024/month=01/day=01/part-0000.jsonl');
    expect(keys).toContain('raw/interactions/year=2024/month=01/day=02/part-0001.jsonl.gz');
    expect(keys).toContain('raw/products/year=2024/month=01/day=04/snapshot.jsonl');
    expect(keys).toContain('raw/users/year=2024/month=01/day=03/snapshot.jsonl');
    expect(keys.filter((k) => k.endsWith('.gz'))).toHaveLength(2);
    expect(summary.objects).toBe(keys.length);
    const plain = generate({ days: 4, clean: true, gzip: false });
    expect(plain.objects.size).toBe(keys.length);
    expect([...plain.objects.keys()].some((k) => k.endsWith('.gz'))).toBe(false);
  });

  it('writes only valid records in a clean lake', () => {
    const lake = generate({ days: 3, users: 200, products: 150, eventsPerDay: 1500, clean: true });
    for (const k of FAULT_KINDS) expect(lake.summary.faults[k]).toBe(0);
    const { dates, lines, effective } = index(lake, 3);
    const problems: string[] = [];
    const seenIds = new Set<string>();
    const events: Row[] = [];
    for (const date of dates) {
      const users = effective('users', date);
      const products = effective('products', date);
      for (const line of lines.get(date)!) {
        const ev = tryParse(line);
        if (!isObject(ev)) {
          problems.push(`not an object: ${line}`);
          continue;
        }
        const ts = ev.timestamp as string;
        const at = Date.parse(ts);
        const user = users.get(ev.user_id as string);
        const product = products.get(ev.product_id as string);
        const ok =
          Object.keys(ev).join() === EVENT_FIELDS.join() &&
          ['interaction_id', 'user_id', 'product_id', 'session_id'].every((f) => typeof ev[f] === 'string') &&
          TYPES.has(ev.interaction_type as string) &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(ts) &&
          ts.slice(0, 10) === date &&
          ['mobile', 'desktop', 'tablet'].includes(ev.device_type as string) &&
          ['home', 'search', 'product_page', 'cart', 'recommendation'].includes(ev.page_context as string) &&
          (ev.rating === null || [1, 2, 3, 4, 5].includes(ev.rating as number)) &&
          user !== undefined &&
          product !== undefined &&
          product.is_active === true &&
          Date.parse(user.join_date as string) <= at &&
          Date.parse(product.created_at as string) <= at &&
          !seenIds.has(ev.interaction_id as string);
        if (!ok) problems.push(`${date}: ${line}`);
        seenIds.add(ev.interaction_id as string);
        events.push(ev);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(events.length).toBeGreaterThanOrEqual(3 * 1500 - 200);
    // Funnels: every purchase follows a cart of the same product in the same session.
    events.sort((a, b) => Date.parse(a.timestamp as string) - Date.parse(b.timestamp as string));
    const carts = new Set<string>();
    let purchases = 0;
    for (const ev of events) {
      const key = `${ev.session_id as string}|${ev.product_id as string}`;
      if (ev.interaction_type === 'add_to_cart') carts.add(key);
      else if (ev.interaction_type === 'purchase') {
        purchases++;
        if (!carts.has(key)) problems.push(`purchase without cart: ${JSON.stringify(ev)}`);
      }
    }
    expect(purchases).toBeGreaterThan(0);
    for (const date of dates) {
      for (const p of effective('products', date).values()) {
        if (typeof p.price !== 'number' || !isObject(p.attributes))
          problems.push(`product: ${JSON.stringify(p)}`);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('injects every fault kind of the contract into a 30-day lake at modest rates', () => {
    const days = 30;
    const lake = generate({ days, users: 300, products: 200, eventsPerDay: 2000 });
    const { dates, lines, snapshots, snapshotLines, effective, duplicateKeys } = index(lake, days);
    const endMs = Date.UTC(2024, 0, 1 + days);
    const found = new Set<string>();
    const sessionDays = new Map<string, Set<string>>();
    const sessionTimes = new Map<string, number[]>();

    for (const date of dates) {
      const users = effective('users', date);
      const products = effective('products', date);
      const ids = new Set<string>();
      const fired = new Map<string, string>();
      const perUser = new Map<string, { views: number; carts: number; times: number[] }>();
      let records = 0;
      let rejected = 0;
      let valid = 0;
      let nullDevice = 0;
      let nullPage = 0;
      for (const line of lines.get(date) ?? []) {
        if (line.trim() === '') {
          found.add('blank_line');
          continue;
        }
        records++;
        const ev = tryParse(line);
        if (!isObject(ev)) {
          found.add(
            ev === undefined
              ? line.includes('NaN')
                ? 'malformed_nan'
                : 'malformed_broken'
              : 'malformed_array',
          );
          rejected++;
          continue;
        }
        const type = typeof ev.interaction_type === 'string' ? ev.interaction_type.trim().toLowerCase() : '';
        if (!('user_id' in ev)) found.add('schema_missing_user');
        if (typeof ev.product_id === 'string' && ev.product_id.trim() === '')
          found.add('schema_empty_product');
        if (ev.interaction_type === 'click') found.add('schema_click');
        if (typeof ev.rating === 'string') found.add('schema_rating_string');
        const schemaOk =
          ['interaction_id', 'user_id', 'product_id', 'session_id', 'timestamp'].every(
            (f) => typeof ev[f] === 'string' && (ev[f] as string).trim() !== '',
          ) &&
          TYPES.has(type) &&
          (ev.rating === undefined || ev.rating === null || typeof ev.rating === 'number');
        if (!schemaOk) {
          rejected++;
          continue;
        }
        const ts = ev.timestamp as string;
        const at = parseTs(ts);
        if (at === undefined) {
          if (/-02-30T/.test(ts)) found.add('bad_ts_feb30');
          if (/^\d{4}-\d{2}-\d{2} \d/.test(ts)) found.add('bad_ts_space');
          if (/T\d{2}:\d{2}Z$/.test(ts)) found.add('bad_ts_no_seconds');
          rejected++;
          continue;
        }
        if (at > endMs + 300 * 86_400_000) {
          found.add('future_timestamp');
          rejected++;
          continue;
        }
        if (new Date(at).toISOString().slice(0, 10) !== date) {
          found.add('wrong_partition');
          rejected++;
          continue;
        }
        const user = users.get(ev.user_id as string);
        const product = products.get(ev.product_id as string);
        if (!user || !product) {
          found.add(user ? 'unknown_product' : 'unknown_user');
          rejected++;
          continue;
        }
        const id = ev.interaction_id as string;
        const fireKey = [
          ev.user_id,
          ev.product_id,
          type,
          ev.session_id,
          new Date(at).toISOString().slice(0, 19),
        ].join('|');
        if (ids.has(id)) {
          found.add('duplicate_id');
          rejected++;
          continue;
        }
        ids.add(id);
        if (fired.has(fireKey) && fired.get(fireKey) !== id) {
          found.add('duplicate_double_fire');
          rejected++;
          continue;
        }
        fired.set(fireKey, id);
        valid++;
        // Warnings and text on valid records.
        if (!/(Z|[+-]\d{2}:\d{2})$/.test(ts)) found.add('naive_timestamp');
        if (/[+-]\d{2}:\d{2}$/.test(ts)) found.add('offset_timestamp');
        if (/\.\d{4,}/.test(ts)) found.add('long_fraction');
        if (Object.keys(ev).some((k) => !EVENT_FIELDS.includes(k))) found.add('extra_field');
        if (ev.rating === 0 || ev.rating === 7) found.add('rating_out_of_range');
        const blank = (v: unknown): boolean =>
          v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
        if (blank(ev.device_type)) nullDevice++;
        if (blank(ev.page_context)) nullPage++;
        if (typeof ev.device_type === 'string' && ev.device_type !== ev.device_type.normalize('NFKC'))
          found.add('device_nfkc');
        if (ev.device_type === ' Mobile ') found.add('device_spaces');
        if (ev.device_type === 'Smart-TV') found.add('device_odd');
        if (ev.interaction_type !== type) found.add('type_mixed_case');
        if (at < Date.parse(user.join_date as string)) found.add('before_join_date');
        if (at < Date.parse(product.created_at as string)) found.add('before_product_created');
        if (product.is_active === false) {
          found.add('inactive_product');
          continue; // removed before the bot rules
        }
        const u = perUser.get(ev.user_id as string) ?? { views: 0, carts: 0, times: [] };
        if (type === 'view') u.views++;
        else u.carts++;
        u.times.push(at);
        perUser.set(ev.user_id as string, u);
        const sid = ev.session_id as string;
        sessionDays.set(sid, (sessionDays.get(sid) ?? new Set()).add(date));
        const times = sessionTimes.get(sid) ?? [];
        times.push(at);
        sessionTimes.set(sid, times);
      }
      if (nullDevice > 0) found.add('null_device_type');
      if (nullPage > 0) found.add('null_page_context');
      for (const u of perUser.values()) {
        if (u.views > 300 && u.carts === 0) found.add('bot_views');
        u.times.sort((a, b) => a - b);
        for (let i = 60; i < u.times.length; i++)
          if (u.times[i]! - u.times[i - 60]! < 60_000) found.add('bot_burst');
      }
      // Modest rates: the day passes the contract's thresholds by a wide margin.
      expect(rejected / records).toBeLessThan(0.05);
      expect(nullDevice / valid).toBeLessThan(0.1);
      expect(nullPage / valid).toBeLessThan(0.1);
      if (!snapshots.products.has(date)) found.add('stale_products');
      if (!snapshots.users.has(date)) found.add('stale_users');
    }
    for (const days of sessionDays.values()) if (days.size > 1) found.add('session_crosses_midnight');
    for (const times of sessionTimes.values()) {
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i++)
        if (times[i]! - times[i - 1]! > 30 * 60_000) found.add('session_long_gap');
    }

    // Snapshots.
    for (const line of snapshotLines.products) {
      const p = tryParse(line);
      if (line.trim() === '') found.add('snapshot_blank');
      else if (!isObject(p)) found.add('snapshot_malformed');
      else {
        if (p.price === null) found.add('price_null');
        if (typeof p.price === 'string' && /^\d+\.\d{2}$/.test(p.price)) found.add('price_string');
        if (typeof p.attributes === 'string' && isObject(JSON.parse(p.attributes)))
          found.add('attributes_string');
        if (p.subcategory === null) found.add('subcategory_null');
        if (p.brand === null) found.add('brand_null');
        const cat = p.category as string;
        if (cat.endsWith(' ')) found.add('category_trailing_space');
        if (cat === cat.toLowerCase()) found.add('category_lowercase');
        if (cat !== cat.normalize('NFKC')) found.add('category_nfkc');
      }
    }
    const genders = new Set<unknown>();
    for (const line of snapshotLines.users) {
      const u = tryParse(line);
      if (!isObject(u)) continue;
      if (u.gender === 'male') found.add('user_bad_gender');
      else genders.add(u.gender);
      if (u.age_group === null || u.location === null || u.customer_segment === null)
        found.add('user_null_field');
    }
    if (duplicateKeys > 0) found.add('snapshot_duplicate');
    expect([...genders].sort()).toEqual(['F', 'M', 'Other', null].sort());
    const first = snapshots.products.get(dates[0]!)!;
    const last = snapshots.products.get(dates[days - 1]!)!;
    expect(last.size).toBeGreaterThan(first.size);
    expect([...first.keys()].some((k) => first.get(k)!.price !== last.get(k)!.price)).toBe(true);
    expect(
      [...first.keys()].some((k) => first.get(k)!.is_active === true && last.get(k)!.is_active === false),
    ).toBe(true);
    expect(snapshots.users.get(dates[days - 1]!)!.size).toBeGreaterThan(snapshots.users.get(dates[0]!)!.size);

    expect([...found].sort()).toEqual(
      [
        'malformed_broken',
        'malformed_array',
        'malformed_nan',
        'schema_missing_user',
        'schema_empty_product',
        'schema_click',
        'schema_rating_string',
        'bad_ts_feb30',
        'bad_ts_space',
        'bad_ts_no_seconds',
        'future_timestamp',
        'wrong_partition',
        'unknown_user',
        'unknown_product',
        'duplicate_id',
        'duplicate_double_fire',
        'naive_timestamp',
        'offset_timestamp',
        'long_fraction',
        'extra_field',
        'rating_out_of_range',
        'null_device_type',
        'null_page_context',
        'device_nfkc',
        'device_spaces',
        'device_odd',
        'type_mixed_case',
        'before_join_date',
        'before_product_created',
        'inactive_product',
        'bot_views',
        'bot_burst',
        'stale_products',
        'stale_users',
        'session_crosses_midnight',
        'session_long_gap',
        'blank_line',
        'snapshot_blank',
        'snapshot_malformed',
        'snapshot_duplicate',
        'price_null',
        'price_string',
        'attributes_string',
        'subcategory_null',
        'brand_null',
        'category_trailing_space',
        'category_lowercase',
        'category_nfkc',
        'user_bad_gender',
        'user_null_field',
      ].sort(),
    );
    for (const k of FAULT_KINDS) expect([k, lake.summary.faults[k]]).not.toEqual([k, 0]);
  });
});
